import { GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { printable } from "#shared/domain/printable";
import { IN_FLIGHT, Scan, type ScanStage, type ScanStatus } from "#shared/domain/scan";
import { queryAll, queryPage } from "./query.ts";
import { keys } from "./table.ts";
import { conditionally, type TableRef, withoutKeys } from "./table-ref.ts";

/**
 * Access patterns: scan by id (CI polling), scans of an app newest first, scans in flight by the
 * time of their last progress (sparse: only pending and normalized scans carry the key, so the
 * sweeper and a restarting local stack read only what is unfinished).
 */

export async function putNewScan(db: TableRef, scan: Scan): Promise<void> {
  await db.client.send(
    new PutCommand({
      TableName: db.tableName,
      Item: {
        ...keys.scan(scan.scanId),
        ...keys.scansOfAppIndex(scan.appId, scan.createdAt, scan.scanId),
        ...(IN_FLIGHT.includes(scan.status) ? keys.inFlightScansIndex(scan.updatedAt, scan.scanId) : {}),
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

/** Pattern "scans in flight, oldest progress first": gsi2, optionally only those idle since before `before`. */
export async function* scansInFlight(db: TableRef, before?: string): AsyncGenerator<Scan> {
  const pk = keys.inFlightScansIndex("", "").gsi2pk;
  for await (const item of queryAll(db, { index: "gsi2", pk, limit: 100 })) {
    if (before && String(item.gsi2sk) >= before) return;
    yield Scan.parse(withoutKeys(item));
  }
}

/**
 * Moves a scan forward, only from the statuses given: the guard that makes duplicate S3 events
 * and SQS redeliveries no-ops. Returns false when the scan was not in an allowed status. Keeps the
 * sparse in-flight index in step: set (with the time of this progress) while pending or
 * normalized, removed once processed or failed.
 */
export async function transitionScan(
  db: TableRef,
  scanId: string,
  from: readonly ScanStatus[],
  patch: Partial<Scan> & { status: ScanStatus; updatedAt: string },
): Promise<boolean> {
  const names: Record<string, string> = { "#status": "status" };
  const values: Record<string, unknown> = {};
  const sets: string[] = [];
  const removes: string[] = [];
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) continue;
    names[`#${k}`] = k;
    values[`:${k}`] = v;
    sets.push(`#${k} = :${k}`);
  }
  if (IN_FLIGHT.includes(patch.status)) {
    const index = keys.inFlightScansIndex(patch.updatedAt, scanId);
    values[":g2pk"] = index.gsi2pk;
    values[":g2sk"] = index.gsi2sk;
    sets.push("gsi2pk = :g2pk", "gsi2sk = :g2sk");
  } else {
    removes.push("gsi2pk", "gsi2sk");
  }
  // leaving `failed` for good clears the failure it recorded
  if (patch.status !== "failed" && patch.failure === undefined) removes.push("failure");
  from.forEach((s, i) => {
    values[`:from${i}`] = s;
  });
  return conditionally(
    db.client.send(
      new UpdateCommand({
        TableName: db.tableName,
        Key: keys.scan(scanId),
        UpdateExpression: `SET ${sets.join(", ")}${removes.length ? ` REMOVE ${removes.join(", ")}` : ""}`,
        ConditionExpression: `attribute_exists(pk) AND #status IN (${from.map((_, i) => `:from${i}`).join(", ")})`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    ),
  );
}

/**
 * Ends a scan as `failed` with a reason a person can read: report content in it is made
 * printable (no terminal escapes, no forged lines) and bounded. `retryable` marks failures that
 * are not the report's fault, which a DLQ replay may still process.
 */
export async function failScan(
  db: TableRef,
  scanId: string,
  from: readonly ScanStatus[],
  failure: { stage: ScanStage; reason: string; retryable: boolean },
  now: Date = new Date(),
  extra: Pick<Scan, "raw"> = {},
): Promise<boolean> {
  const at = now.toISOString();
  return transitionScan(db, scanId, from, {
    ...extra,
    status: "failed",
    failure: {
      reason: printable(failure.reason, 1000),
      stage: failure.stage,
      at,
      retryable: failure.retryable,
    },
    updatedAt: at,
  });
}

/** Records (once) that the raw object was replaced after normalize read it. */
export async function flagRawOverwrite(db: TableRef, scanId: string, at: string): Promise<void> {
  await conditionally(
    db.client.send(
      new UpdateCommand({
        TableName: db.tableName,
        Key: keys.scan(scanId),
        UpdateExpression: "SET rawOverwrittenAt = :at",
        ConditionExpression: "attribute_exists(pk) AND attribute_not_exists(rawOverwrittenAt)",
        ExpressionAttributeValues: { ":at": at },
      }),
    ),
  );
}
