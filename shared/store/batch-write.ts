import {
  BatchWriteCommand,
  type BatchWriteCommandInput,
  type DynamoDBDocumentClient,
} from "@aws-sdk/lib-dynamodb";
import { mapConcurrent } from "#shared/concurrency";

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
 * exponential backoff (DynamoDB returns them under throttling instead of failing the call). A
 * failure stops new chunks and surfaces once the chunks in flight have landed.
 */
export async function batchWrite(
  client: DynamoDBDocumentClient,
  tableName: string,
  requests: WriteRequest[],
  concurrency = 8,
  /** Called before each chunk is sent (tests inject crashes here). */
  beforeChunk?: (size: number) => void,
): Promise<BatchWriteStats> {
  return batchWriteOf(client, tableName, requests, (r) => r, concurrency, beforeChunk);
}

/**
 * Puts one item per source, each built just before its chunk is sent: the first requests are on
 * their way while later items are still being built (a first ingest's items take as long to build
 * as a few hundred requests take to land), and no list of every item is held.
 */
export function batchPut<T>(
  client: DynamoDBDocumentClient,
  tableName: string,
  sources: readonly T[],
  itemOf: (source: T) => Record<string, unknown>,
  concurrency = 8,
  beforeChunk?: (size: number) => void,
): Promise<BatchWriteStats> {
  return batchWriteOf(
    client,
    tableName,
    sources,
    (source) => ({ PutRequest: { Item: itemOf(source) } }),
    concurrency,
    beforeChunk,
  );
}

async function batchWriteOf<T>(
  client: DynamoDBDocumentClient,
  tableName: string,
  sources: readonly T[],
  requestOf: (source: T) => WriteRequest,
  concurrency: number,
  beforeChunk: ((size: number) => void) | undefined,
): Promise<BatchWriteStats> {
  const stats: BatchWriteStats = { requests: 0, retries: 0, consumedWcu: 0 };
  const chunks: (readonly T[])[] = [];
  for (let i = 0; i < sources.length; i += 25) chunks.push(sources.slice(i, i + 25));
  await mapConcurrent(chunks, concurrency, async (chunk) => {
    beforeChunk?.(chunk.length);
    let pending = chunk.map(requestOf);
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
  });
  return stats;
}
