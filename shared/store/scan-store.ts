import { GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { Scan, type ScanStatus } from "#shared/domain/scan";
import { queryPage } from "./query.ts";
import { keys } from "./table.ts";
import { conditionally, type TableRef, withoutKeys } from "./table-ref.ts";

/** Access patterns: scan by id (CI polling), scans of an app newest first. */

export async function putNewScan(db: TableRef, scan: Scan): Promise<void> {
  await db.client.send(
    new PutCommand({
      TableName: db.tableName,
      Item: {
        ...keys.scan(scan.scanId),
        ...keys.scansOfAppIndex(scan.appId, scan.createdAt, scan.scanId),
        entity: "scan",
        ...scan,
      },
      ConditionExpression: "attribute_not_exists(pk)",
    }),
  );
}

/** Pattern "scan by id": one strongly consistent GetItem. */
export async function getScan(db: TableRef, scanId: string): Promise<Scan | undefined> {
  const out = await db.client.send(
    new GetCommand({ TableName: db.tableName, Key: keys.scan(scanId), ConsistentRead: true }),
  );
  return out.Item ? Scan.parse(withoutKeys(out.Item)) : undefined;
}

/** Pattern "scans of an app, newest first": gsi1, descending, one page. */
export async function listScansOfApp(
  db: TableRef,
  appId: string,
  limit = 20,
  cursor?: Record<string, unknown>,
) {
  const page = await queryPage(db, {
    index: "gsi1",
    pk: keys.scansOfAppIndex(appId, "", "").gsi1pk,
    forward: false,
    limit,
    cursor,
  });
  return { scans: page.items.map((i) => Scan.parse(withoutKeys(i))), cursor: page.cursor };
}

/**
 * Moves a scan forward, only from the statuses given: the guard that makes duplicate S3 events
 * and SQS redeliveries no-ops. Returns false when the scan was not in an allowed status.
 */
export async function transitionScan(
  db: TableRef,
  scanId: string,
  from: readonly ScanStatus[],
  patch: Partial<Scan> & { status: ScanStatus },
): Promise<boolean> {
  const names: Record<string, string> = { "#status": "status" };
  const values: Record<string, unknown> = {};
  const sets: string[] = [];
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) continue;
    names[`#${k}`] = k;
    values[`:${k}`] = v;
    sets.push(`#${k} = :${k}`);
  }
  from.forEach((s, i) => {
    values[`:from${i}`] = s;
  });
  return conditionally(
    db.client.send(
      new UpdateCommand({
        TableName: db.tableName,
        Key: keys.scan(scanId),
        UpdateExpression: `SET ${sets.join(", ")}`,
        ConditionExpression: `attribute_exists(pk) AND #status IN (${from.map((_, i) => `:from${i}`).join(", ")})`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    ),
  );
}
