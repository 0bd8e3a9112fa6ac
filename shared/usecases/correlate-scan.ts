import type { EventPublisher } from "#shared/bus";
import { mapConcurrent } from "#shared/concurrency";
import type { AppState } from "#shared/domain/app-state";
import {
  type FindingChange,
  mergedSeverity,
  type Observed,
  planCorrelation,
  type ScanInput,
} from "#shared/domain/correlate";
import { NormalizedReport } from "#shared/domain/finding";
import type { IntelSnapshot } from "#shared/domain/intel";
import type { Ownership } from "#shared/domain/ownership";
import type { RiskPolicy } from "#shared/domain/risk-policy";
import { legacyScopeIdOf, reportKindOf, retryableAt, type Scan } from "#shared/domain/scan";
import type { ScanCounts } from "#shared/domain/scan-counts";
import type { ProviderView, Score, Source, TrackedFinding } from "#shared/domain/tracked-finding";
import { DETAIL_TYPES, type FindingsChangedDetail, type ScanProcessedDetail } from "#shared/events";
import {
  abandonPendingCommit,
  beginStateCommit,
  finishStateCommit,
  loadBaseState,
  readPointer,
} from "#shared/store/app-state-store";
import { getApp, touchAppScan } from "#shared/store/app-store";
import { type FindingEvent, putAuditEvents } from "#shared/store/audit-store";
import { type BucketRef, getJsonGz, isNoSuchKey } from "#shared/store/blob-store";
import { listExceptions } from "#shared/store/exception-store";
import {
  closeSource,
  existingFindingIds,
  mergeFinding,
  putNewFindingsOf,
  resolveFinding,
  updateFromObservation,
} from "#shared/store/finding-store";
import { replaceScopeInventory } from "#shared/store/inventory-store";
import { recordPostureChanges } from "#shared/store/posture-aggregate-store";
import { failScan, getScan, transitionScan } from "#shared/store/scan-store";
import { objectKeys } from "#shared/store/table";
import type { TableRef } from "#shared/store/table-ref";
import { recordTicketChanges } from "#shared/store/ticket-store";
import { exceptionMarkFor } from "./exceptions.ts";
import { buildGate } from "./gate.ts";
import { ownershipFor } from "./ownership.ts";
import { appContextOf, scoreView } from "./scoring.ts";

type Scorer = (view: Observed["view"], firstSeenAt: string) => Score;

export interface CorrelateDeps {
  db: TableRef;
  bucket: BucketRef;
  events: EventPublisher;
  /** The current intel snapshot (cached per container); absent before the first intel run. */
  intel?: () => Promise<IntelSnapshot | undefined>;
  policy?: RiskPolicy;
  /** The clock scores are computed at (tests pin it, so a replay scores exactly as the first run). */
  now?: () => Date;
  /** For tests: fail after this many finding and audit writes, to prove a retry converges. */
  crashAfterWrites?: number;
  /**
   * Milliseconds this invocation has left (Lambda's getRemainingTimeInMillis). When it runs low
   * between writes, correlation stops with OutOfTime and the caller re-queues the scan: the next
   * invocation resumes the half-written plan like any crashed one, so no size is too big to finish.
   */
  timeLeft?: () => number;
}

/** Time to stop before the function's limit: the last write batch, the status and the re-queue. */
export const STOP_BEFORE_MS = 60_000;

export interface CorrelateResult {
  outcome: "processed" | "skipped";
  reason?: string;
  lifecycle?: string;
  counts?: ScanCounts;
  writes?: { puts: number; updates: number };
}

export class InjectedCrash extends Error {
  override readonly name = "InjectedCrash";
}

/** Correlation stopped between writes to finish within the function's limit; re-queue to resume. */
export class OutOfTime extends Error {
  override readonly name = "OutOfTime";
}

const EVENT_CHUNK = 200;
const WRITE_CONCURRENCY = 16;

function source(o: Observed, scan: ScanInput): Source {
  return {
    scopeId: scan.scopeId,
    tool: scan.tool.name,
    ...(scan.tool.version ? { toolVersion: scan.tool.version } : {}),
    ruleId: o.ruleId,
    ...(o.nativeId ? { nativeId: o.nativeId } : {}),
    firstSeenAt: scan.at,
    lastScanId: scan.scanId,
    open: true,
    ...(o.observations > 1 ? { observations: o.observations } : {}),
  };
}

function isFirstSighting(change: FindingChange): change is FindingChange & { observed: Observed } {
  return change.kind === "created" && change.observed !== undefined;
}

/** A settled read back as its value, or its error thrown. */
function settled<T>(result: PromiseSettledResult<T>): T {
  if (result.status === "rejected") throw result.reason;
  return result.value;
}

function chunked<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Correlates one normalized scan into the app's findings (DESIGN §6). Safe to run any number of
 * times for the same scan: a processed scan is a no-op, and a crashed attempt is replayed from the
 * same base state with idempotent writes, converging on the same final state. Before building on
 * the app's state it finishes whatever an earlier scan left half-done (a crash followed by the
 * dead-letter queue): that scan's missing writes are replayed and its commit flipped, so no
 * finding ever lives only in the S3 state.
 */
export async function correlateScan(
  deps: CorrelateDeps,
  scanId: string,
  options: { recovering?: boolean } = {},
): Promise<CorrelateResult> {
  const scan = await getScan(deps.db, scanId);
  if (!scan) return { outcome: "skipped", reason: "no such scan" };
  if (scan.status === "processed") return { outcome: "skipped", reason: "already processed" };
  const correlatable =
    scan.status === "normalized" ||
    retryableAt(scan, "correlate") ||
    (options.recovering === true && scan.status === "failed");
  if (!correlatable || !scan.tool || !scan.scopeId)
    return { outcome: "skipped", reason: `scan is ${scan.status}` };

  if (!options.recovering) await finishPredecessor(deps, scan.appId, scanId);

  // the reads correlation builds on do not depend on each other: one round trip's wait, not five
  const reads = await Promise.allSettled([
    getJsonGz(deps.bucket, objectKeys.normalized(scan.appId, scan.scanId)),
    getApp(deps.db, scan.appId).then(async (app) => ({ app, ownerOf: await ownershipFor(deps, scan, app) })),
    deps.intel?.(),
    listExceptions(deps.db, ["active"]),
    loadBaseState(deps.db, deps.bucket, scan.appId, scan.scanId),
  ]);
  // a report that is gone skips the scan, whatever else failed (as when these reads ran in turn)
  if (reads[0].status === "rejected" && isNoSuchKey(reads[0].reason))
    return { outcome: "skipped", reason: "its normalized report is gone" };
  const normalized = settled(reads[0]);
  const { app, ownerOf } = settled(reads[1]);
  const intel = settled(reads[2]);
  const exceptions = settled(reads[3]);
  const loaded = settled(reads[4]);
  const report = NormalizedReport.parse(normalized);
  const context = appContextOf(scan.appId, app);
  const now = deps.now?.() ?? new Date();
  const scorer: Scorer = (view, firstSeenAt) =>
    scoreView(view, firstSeenAt, context, intel, deps.policy, now);
  const input: ScanInput = {
    appId: scan.appId,
    scanId: scan.scanId,
    scopeId: scan.scopeId,
    tool: scan.tool,
    ...(scan.format ? { kind: reportKindOf(scan.format) } : {}),
    ...(scan.artifact ? { artifact: scan.artifact } : {}),
    target: scan.target ?? "default",
    branch: scan.branch ?? "main",
    tracked: scan.tracked,
    commitTime: scan.commitTime ?? scan.createdAt,
    // deterministic per scan, so a replayed plan stamps the same times
    at: scan.createdAt,
  };

  const activeExceptions = exceptions.map((s) => s.exception);
  const markOf = (o: Observed) =>
    exceptionMarkFor(
      {
        findingId: o.findingId,
        appId: scan.appId,
        ruleId: o.view.rule.id,
        vulnerabilityIds: o.view.vulnerability
          ? [o.view.vulnerability.id, ...o.view.vulnerability.aliases]
          : [],
      },
      activeExceptions,
      now,
    );
  const adopt = await legacyScopeToAdopt(deps.db, loaded.base, scan);
  if (adopt) input.adopt = adopt;
  const plan = planCorrelation(loaded.base, input, report.findings);

  let writes = { puts: 0, updates: 0 };
  if (plan.lifecycle === "applied") {
    const stateKey = loaded.alreadyCommitted
      ? undefined
      : await beginStateCommit(
          deps.db,
          deps.bucket,
          scan.appId,
          loaded.pointer,
          scan.scanId,
          plan.next,
          input.at,
        );
    writes = await applyChanges(
      deps,
      scorer,
      markOf,
      plan.changes,
      plan.next,
      input,
      ownerOf,
      loaded.uncertain,
    );
    // the adopted legacy scope's components: this scan's own scope recorded the inventory at normalize
    if (adopt && !loaded.base.scopes[scan.scopeId])
      await replaceScopeInventory(
        deps.db,
        { appId: scan.appId, scopeId: adopt, scanId: scan.scanId, at: input.at },
        [],
      );
    // after the writes (a sync must not read the findings before they change), before the commit
    // (a crash here replays the scan, which records the same markers again)
    await Promise.all([
      recordPostureChanges(
        deps.db,
        scan.appId,
        plan.changes.map((c) => c.findingId),
        scan.scanId,
      ),
      recordTicketChanges(deps.db, scan.appId, `scan#${scan.scanId}`, ticketRelevant(plan.changes), input.at),
    ]);
    if (stateKey) await finishStateCommit(deps.db, scan.appId, loaded.pointer, scan.scanId, stateKey);
    await publishChanges(deps.events, plan.changes, input);
  }

  const lifecycle = plan.lifecycle === "replay" ? "applied" : plan.lifecycle;
  await deps.events.publish([
    {
      detailType: DETAIL_TYPES.scanProcessed,
      detail: { scanId, appId: scan.appId, lifecycle, counts: plan.counts } satisfies ScanProcessedDetail,
    },
  ]);
  await transitionScan(deps.db, scanId, ["normalized", "failed"], {
    status: "processed",
    lifecycle,
    counts: plan.counts,
    ...(plan.gate
      ? {
          gate: await buildGate(deps.db, scan.appId, input.tool.name, plan.gate, plan.observed, markOf, (o) =>
            scorer(o.view, input.at),
          ),
        }
      : {}),
    updatedAt: new Date().toISOString(),
  });
  if (plan.lifecycle === "applied") await touchAppScan(deps.db, scan.appId, input.at);
  return { outcome: "processed", lifecycle, counts: plan.counts, writes };
}

/**
 * The legacy scope (keyed before scopes had a report kind and artifact) that this scan takes over:
 * the one of its app, tool, target and branch, when its own scope has no state yet and the legacy
 * scope's last scan was of the same kind (its document says; legacy state does not record it). Another kind leaves it for a scan of that kind, so a
 * CycloneDX SBOM never resolves what a Trivy image report found. When that last scan's document is
 * gone, its kind is unknown and the first scan adopts it, as it would have replaced it before.
 */
async function legacyScopeToAdopt(db: TableRef, base: AppState, scan: Scan): Promise<string | undefined> {
  if (!scan.tracked || !scan.tool || !scan.scopeId || !scan.format || base.scopes[scan.scopeId])
    return undefined;
  const legacyId = legacyScopeIdOf(
    scan.appId,
    scan.tool.name,
    scan.target ?? "default",
    scan.branch ?? "main",
  );
  const legacy = base.scopes[legacyId];
  if (!legacy || legacyId === scan.scopeId) return undefined;
  const format = legacy.kind ? undefined : (await getScan(db, legacy.lastScanId))?.format;
  const kind = legacy.kind ?? (format ? reportKindOf(format) : undefined);
  return kind === undefined || kind === reportKindOf(scan.format) ? legacyId : undefined;
}

/**
 * One writer per app means the previous scan of the app is either done or dead: finish its
 * pending commit (replaying its plan, whose writes are idempotent) or, when it committed but died
 * before recording it, its status and events. A pending commit that cannot be finished (its
 * report expired) is dropped, and its scan failed with the reason.
 */
async function finishPredecessor(deps: CorrelateDeps, appId: string, scanId: string): Promise<void> {
  const pointer = await readPointer(deps.db, appId);
  const pending = pointer.pending?.scanId;
  if (pending && pending !== scanId) {
    const done = await correlateScan(deps, pending, { recovering: true });
    if (done.outcome === "processed") return;
    await abandonPendingCommit(deps.db, appId, pointer);
    await failScan(deps.db, pending, ["pending", "normalized", "failed"], {
      stage: "correlate",
      reason: `its correlation crashed part way and could not be finished (${done.reason}); later scans went on without it`,
      retryable: false,
    });
    return;
  }
  const committed = pointer.committedScanId;
  if (committed && committed !== scanId) {
    const previous = await getScan(deps.db, committed);
    if (previous && previous.status !== "processed")
      await correlateScan(deps, committed, { recovering: true });
  }
}

async function applyChanges(
  deps: CorrelateDeps,
  scorer: Scorer,
  markOf: (o: Observed) => TrackedFinding["exception"],
  changes: FindingChange[],
  next: ReturnType<typeof planCorrelation>["next"],
  scan: ScanInput,
  ownerOf: (view: ProviderView) => Ownership,
  uncertain: boolean,
): Promise<{ puts: number; updates: number }> {
  let budget = deps.crashAfterWrites ?? Number.POSITIVE_INFINITY;
  const spend = (n: number) => {
    budget -= n;
    if (budget < 0) throw new InjectedCrash("injected crash between finding writes");
    if (deps.timeLeft && deps.timeLeft() < STOP_BEFORE_MS)
      throw new OutOfTime(`stopped between writes with ${deps.timeLeft()} ms left; to be resumed`);
  };
  const scoreOf = (o: Observed, firstSeenAt: string) => scorer(o.view, firstSeenAt);

  const created: Array<FindingChange & { observed: Observed }> = [];
  const rest: FindingChange[] = [];
  for (const change of changes) {
    if (isFirstSighting(change)) created.push(change);
    else rest.push(change);
  }
  const build = (change: FindingChange & { observed: Observed }): TrackedFinding => {
    const o = change.observed;
    const owner = ownerOf(o.view);
    // built by assignment after one spread: conditional spreads would make each item a slow dictionary
    const finding: TrackedFinding = {
      ...o.view,
      findingId: o.findingId,
      appId: scan.appId,
      correlationKey: o.key,
      status: "open",
      firstSeenAt: change.firstSeenAt,
      reopenCount: 0,
      sources: { [scan.scopeId]: source(o, scan) },
      contentHash: o.contentHash,
      team: owner.owner,
      ownerSource: owner.source,
      openedBy: { scanId: scan.scanId, tool: scan.tool.name },
    };
    if (o.cve) finding.cve = o.cve;
    const score = scoreOf(o, change.firstSeenAt);
    if (score) finding.score = score;
    const mark = markOf(o);
    if (mark) finding.exception = mark;
    return finding;
  };

  let puts = 0;
  let updates = 0;
  // a replay (this scan's retry, or a later scan finishing it) cannot know which creates landed:
  // those that did get the observation as an update, the rest are created in bulk as usual
  const landed = uncertain
    ? await existingFindingIds(
        deps.db,
        scan.appId,
        created.map((c) => c.findingId),
      )
    : new Set<string>();
  const fresh = landed.size ? created.filter((c) => !landed.has(c.findingId)) : created;
  // first sightings in bulk: 25 items per request, several requests in flight, each chunk's items
  // built as it goes out, so the first writes land while the rest are still being scored
  await putNewFindingsOf(deps.db, fresh, build, spend);
  puts += fresh.length;
  const again = landed.size ? created.filter((c) => landed.has(c.findingId)) : [];
  await mapConcurrent(again, WRITE_CONCURRENCY, async (change) => {
    const o = change.observed;
    spend(1);
    await updateFromObservation(
      deps.db,
      observationUpdate(o, scan, ownerOf(o.view), scoreOf(o, change.firstSeenAt), next),
    );
    updates++;
  });

  const events: FindingEvent[] = [];
  const audit = (
    findingId: string,
    happened: boolean,
    event: Omit<FindingEvent["event"], "at" | "actor" | "scanId">,
  ) => {
    // a replay cannot tell its own earlier write from this one: it records the event again, on the same item
    if (happened || uncertain)
      events.push({
        appId: scan.appId,
        findingId,
        event: { at: scan.at, actor: "system", scanId: scan.scanId, ...event },
      });
  };
  await mapConcurrent(rest, WRITE_CONCURRENCY, async (change) => {
    spend(1);
    updates++;
    const o = change.observed;
    switch (change.kind) {
      case "reopened":
      case "joined":
      case "updated": {
        if (!o) return;
        const reopened = await updateFromObservation(deps.db, {
          ...observationUpdate(o, scan, ownerOf(o.view), scoreOf(o, change.firstSeenAt), next),
          ...(change.kind === "reopened" ? { reopen: true } : {}),
          ...(change.fromScope ? { movedFrom: change.fromScope } : {}),
        });
        // `reopened` on another kind: new content on a finding a person had closed (false positive, mitigated)
        if (change.kind === "reopened" || reopened)
          audit(change.findingId, reopened, {
            action: "reopened",
            from: "resolved",
            to: "open",
            reason:
              change.kind === "reopened"
                ? `seen again by ${scan.tool.name}`
                : `content changed since a person closed it; seen by ${scan.tool.name}`,
          });
        return;
      }
      case "source-closed":
        await closeSource(deps.db, scan.appId, change.findingId, change.fromScope ?? scan.scopeId, scan.at);
        return;
      case "resolved":
        audit(
          change.findingId,
          await resolveFinding(
            deps.db,
            scan.appId,
            change.findingId,
            change.fromScope ?? scan.scopeId,
            scan.at,
          ),
          {
            action: "resolved",
            from: "open",
            to: "resolved",
            reason: `no longer reported by ${scan.tool.name}`,
          },
        );
        return;
      case "merged":
        audit(
          change.findingId,
          await mergeFinding(deps.db, scan.appId, change.findingId, change.into ?? "", scan.at),
          {
            action: "resolved",
            from: "open",
            to: "resolved",
            reason: `merged into ${change.into}: ${scan.tool.name} showed both ids name one vulnerability`,
          },
        );
        return;
      case "created":
        return;
    }
  });
  // sorted: the same plan always writes the same chunks, whatever order the updates finished in
  events.sort((a, b) => (a.findingId < b.findingId ? -1 : a.findingId > b.findingId ? 1 : 0));
  await putAuditEvents(deps.db, events, spend);
  return { puts, updates };
}

function observationUpdate(
  o: Observed,
  scan: ScanInput,
  owner: Ownership,
  score: Score | undefined,
  next: ReturnType<typeof planCorrelation>["next"],
) {
  return {
    appId: scan.appId,
    findingId: o.findingId,
    view: { ...o.view, severity: mergedSeverity(next, o.findingId) ?? o.view.severity },
    ...(o.cve ? { cve: o.cve } : {}),
    contentHash: o.contentHash,
    correlationKey: o.key,
    source: source(o, scan),
    team: owner.owner,
    ownerSource: owner.source,
    ...(score ? { score } : {}),
  };
}

/** Findings whose ticket may show the change: all but a closed source of a finding still open. */
function ticketRelevant(changes: readonly FindingChange[]): string[] {
  return changes.flatMap((c) =>
    c.kind === "source-closed" ? [] : c.kind === "merged" && c.into ? [c.findingId, c.into] : [c.findingId],
  );
}

async function publishChanges(
  events: EventPublisher,
  changes: FindingChange[],
  scan: ScanInput,
): Promise<void> {
  const byType: Array<[string, FindingChange[]]> = [
    [DETAIL_TYPES.findingsOpened, changes.filter((c) => c.kind === "created")],
    [DETAIL_TYPES.findingsReopened, changes.filter((c) => c.kind === "reopened")],
    [DETAIL_TYPES.findingsResolved, changes.filter((c) => c.kind === "resolved")],
  ];
  const batch: Array<{ detailType: string; detail: unknown }> = [];
  for (const [detailType, list] of byType) {
    for (const chunk of chunked(list, EVENT_CHUNK)) {
      batch.push({
        detailType,
        detail: {
          appId: scan.appId,
          scanId: scan.scanId,
          findings: chunk.map((c) => ({
            id: c.findingId,
            ...(c.observed ? { severity: c.observed.view.severity } : {}),
          })),
        } satisfies FindingsChangedDetail,
      });
    }
  }
  if (batch.length) await events.publish(batch);
}
