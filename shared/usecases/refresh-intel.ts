import type { EventPublisher } from "#shared/bus";
import type { App } from "#shared/domain/app";
import { reviewOnIntel } from "#shared/domain/exception";
import {
  diffIntel,
  type IntelSnapshot,
  intelMetadata,
  parseEpssCsv,
  parseEpssGzip,
  parseKevCatalog,
} from "#shared/domain/intel";
import { DEFAULT_RISK_POLICY, type RiskPolicy } from "#shared/domain/risk-policy";
import type { Score } from "#shared/domain/tracked-finding";
import { DETAIL_TYPES, type FindingsChangedDetail } from "#shared/events";
import { getApp } from "#shared/store/app-store";
import { putAuditEvent } from "#shared/store/audit-store";
import type { BucketRef } from "#shared/store/blob-store";
import { listExceptions } from "#shared/store/exception-store";
import { listFindingsByCve, rescoreFinding } from "#shared/store/finding-store";
import { clearIntelCache, loadIntel, saveIntel } from "#shared/store/intel-store";
import { recordPostureChangesByApp } from "#shared/store/posture-aggregate-store";
import type { TableRef } from "#shared/store/table-ref";
import { recordTicketChanges } from "#shared/store/ticket-store";
import { sendBackToReview } from "./exceptions.ts";
import { appContextOf, scoreView } from "./scoring.ts";

/** Where the feeds come from: URLs (the daily job on AWS), files, or the bundled KEV snapshot (offline). */
export interface IntelSource {
  /** The KEV catalog or our compact snapshot of it, as JSON text or a parsed value. */
  kev(): Promise<unknown>;
  /** The EPSS CSV, plain or gzipped bytes; absent offline, which keeps the stored EPSS and is no failure. */
  epss?(): Promise<Uint8Array>;
}

export interface IntelDeps {
  db: TableRef;
  bucket: BucketRef;
  events: EventPublisher;
  source: IntelSource;
  policy?: RiskPolicy;
  now?: () => Date;
}

export interface IntelResult {
  kev: "updated" | "kept-previous";
  epss: "updated" | "kept-previous";
  errors: string[];
  changedCves: number;
  exceptionsToReview: number;
  findingsChecked: number;
  findingsRescored: number;
  priorityChanges: number;
  metadata: ReturnType<typeof intelMetadata>;
}

function sameScore(a: Score | undefined, b: Score): boolean {
  return (
    !!a && a.risk === b.risk && a.priority === b.priority && a.dueAt === b.dueAt && a.decision === b.decision
  );
}

/**
 * Daily intel (DESIGN §7): fetch KEV and EPSS, keep the previous snapshot for any feed that fails
 * (an outage never wipes intel), store the new snapshot, and rescore only the findings that carry
 * a CVE whose KEV membership or EPSS band changed, found through the by-CVE index.
 */
export async function refreshIntel(deps: IntelDeps): Promise<IntelResult> {
  const now = (deps.now ?? (() => new Date()))();
  const policy = deps.policy ?? DEFAULT_RISK_POLICY;
  const previous: IntelSnapshot = (await loadIntel(deps.bucket)) ?? {};
  const next: IntelSnapshot = { ...previous };
  const errors: string[] = [];
  let kev: IntelResult["kev"] = "kept-previous";
  let epss: IntelResult["epss"] = "kept-previous";
  try {
    next.kev = parseKevCatalog(await deps.source.kev());
    kev = "updated";
  } catch (error) {
    errors.push(`KEV: ${(error as Error).message}`);
  }
  if (deps.source.epss) {
    try {
      const bytes = await deps.source.epss();
      next.epss =
        bytes[0] === 0x1f && bytes[1] === 0x8b
          ? await parseEpssGzip(bytes)
          : parseEpssCsv(Buffer.from(bytes).toString("utf8"));
      epss = "updated";
    } catch (error) {
      errors.push(`EPSS: ${(error as Error).message}`);
    }
  }
  if (kev === "updated" || epss === "updated") {
    await saveIntel(deps.bucket, next, now.toISOString().slice(0, 10));
    clearIntelCache();
  }

  const changes = diffIntel(previous, next, policy);
  const apps = new Map<string, App | undefined>();
  const priorityChanges: Array<{
    appId: string;
    id: string;
    priority: string;
    previousPriority?: string;
    severity: string;
  }> = [];
  let checked = 0;
  const rescoredByApp = new Map<string, string[]>();
  const exceptionsSeen = new Map<string, string[]>();
  let rescored = 0;
  const rescoredIds: Array<{ appId: string; findingId: string }> = [];
  for (const change of changes) {
    let cursor: Record<string, unknown> | undefined;
    let pageNo = 0;
    do {
      const page = await listFindingsByCve(deps.db, change.cve, 100, cursor);
      const due: Array<{ finding: (typeof page.findings)[number]; score: Score }> = [];
      for (const finding of page.findings) {
        // a resolved finding has no priority to act on; it is scored afresh if it reopens
        if (finding.status !== "open") continue;
        checked++;
        if (finding.exception)
          exceptionsSeen.set(change.cve, [...(exceptionsSeen.get(change.cve) ?? []), finding.exception.id]);
        if (!apps.has(finding.appId)) apps.set(finding.appId, await getApp(deps.db, finding.appId));
        const score = scoreView(
          finding,
          finding.firstSeenAt,
          appContextOf(finding.appId, apps.get(finding.appId)),
          next,
          policy,
          now,
        );
        if (!sameScore(finding.score, score)) due.push({ finding, score });
      }
      // posture change markers before the writes (a crash between them cannot hide a change) and
      // after all of them (a posture run between them cannot either)
      await recordPostureChangesByApp(
        deps.db,
        due.map(({ finding }) => finding),
        `intel-${now.toISOString()}-${change.cve}-${pageNo++}`,
      );
      for (const { finding, score } of due) {
        await rescoreFinding(deps.db, finding, score);
        await putAuditEvent(deps.db, {
          appId: finding.appId,
          findingId: finding.findingId,
          event: {
            at: now.toISOString(),
            actor: "system",
            action: "rescored",
            ...(finding.score ? { from: finding.score.priority } : {}),
            to: score.priority,
            reason: change.reasons.join(", "),
          },
        });
        rescored++;
        rescoredByApp.set(finding.appId, [...(rescoredByApp.get(finding.appId) ?? []), finding.findingId]);
        rescoredIds.push({ appId: finding.appId, findingId: finding.findingId });
        if (finding.score?.priority !== score.priority) {
          priorityChanges.push({
            appId: finding.appId,
            id: finding.findingId,
            priority: score.priority,
            ...(finding.score ? { previousPriority: finding.score.priority } : {}),
            severity: finding.severity,
          });
        }
      }
      cursor = page.cursor;
    } while (cursor);
  }
  // a new priority or due date shows on the ticket
  for (const [appId, ids] of rescoredByApp)
    await recordTicketChanges(deps.db, appId, `intel#${now.toISOString()}`, ids, now.toISOString());
  await recordPostureChangesByApp(deps.db, rescoredIds, `intel-${now.toISOString()}`);
  // an exception granted before a CVE got worse goes back to review, and its findings count again
  const exceptions = (await listExceptions(deps.db, ["approved", "active"])).map((e) => e.exception);
  const cvesByException = new Map<string, string[]>();
  for (const [cve, ids] of exceptionsSeen)
    for (const id of ids) cvesByException.set(id, [...(cvesByException.get(id) ?? []), cve]);
  const reviewed = reviewOnIntel(exceptions, changes, now, (e) => cvesByException.get(e.id) ?? []);
  if (reviewed.length) await sendBackToReview({ db: deps.db, now: () => now }, reviewed);

  const byApp = new Map<string, typeof priorityChanges>();
  for (const c of priorityChanges) byApp.set(c.appId, [...(byApp.get(c.appId) ?? []), c]);
  const events = [...byApp].map(([appId, list]) => ({
    detailType: DETAIL_TYPES.findingsRescored,
    detail: {
      appId,
      findings: list.map(({ id, priority, previousPriority, severity }) => ({
        id,
        priority,
        severity,
        ...(previousPriority ? { previousPriority } : {}),
      })),
    } satisfies FindingsChangedDetail,
  }));
  if (events.length) await deps.events.publish(events);
  return {
    kev,
    epss,
    errors,
    changedCves: changes.length,
    exceptionsToReview: reviewed.length,
    findingsChecked: checked,
    findingsRescored: rescored,
    priorityChanges: priorityChanges.length,
    metadata: intelMetadata(next),
  };
}
