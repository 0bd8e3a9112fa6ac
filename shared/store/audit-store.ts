import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { shortHash } from "#shared/domain/hash";
import {
  type AuditEvent,
  AuditEvent as AuditEventSchema,
  type TrackedFinding,
} from "#shared/domain/tracked-finding";
import { batchWrite } from "./batch-write.ts";
import { queryAll } from "./query.ts";
import { keys } from "./table.ts";
import type { TableRef } from "./table-ref.ts";

/**
 * The audit trail of findings (DESIGN §6: every state change appends an event): one item per
 * event, `AUDIT#{finding}#{at}#{hash}` in the app's partition, expiring after the retention.
 * Keys are derived from the event itself, so a replayed write overwrites the same item instead
 * of appending a duplicate: crash recovery can re-put a plan's events blindly.
 */

/** Two years by default: long enough for audits and SLA disputes, bounded for storage. */
export const AUDIT_RETENTION_DAYS = 730;

export interface FindingEvent {
  appId: string;
  findingId: string;
  event: AuditEvent;
}

export function auditItem(e: FindingEvent, retentionDays = AUDIT_RETENTION_DAYS): Record<string, unknown> {
  const { event } = e;
  const discriminator = shortHash(
    [event.action, event.actor, event.scanId ?? "", event.from ?? "", event.to ?? "", event.reason ?? ""],
    10,
  );
  const expiresAt = Math.floor(Date.parse(event.at) / 1000) + retentionDays * 86_400;
  return {
    ...keys.audit(e.appId, e.findingId, event.at, discriminator),
    entity: "audit",
    appId: e.appId,
    findingId: e.findingId,
    ...event,
    ...(Number.isFinite(expiresAt) ? { expiresAt } : {}),
  };
}

/** Many events in bulk (correlation): 25 per request, several in flight. */
export async function putAuditEvents(
  db: TableRef,
  events: readonly FindingEvent[],
  beforeChunk?: (size: number) => void,
): Promise<void> {
  if (!events.length) return;
  await batchWrite(
    db.client,
    db.tableName,
    events.map((e) => ({ PutRequest: { Item: auditItem(e) } })),
    8,
    beforeChunk,
  );
}

/** One event (a person's triage, an exception, a rescore). */
export async function putAuditEvent(db: TableRef, e: FindingEvent): Promise<void> {
  await db.client.send(new PutCommand({ TableName: db.tableName, Item: auditItem(e) }));
}

/**
 * Access pattern "history of a finding": its opening (kept on the finding item, so a first
 * ingest costs one write per finding) followed by its audit items, oldest first.
 */
export async function findingHistory(
  db: TableRef,
  finding: Pick<TrackedFinding, "appId" | "findingId" | "firstSeenAt" | "openedBy">,
): Promise<AuditEvent[]> {
  const history: AuditEvent[] = [];
  if (finding.openedBy) {
    history.push({
      at: finding.firstSeenAt,
      actor: "system",
      action: "opened",
      to: "open",
      reason: `first seen by ${finding.openedBy.tool}`,
      scanId: finding.openedBy.scanId,
    });
  }
  for await (const item of queryAll(db, {
    pk: keys.app(finding.appId).pk,
    skPrefix: keys.auditPrefix(finding.findingId),
    limit: 200,
  })) {
    history.push(AuditEventSchema.parse(item));
  }
  return history;
}
