import {
  BatchWriteCommand,
  type BatchWriteCommandInput,
  type DynamoDBDocumentClient,
} from "@aws-sdk/lib-dynamodb";

type WriteRequest = NonNullable<BatchWriteCommandInput["RequestItems"]>[string][number];

export interface BatchWriteStats {
  requests: number;
  retries: number;
  consumedWcu: number;
}

const MAX_ATTEMPTS = 8;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * BatchWriteItem in chunks of 25, several chunks in flight, retrying unprocessed items with
 * exponential backoff (DynamoDB returns them under throttling instead of failing the call).
 */
export async function batchWrite(
  client: DynamoDBDocumentClient,
  tableName: string,
  requests: WriteRequest[],
  concurrency = 8,
  /** Called before each chunk is sent (tests inject crashes here). */
  beforeChunk?: (size: number) => void,
): Promise<BatchWriteStats> {
  const stats: BatchWriteStats = { requests: 0, retries: 0, consumedWcu: 0 };
  const chunks: WriteRequest[][] = [];
  for (let i = 0; i < requests.length; i += 25) chunks.push(requests.slice(i, i + 25));
  let next = 0;
  async function worker(): Promise<void> {
    while (next < chunks.length) {
      let pending = chunks[next++] ?? [];
      beforeChunk?.(pending.length);
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt >= MAX_ATTEMPTS)
          throw new Error(
            `BatchWriteItem: ${pending.length} items still unprocessed after ${MAX_ATTEMPTS} attempts`,
          );
        if (attempt > 0) {
          stats.retries++;
          await sleep(Math.min(2000, 25 * 2 ** attempt) * (0.5 + Math.random() / 2));
        }
        const out = await client.send(
          new BatchWriteCommand({ RequestItems: { [tableName]: pending }, ReturnConsumedCapacity: "TOTAL" }),
        );
        stats.requests++;
        for (const c of out.ConsumedCapacity ?? []) stats.consumedWcu += c.CapacityUnits ?? 0;
        pending = out.UnprocessedItems?.[tableName] ?? [];
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, chunks.length) }, worker));
  return stats;
}
