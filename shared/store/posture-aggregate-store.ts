import { BatchGetCommand, type BatchGetCommandOutput, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { z } from "zod";
import { mapConcurrent } from "#shared/concurrency";
import { FindingFacts } from "#shared/domain/posture";
import { batchWrite } from "./batch-write.ts";
import { queryAll } from "./query.ts";
import { keys } from "./table.ts";
import type { TableRef } from "./table-ref.ts";

/**
 * What keeps posture O(apps + changed findings) (access patterns "posture aggregate of an app",
 * "posture changes of an app", "counted facts of findings"):
 *
 * - writers (correlate, rescoring, exceptions, owner overrides) append a change marker with the ids
 *   of the findings they touched: one small item per batch, never one per finding;
 * - the posture job reads an app's markers, its changed findings and what it last counted for them
 *   (a small facts item each), moves the app's counters by the difference, and deletes the markers.
 *
 * Exactly once without transactions: the aggregate carries a version `v`; the job writes each facts
 * item with `v + 1` and the facts it replaced (`prev`) before it writes the aggregate conditioned on
 * `v`. A run that died in between left facts at `v + 1` over an aggregate still at `v`, so the next
 * run counts from `prev` for those, and from `facts` for every other.
 */

const MARKER_IDS = 1000;

export const PostureAggregate = z.object({
  v: z.number().int().nonnegative(),
  owners: z.record(z.string(), z.record(z.string(), z.number())),
  updatedAt: z.string(),
});
export type PostureAggregate = z.infer<typeof PostureAggregate>;

export const FactsItem = z.object({
  findingId: z.string(),
  v: z.number().int().nonnegative(),
  facts: FindingFacts.optional(),
  prev: FindingFacts.optional(),
});
export type FactsItem = z.infer<typeof FactsItem>;

const Marker = z.object({ sk: z.string(), ids: z.array(z.string()) });

/**
 * Records that these findings of an app changed. `tag` names the batch (a scan id, an intel run):
 * the same tag writes the same keys, so a replayed batch does not add markers.
 */
export async function recordPostureChanges(
  db: TableRef,
  appId: string,
  findingIds: readonly string[],
  tag: string,
): Promise<void> {
  const ids = [...new Set(findingIds)];
  if (!ids.length) return;
  const items = [];
  for (let i = 0; i < ids.length; i += MARKER_IDS)
    items.push({
      ...keys.postureChange(appId, tag, i / MARKER_IDS),
      entity: "posture-change",
      ids: ids.slice(i, i + MARKER_IDS),
    });
  await batchWrite(
    db.client,
    db.tableName,
    items.map((Item) => ({ PutRequest: { Item } })),
  );
}

/** Groups finding ids by app and records each app's batch: for writers that touch many apps at once. */
export async function recordPostureChangesByApp(
  db: TableRef,
  changed: ReadonlyArray<{ appId: string; findingId: string }>,
  tag: string,
): Promise<void> {
  const byApp = new Map<string, string[]>();
  for (const c of changed) byApp.set(c.appId, [...(byApp.get(c.appId) ?? []), c.findingId]);
  for (const [appId, ids] of byApp) await recordPostureChanges(db, appId, ids, tag);
}

/** Pattern "posture changes of an app": the markers not yet applied. */
export async function listPostureChanges(db: TableRef, appId: string): Promise<z.infer<typeof Marker>[]> {
  const out = [];
  for await (const item of queryAll(db, { pk: keys.app(appId).pk, skPrefix: keys.postureChangePrefix }))
    out.push(Marker.parse(item));
  return out;
}

export async function deletePostureChanges(
  db: TableRef,
  appId: string,
  sks: readonly string[],
): Promise<void> {
  if (!sks.length) return;
  await batchWrite(
    db.client,
    db.tableName,
    sks.map((sk) => ({ DeleteRequest: { Key: { pk: keys.app(appId).pk, sk } } })),
  );
}

export async function getPostureAggregate(
  db: TableRef,
  appId: string,
): Promise<PostureAggregate | undefined> {
  const out = await db.client.send(
    new GetCommand({ TableName: db.tableName, Key: keys.postureAggregate(appId) }),
  );
  return out.Item ? PostureAggregate.parse(out.Item) : undefined;
}

/** Writes the next version; false when another run moved the aggregate first (nothing is written). */
export async function putPostureAggregate(
  db: TableRef,
  appId: string,
  aggregate: PostureAggregate,
  expectedVersion: number | undefined,
): Promise<boolean> {
  try {
    await db.client.send(
      new PutCommand({
        TableName: db.tableName,
        Item: { ...keys.postureAggregate(appId), entity: "posture-aggregate", ...aggregate },
        ...(expectedVersion === undefined
          ? { ConditionExpression: "attribute_not_exists(pk)" }
          : { ConditionExpression: "v = :v", ExpressionAttributeValues: { ":v": expectedVersion } }),
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof Error && error.name === "ConditionalCheckFailedException") return false;
    throw error;
  }
}

/** The facts items of these findings, by id (BatchGet, 100 keys a request). */
export async function getFactsItems(
  db: TableRef,
  appId: string,
  findingIds: readonly string[],
): Promise<Map<string, FactsItem>> {
  const chunks: string[][] = [];
  for (let i = 0; i < findingIds.length; i += 100) chunks.push(findingIds.slice(i, i + 100));
  const found = new Map<string, FactsItem>();
  await mapConcurrent(chunks, 4, async (chunk) => {
    let request: Record<string, { Keys: Array<Record<string, unknown>> }> | undefined = {
      [db.tableName]: { Keys: chunk.map((id) => keys.postureFacts(appId, id)) },
    };
    while (request) {
      const out: BatchGetCommandOutput = await db.client.send(new BatchGetCommand({ RequestItems: request }));
      for (const item of out.Responses?.[db.tableName] ?? []) {
        const parsed = FactsItem.parse(item);
        found.set(parsed.findingId, parsed);
      }
      const unprocessed: Array<Record<string, unknown>> | undefined =
        out.UnprocessedKeys?.[db.tableName]?.Keys;
      request = unprocessed?.length ? { [db.tableName]: { Keys: unprocessed } } : undefined;
    }
  });
  return found;
}

export async function putFactsItems(db: TableRef, appId: string, items: readonly FactsItem[]): Promise<void> {
  await batchWrite(
    db.client,
    db.tableName,
    items.map((item) => ({
      PutRequest: { Item: { ...keys.postureFacts(appId, item.findingId), entity: "posture-facts", ...item } },
    })),
  );
}
