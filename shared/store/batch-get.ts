import { BatchGetCommand, type BatchGetCommandOutput } from "@aws-sdk/lib-dynamodb";
import { mapConcurrent } from "#shared/concurrency";
import type { TableRef } from "./table-ref.ts";

/**
 * BatchGetItem in chunks of 100 keys, a few in flight, re-asking for the unprocessed keys
 * (DynamoDB returns them under load instead of failing). Missing items are simply absent.
 */
export async function batchGetItems(
  db: TableRef,
  keys: ReadonlyArray<Record<string, string>>,
  projection: string | undefined,
  onItem: (item: Record<string, unknown>) => void,
): Promise<void> {
  const chunks: Array<Array<Record<string, string>>> = [];
  for (let i = 0; i < keys.length; i += 100) chunks.push(keys.slice(i, i + 100));
  const request = (batch: Array<Record<string, unknown>>) => ({
    [db.tableName]: { Keys: batch, ...(projection ? { ProjectionExpression: projection } : {}) },
  });
  await mapConcurrent(chunks, 4, async (chunk) => {
    let pending: ReturnType<typeof request> | undefined = request(chunk);
    while (pending) {
      const out: BatchGetCommandOutput = await db.client.send(new BatchGetCommand({ RequestItems: pending }));
      for (const item of out.Responses?.[db.tableName] ?? []) onItem(item);
      const unprocessed = out.UnprocessedKeys?.[db.tableName]?.Keys;
      pending = unprocessed?.length ? request(unprocessed) : undefined;
    }
  });
}
