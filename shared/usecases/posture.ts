import { mapConcurrent } from "#shared/concurrency";
import { expiringWithin } from "#shared/domain/exception";
import {
  type AppFacts,
  applyChange,
  appSnapshotFromCounters,
  countersOf,
  type FindingFacts,
  factsOf,
  type OwnerCounters,
  type PostureSnapshot,
  rollUp,
  sameFacts,
  snapshotFromCounters,
  sumCounters,
} from "#shared/domain/posture";
import { UNOWNED } from "#shared/domain/routing";
import { listApps } from "#shared/store/app-store";
import { listExceptions, type StoredException } from "#shared/store/exception-store";
import { allFindingsOfApp, getFindings } from "#shared/store/finding-store";
import {
  deletePostureChanges,
  type FactsItem,
  getFactsItems,
  getPostureAggregate,
  listPostureChanges,
  putFactsItems,
  putPostureAggregate,
} from "#shared/store/posture-aggregate-store";
import { putSnapshot } from "#shared/store/posture-store";
import type { TableRef } from "#shared/store/table-ref";
import { advanceExceptions } from "./exceptions.ts";

export interface PostureDeps {
  db: TableRef;
  now?: () => Date;
  /** For tests: fail after the facts are written and before the aggregate is, to prove a rerun converges. */
  crashBeforeAggregate?: (appId: string) => boolean;
}

export class PostureConflict extends Error {
  override readonly name = "PostureConflict";
}

const APP_CONCURRENCY = 8;

/**
 * Brings one app's counters up to date and returns them: the changed findings since the last run
 * (from the change markers), each counted as (new facts − facts counted before). An app without an
 * aggregate yet is counted once from all its findings. See shared/store/posture-aggregate-store.ts
 * for why a crash anywhere in here converges on the next run.
 */
export async function refreshAppCounters(
  deps: PostureDeps,
  appId: string,
  at: string,
): Promise<{ counters: OwnerCounters; changed: number; rebuilt: boolean }> {
  const markers = await listPostureChanges(deps.db, appId);
  const aggregate = await getPostureAggregate(deps.db, appId);
  if (!aggregate) {
    const findings = [];
    for await (const f of allFindingsOfApp(deps.db, appId)) findings.push(f);
    const counters = countersOf(findings);
    await putFactsItems(
      deps.db,
      appId,
      findings.map((f) => ({ findingId: f.findingId, v: 1, facts: factsOf(f) })),
    );
    if (deps.crashBeforeAggregate?.(appId)) throw new PostureConflict(`injected crash in ${appId}`);
    if (!(await putPostureAggregate(deps.db, appId, { v: 1, owners: counters, updatedAt: at }, undefined)))
      throw new PostureConflict(`the posture aggregate of ${appId} was created concurrently`);
    await deletePostureChanges(
      deps.db,
      appId,
      markers.map((m) => m.sk),
    );
    return { counters, changed: findings.length, rebuilt: true };
  }
  if (!markers.length) return { counters: aggregate.owners, changed: 0, rebuilt: false };

  const ids = [...new Set(markers.flatMap((m) => m.ids))];
  const [findings, counted] = await Promise.all([
    getFindings(deps.db, appId, ids),
    getFactsItems(deps.db, appId, ids),
  ]);
  const byId = new Map(findings.map((f) => [f.findingId, f]));
  const counters: OwnerCounters = structuredClone(aggregate.owners);
  const next = aggregate.v + 1;
  const writes: FactsItem[] = [];
  for (const id of ids) {
    const item = counted.get(id);
    // facts written by a run that died before its aggregate: that run's `prev` is what is counted
    const before: FindingFacts | undefined = item && item.v > aggregate.v ? item.prev : item?.facts;
    const finding = byId.get(id);
    const after = finding ? factsOf(finding) : undefined;
    applyChange(counters, before, after);
    if (!item || item.v > aggregate.v || !sameFacts(item.facts, after))
      writes.push({
        findingId: id,
        v: next,
        ...(after ? { facts: after } : {}),
        ...(before ? { prev: before } : {}),
      });
  }
  await putFactsItems(deps.db, appId, writes);
  if (deps.crashBeforeAggregate?.(appId)) throw new PostureConflict(`injected crash in ${appId}`);
  if (!(await putPostureAggregate(deps.db, appId, { v: next, owners: counters, updatedAt: at }, aggregate.v)))
    throw new PostureConflict(`the posture aggregate of ${appId} moved during the run`);
  await deletePostureChanges(
    deps.db,
    appId,
    markers.map((m) => m.sk),
  );
  return { counters, changed: ids.length, rebuilt: false };
}

export interface PostureResult {
  date: string;
  apps: PostureSnapshot[];
  teams: PostureSnapshot[];
  org: PostureSnapshot;
  /** Findings whose facts were read this run: O(changed findings), not O(findings). */
  findingsRead: number;
  rebuiltApps: number;
}

/**
 * Daily snapshots: one per app, one per team (by finding owner), one for the org. Reads O(apps +
 * changed findings) items: each app's aggregate and change markers, and the findings that changed.
 * Re-running the same day overwrites the day's snapshots.
 */
export async function computePosture(deps: PostureDeps): Promise<PostureResult> {
  const now = (deps.now ?? (() => new Date()))();
  const date = now.toISOString().slice(0, 10);
  // the daily clock of exceptions runs first, so today's snapshot counts what is excepted today
  await advanceExceptions({ db: deps.db, now: () => now });
  const exceptions = await listExceptions(deps.db, ["active", "approved"]);
  const soon = new Set(
    expiringWithin(
      exceptions.map((e) => e.exception),
      now,
      14,
    ).map((e) => e.id),
  );
  const appOf = (e: StoredException) =>
    e.exception.scope.kind === "rule" ? e.exception.scope.appId : e.appId;
  const exceptionsOf = (appId: string) => {
    const mine = exceptions.filter((e) => appOf(e) === appId);
    return {
      active: mine.filter((e) => e.exception.state === "active").length,
      expiring: mine.filter((e) => soon.has(e.exception.id)).length,
    };
  };

  let findingsRead = 0;
  let rebuiltApps = 0;
  const perApp = await mapConcurrent(await listApps(deps.db), APP_CONCURRENCY, async (app) => {
    const refreshed = await refreshAppCounters(deps, app.appId, now.toISOString());
    findingsRead += refreshed.changed;
    if (refreshed.rebuilt) rebuiltApps++;
    const facts: AppFacts = {
      appId: app.appId,
      ...(app.team ? { team: app.team } : {}),
      unclassified: app.unclassified,
      ...(app.lastScanAt ? { lastScanAt: app.lastScanAt } : {}),
      exceptionsActive: exceptionsOf(app.appId).active,
      exceptionsExpiring: exceptionsOf(app.appId).expiring,
    };
    return {
      counters: refreshed.counters,
      snapshot: appSnapshotFromCounters(facts, refreshed.counters, now),
    };
  });
  const apps = perApp.map((a) => a.snapshot);

  // teams are the owners of findings: a team's snapshot sums its slice of every app it owns work in
  const owners = [...new Set(perApp.flatMap((a) => Object.keys(a.counters)))].sort();
  const teams = owners.map((owner) => {
    const slices = perApp.filter((a) => a.counters[owner]);
    const counters = sumCounters(slices.map((a) => a.counters[owner] ?? {}));
    const s = snapshotFromCounters(
      "team",
      owner,
      counters,
      now,
      owner === UNOWNED ? Math.round(counters.open ?? 0) : 0,
    );
    const withOpen = slices.filter((a) => (a.counters[owner]?.open ?? 0) > 0).map((a) => a.snapshot);
    s.apps = withOpen.length;
    s.unclassifiedApps = withOpen.reduce((n, a) => n + a.unclassifiedApps, 0);
    s.staleApps = withOpen.reduce((n, a) => n + a.staleApps, 0);
    return s;
  });
  const org = rollUp("org", "org", date, apps);
  org.teams = owners;
  // CVE-wide exceptions belong to no single app: the org counts them
  const crossApp = exceptions.filter((e) => !appOf(e));
  org.exceptionsActive += crossApp.filter((e) => e.exception.state === "active").length;
  org.exceptionsExpiring += crossApp.filter((e) => soon.has(e.exception.id)).length;
  await mapConcurrent([...apps, ...teams, org], APP_CONCURRENCY, (s) => putSnapshot(deps.db, s));
  return { date, apps, teams, org, findingsRead, rebuiltApps };
}
