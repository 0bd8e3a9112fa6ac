import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { ATTR, INDEX } from "./table.ts";
import type { TableRef } from "./table-ref.ts";

/** One key condition on the table or a generic GSI: the primitive every named access pattern uses. */
export interface KeyQuery {
  index?: keyof typeof INDEX;
  pk: string;
  /** `begins_with` on the sort key. */
  skPrefix?: string;
  /** Newest/lowest first is ascending (the default); false reverses. */
  forward?: boolean;
  limit?: number;
  cursor?: Record<string, unknown>;
}

export interface Page {
  items: Array<Record<string, unknown>>;
  cursor?: Record<string, unknown>;
}

export async function queryPage(db: TableRef, q: KeyQuery): Promise<Page> {
  const pk = q.index ? ATTR[`${q.index}pk`] : ATTR.pk;
  const sk = q.index ? ATTR[`${q.index}sk`] : ATTR.sk;
  const out = await db.client.send(
    new QueryCommand({
      TableName: db.tableName,
      ...(q.index ? { IndexName: INDEX[q.index] } : {}),
      KeyConditionExpression: q.skPrefix ? "#pk = :pk AND begins_with(#sk, :sk)" : "#pk = :pk",
      ExpressionAttributeNames: q.skPrefix ? { "#pk": pk, "#sk": sk } : { "#pk": pk },
      ExpressionAttributeValues: q.skPrefix ? { ":pk": q.pk, ":sk": q.skPrefix } : { ":pk": q.pk },
      ...(q.forward === false ? { ScanIndexForward: false } : {}),
      ...(q.limit ? { Limit: q.limit } : {}),
      ...(q.cursor ? { ExclusiveStartKey: q.cursor } : {}),
    }),
  );
  return { items: out.Items ?? [], ...(out.LastEvaluatedKey ? { cursor: out.LastEvaluatedKey } : {}) };
}

/** Every item of a key condition, page by page (jobs and small partitions, never unbounded request paths). */
export async function* queryAll(
  db: TableRef,
  q: Omit<KeyQuery, "cursor">,
): AsyncGenerator<Record<string, unknown>> {
  let cursor: Record<string, unknown> | undefined;
  do {
    const page = await queryPage(db, { ...q, cursor });
    yield* page.items;
    cursor = page.cursor;
  } while (cursor);
}
