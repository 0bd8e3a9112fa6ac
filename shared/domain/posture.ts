import { z } from "zod";
import { SEVERITIES } from "./finding.ts";
import { UNOWNED } from "./routing.ts";
import type { TrackedFinding } from "./tracked-finding.ts";

/**
 * Posture snapshots (DESIGN §9): one item per scope (app, team, org) per day. Digests and
 * dashboards read snapshots only, so their cost grows with days and apps, never with findings.
 *
 * Snapshots are computed from per-app counters, not from findings: each finding contributes a
 * fixed set of counts that depends on its state alone (never on the clock), so when a finding
 * changes, the app's counters move by (its new contribution − its old one). Time enters only when
 * a snapshot is read off the counters: "overdue" sums the due-date histogram before today, age
 * buckets sum the first-seen histogram. That keeps posture O(apps + changed findings).
 */

const Counts = z.record(z.string(), z.number().int().nonnegative());

export const PostureSnapshot = z.object({
  scopeKind: z.enum(["app", "team", "org"]),
  scopeId: z.string(),
  date: z.string(),
  apps: z.number().int().nonnegative(),
  open: z.number().int().nonnegative(),
  openByPriority: Counts,
  openBySeverity: Counts,
  openByCategory: Counts,
  /** Open, actionable P1+P2: the number leaders watch. */
  actionable: z.number().int().nonnegative(),
  /** Sum of risk over open actionable findings. */
  risk: z.number().nonnegative(),
  /** Findings ever created and resolutions ever made: "new vs fixed" is the difference of two days. */
  findingsTotal: z.number().int().nonnegative().default(0),
  fixesTotal: z.number().int().nonnegative().default(0),
  reopenedTotal: z.number().int().nonnegative(),
  /** Open actionable findings due before the snapshot's day. */
  overdue: z.number().int().nonnegative(),
  resolvedWithinSla: z.number().int().nonnegative(),
  resolvedTotal: z.number().int().nonnegative(),
  /** Sum and count of days-to-resolve by priority, so rollups can average exactly. */
  mttrDaysSum: Counts,
  mttrCount: Counts,
  ageBuckets: Counts,
  unowned: z.number().int().nonnegative(),
  unclassifiedApps: z.number().int().nonnegative(),
  staleApps: z.number().int().nonnegative(),
  exceptionsActive: z.number().int().nonnegative(),
  exceptionsExpiring: z.number().int().nonnegative(),
  /**
   * Noise funnel: open observations (every result of each scanner's last scan, a tool repeating
   * itself included) → unique open findings → actionable.
   */
  funnel: z.object({
    raw: z.number().int().nonnegative(),
    unique: z.number().int().nonnegative(),
    actionable: z.number().int().nonnegative(),
  }),
  /** On the org snapshot: the teams (finding owners) that have a snapshot that day. */
  teams: z.array(z.string()).optional(),
});
export type PostureSnapshot = z.infer<typeof PostureSnapshot>;

const DAY = 86_400_000;
/** An app not scanned for this long is stale: its numbers say nothing about today. */
export const STALE_AFTER_DAYS = 14;

function priorityOf(f: TrackedFinding): string {
  if (f.score) return f.score.priority;
  return f.severity === "critical"
    ? "P1"
    : f.severity === "high"
      ? "P2"
      : f.severity === "medium"
        ? "P3"
        : "P4";
}

/**
 * What a finding contributes to posture, and nothing more: small enough to keep one per finding,
 * and independent of the clock. An exception mark counts as excepting (the daily clock job removes
 * marks when exceptions expire, before posture runs).
 */
export const FindingFacts = z.object({
  /** owner (team) */
  o: z.string(),
  /** open */
  op: z.boolean(),
  /** priority, severity, category */
  p: z.string(),
  sv: z.string(),
  c: z.string(),
  /** actionable: open, not excepted, not triaged away, not suppressed */
  a: z.boolean(),
  r: z.number(),
  /** due day of an open actionable finding */
  d: z.string().optional(),
  /** first-seen day */
  fs: z.string(),
  /** open scanner observations */
  raw: z.number().int().nonnegative(),
  rc: z.number().int().nonnegative(),
  /** resolved: within SLA, and whole days to resolve */
  sla: z.boolean().optional(),
  ttr: z.number().int().optional(),
});
export type FindingFacts = z.infer<typeof FindingFacts>;

export function factsOf(f: TrackedFinding): FindingFacts {
  const open = f.status === "open";
  const actionable =
    open &&
    !f.exception &&
    f.triage?.status !== "false_positive" &&
    f.triage?.status !== "accepted_risk" &&
    f.triage?.status !== "wont_fix" &&
    !f.score?.suppressed;
  const facts: FindingFacts = {
    o: f.team,
    op: open,
    p: priorityOf(f),
    sv: f.severity,
    c: f.category,
    a: actionable,
    r: f.score?.risk ?? 0,
    fs: f.firstSeenAt.slice(0, 10),
    raw: open
      ? Math.max(
          1,
          Object.values(f.sources)
            .filter((s) => s.open)
            .reduce((n, s) => n + (s.observations ?? 1), 0),
        )
      : 0,
    rc: f.reopenCount,
  };
  if (actionable && f.score?.dueAt) facts.d = f.score.dueAt.slice(0, 10);
  if (!open) {
    const resolvedAt = f.resolvedAt ? Date.parse(f.resolvedAt) : Date.parse(f.firstSeenAt);
    facts.sla = !f.score?.dueAt || resolvedAt <= Date.parse(f.score.dueAt);
    facts.ttr = Math.round((resolvedAt - Date.parse(f.firstSeenAt)) / DAY);
  }
  return facts;
}

const FACT_KEYS = Object.keys(FindingFacts.shape) as Array<keyof FindingFacts>;

/** Field by field, so facts read back from the table (keys in schema order) equal freshly built ones. */
export function sameFacts(a: FindingFacts | undefined, b: FindingFacts | undefined): boolean {
  if (!a || !b) return a === b;
  return FACT_KEYS.every((k) => a[k] === b[k]);
}

/** Counters of one owner in one app, keyed `metric` or `metric:detail` (e.g. `pri:P1`, `due:2026-03-09`). */
export type Counters = Record<string, number>;
/** An app's counters by owner. */
export type OwnerCounters = Record<string, Counters>;

function bump(c: Counters, key: string, by: number): void {
  if (by === 0) return;
  const next = (c[key] ?? 0) + by;
  if (Math.abs(next) < 1e-9) delete c[key];
  else c[key] = next;
}

/** Adds (sign 1) or removes (sign −1) one finding's contribution. */
export function contribute(into: OwnerCounters, facts: FindingFacts, sign: 1 | -1): void {
  let c = into[facts.o];
  if (!c) {
    c = {};
    into[facts.o] = c;
  }
  bump(c, "n", sign);
  bump(c, "fixes", sign * (facts.rc + (facts.op ? 0 : 1)));
  bump(c, "reopen", sign * facts.rc);
  if (facts.op) {
    bump(c, "open", sign);
    bump(c, `pri:${facts.p}`, sign);
    bump(c, `sev:${facts.sv}`, sign);
    bump(c, `cat:${facts.c}`, sign);
    bump(c, `seen:${facts.fs}`, sign);
    bump(c, "raw", sign * facts.raw);
    if (facts.a && (facts.p === "P1" || facts.p === "P2")) {
      bump(c, "act", sign);
      bump(c, "risk", sign * facts.r);
    }
    if (facts.a && facts.d) bump(c, `due:${facts.d}`, sign);
  } else {
    bump(c, "res", sign);
    if (facts.sla) bump(c, "resSla", sign);
    bump(c, `mttrSum:${facts.p}`, sign * (facts.ttr ?? 0));
    bump(c, `mttrN:${facts.p}`, sign);
  }
  if (!Object.keys(c).length) delete into[facts.o];
}

/** Counters of many findings, from scratch (a rebuild, and the reference the incremental path must match). */
export function countersOf(findings: Iterable<TrackedFinding>): OwnerCounters {
  const out: OwnerCounters = {};
  for (const f of findings) contribute(out, factsOf(f), 1);
  return out;
}

/** Applies `after − before` to the counters; either side may be absent (a new finding, a lost one). */
export function applyChange(
  into: OwnerCounters,
  before: FindingFacts | undefined,
  after: FindingFacts | undefined,
): void {
  if (sameFacts(before, after)) return;
  if (before) contribute(into, before, -1);
  if (after) contribute(into, after, 1);
}

/** Sums counters of several owners (an app's total) or of one owner across apps (a team). */
export function sumCounters(parts: Iterable<Counters>): Counters {
  const out: Counters = {};
  for (const p of parts) for (const [k, v] of Object.entries(p)) bump(out, k, v);
  return out;
}

export interface AppFacts {
  appId: string;
  team?: string;
  unclassified: boolean;
  lastScanAt?: string;
  exceptionsActive: number;
  exceptionsExpiring: number;
}

export function emptySnapshot(
  scopeKind: PostureSnapshot["scopeKind"],
  scopeId: string,
  date: string,
): PostureSnapshot {
  return {
    scopeKind,
    scopeId,
    date,
    apps: 0,
    open: 0,
    openByPriority: {},
    openBySeverity: Object.fromEntries(SEVERITIES.map((s) => [s, 0])),
    openByCategory: {},
    actionable: 0,
    risk: 0,
    findingsTotal: 0,
    fixesTotal: 0,
    reopenedTotal: 0,
    overdue: 0,
    resolvedWithinSla: 0,
    resolvedTotal: 0,
    mttrDaysSum: {},
    mttrCount: {},
    ageBuckets: {},
    unowned: 0,
    unclassifiedApps: 0,
    staleApps: 0,
    exceptionsActive: 0,
    exceptionsExpiring: 0,
    funnel: { raw: 0, unique: 0, actionable: 0 },
  };
}

function ageBucket(days: number): string {
  if (days <= 7) return "0-7";
  if (days <= 30) return "8-30";
  if (days <= 90) return "31-90";
  return "90+";
}

function add(counts: Record<string, number>, key: string, by: number): void {
  if (by) counts[key] = (counts[key] ?? 0) + by;
}

/**
 * Reads a snapshot off counters at `now`: the counts as they are, the due-date histogram cut at
 * today for overdue, the first-seen histogram bucketed by age. `unowned` is the open count of the
 * `unowned` owner, which the caller passes separately when the counters are already summed.
 */
export function snapshotFromCounters(
  scopeKind: PostureSnapshot["scopeKind"],
  scopeId: string,
  c: Counters,
  now: Date,
  unowned = 0,
): PostureSnapshot {
  const date = now.toISOString().slice(0, 10);
  const s = emptySnapshot(scopeKind, scopeId, date);
  const n = (k: string) => Math.max(0, Math.round(c[k] ?? 0));
  s.open = n("open");
  s.actionable = n("act");
  s.risk = Math.max(0, Math.round((c.risk ?? 0) * 100) / 100);
  s.findingsTotal = n("n");
  s.fixesTotal = n("fixes");
  s.reopenedTotal = n("reopen");
  s.resolvedTotal = n("res");
  s.resolvedWithinSla = n("resSla");
  s.funnel = { raw: n("raw"), unique: s.open, actionable: s.actionable };
  s.unowned = unowned;
  const today = Date.parse(`${date}T00:00:00Z`);
  for (const [key, value] of Object.entries(c)) {
    const colon = key.indexOf(":");
    if (colon < 0) continue;
    const metric = key.slice(0, colon);
    const detail = key.slice(colon + 1);
    const v = Math.max(0, Math.round(value));
    switch (metric) {
      case "pri":
        add(s.openByPriority, detail, v);
        break;
      case "sev":
        add(s.openBySeverity, detail, v);
        break;
      case "cat":
        add(s.openByCategory, detail, v);
        break;
      case "due":
        if (Date.parse(`${detail}T00:00:00Z`) < today) s.overdue += v;
        break;
      case "seen":
        add(s.ageBuckets, ageBucket((today - Date.parse(`${detail}T00:00:00Z`)) / DAY), v);
        break;
      case "mttrSum":
        add(s.mttrDaysSum, detail, v);
        break;
      case "mttrN":
        add(s.mttrCount, detail, v);
        break;
    }
  }
  return s;
}

/** Applies an app's inventory facts (classification, staleness, exceptions) to its snapshot. */
export function withAppFacts(s: PostureSnapshot, app: AppFacts, now: Date): PostureSnapshot {
  return {
    ...s,
    apps: 1,
    unclassifiedApps: app.unclassified ? 1 : 0,
    staleApps: !app.lastScanAt || now.getTime() - Date.parse(app.lastScanAt) > STALE_AFTER_DAYS * DAY ? 1 : 0,
    exceptionsActive: app.exceptionsActive,
    exceptionsExpiring: app.exceptionsExpiring,
  };
}

/** The snapshot of one app from its counters by owner. */
export function appSnapshotFromCounters(app: AppFacts, counters: OwnerCounters, now: Date): PostureSnapshot {
  const total = sumCounters(Object.values(counters));
  const unowned = Math.round(counters[UNOWNED]?.open ?? 0);
  return withAppFacts(snapshotFromCounters("app", app.appId, total, now, unowned), app, now);
}

/** The snapshot of one app on one day, from its findings (the reference computation). */
export function appSnapshot(app: AppFacts, findings: Iterable<TrackedFinding>, now: Date): PostureSnapshot {
  return appSnapshotFromCounters(app, countersOf(findings), now);
}

function addCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) add(into, k, v);
}

/** Rolls snapshots up into a team or org snapshot: sums only, so it is exact. */
export function rollUp(
  scopeKind: "team" | "org",
  scopeId: string,
  date: string,
  parts: readonly PostureSnapshot[],
): PostureSnapshot {
  const s = emptySnapshot(scopeKind, scopeId, date);
  for (const p of parts) {
    s.apps += p.apps;
    s.open += p.open;
    addCounts(s.openByPriority, p.openByPriority);
    addCounts(s.openBySeverity, p.openBySeverity);
    addCounts(s.openByCategory, p.openByCategory);
    s.actionable += p.actionable;
    s.risk += p.risk;
    s.findingsTotal += p.findingsTotal;
    s.fixesTotal += p.fixesTotal;
    s.reopenedTotal += p.reopenedTotal;
    s.overdue += p.overdue;
    s.resolvedWithinSla += p.resolvedWithinSla;
    s.resolvedTotal += p.resolvedTotal;
    addCounts(s.mttrDaysSum, p.mttrDaysSum);
    addCounts(s.mttrCount, p.mttrCount);
    addCounts(s.ageBuckets, p.ageBuckets);
    s.unowned += p.unowned;
    s.unclassifiedApps += p.unclassifiedApps;
    s.staleApps += p.staleApps;
    s.exceptionsActive += p.exceptionsActive;
    s.exceptionsExpiring += p.exceptionsExpiring;
    s.funnel.raw += p.funnel.raw;
    s.funnel.unique += p.funnel.unique;
    s.funnel.actionable += p.funnel.actionable;
  }
  s.risk = Math.round(s.risk * 100) / 100;
  return s;
}

/** SLA compliance: resolved within SLA / resolved; undefined before anything was resolved. */
export function slaCompliance(s: PostureSnapshot): number | undefined {
  return s.resolvedTotal ? s.resolvedWithinSla / s.resolvedTotal : undefined;
}

export function mttrDays(s: PostureSnapshot, priority: string): number | undefined {
  const n = s.mttrCount[priority];
  return n ? (s.mttrDaysSum[priority] ?? 0) / n : undefined;
}
