import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { PostureSnapshot } from "#shared/domain/posture";
import { queryPage } from "./query.ts";
import { keys } from "./table.ts";
import { type TableRef, withoutKeys } from "./table-ref.ts";

/** Snapshots expire after two years; trends never need more. */
const RETENTION_SECONDS = 2 * 365 * 86_400;

export async function putSnapshot(db: TableRef, snapshot: PostureSnapshot): Promise<void> {
  await db.client.send(
    new PutCommand({
      TableName: db.tableName,
      Item: {
        ...keys.posture(snapshot.scopeKind, snapshot.scopeId, snapshot.date),
        entity: "posture",
        expiresAt: Math.floor(Date.parse(snapshot.date) / 1000) + RETENTION_SECONDS,
        ...snapshot,
      },
    }),
  );
}

/** Pattern "posture snapshots of a scope by date": newest first, `limit` days. */
export async function listSnapshots(
  db: TableRef,
  scopeKind: PostureSnapshot["scopeKind"],
  scopeId: string,
  limit = 30,
): Promise<PostureSnapshot[]> {
  const page = await queryPage(db, { pk: keys.posture(scopeKind, scopeId, "").pk, forward: false, limit });
  return page.items.map((i) => PostureSnapshot.parse(withoutKeys(i)));
}
