import { z } from "zod";
import { SEVERITIES } from "./finding.ts";
import { isActionable } from "./ticket-group.ts";
import type { TrackedFinding } from "./tracked-finding.ts";

/**
 * Posture snapshots (DESIGN §9): one item per scope (app, team, org) per day. Digests and
 * dashboards read snapshots only, so their cost grows with days and apps, never with findings.
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
  newToday: z.number().int().nonnegative(),
  resolvedToday: z.number().int().nonnegative(),
  reopenedTotal: z.number().int().nonnegative(),
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
  /** Noise funnel: open (finding, scanner) observations → unique open findings → actionable. */
  funnel: z.object({
    raw: z.number().int().nonnegative(),
    unique: z.number().int().nonnegative(),
    actionable: z.number().int().nonnegative(),
  }),
});
export type PostureSnapshot = z.infer<typeof PostureSnapshot>;

const DAY = 86_400_000;

function bump(counts: Record<string, number>, key: string, by = 1): void {
  counts[key] = (counts[key] ?? 0) + by;
}

function ageBucket(days: number): string {
  if (days <= 7) return "0-7";
  if (days <= 30) return "8-30";
  if (days <= 90) return "31-90";
  return "90+";
}

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
    newToday: 0,
    resolvedToday: 0,
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

/** The snapshot of one app on one day, from its findings. */
export function appSnapshot(app: AppFacts, findings: Iterable<TrackedFinding>, now: Date): PostureSnapshot {
  const date = now.toISOString().slice(0, 10);
  const s = emptySnapshot("app", app.appId, date);
  s.apps = 1;
  s.unclassifiedApps = app.unclassified ? 1 : 0;
  s.staleApps = !app.lastScanAt || now.getTime() - Date.parse(app.lastScanAt) > 7 * DAY ? 1 : 0;
  s.exceptionsActive = app.exceptionsActive;
  s.exceptionsExpiring = app.exceptionsExpiring;
  const dayStart = Date.parse(`${date}T00:00:00Z`);
  for (const f of findings) {
    s.reopenedTotal += f.reopenCount;
    if (Date.parse(f.firstSeenAt) >= dayStart) s.newToday++;
    const priority = priorityOf(f);
    if (f.status === "resolved") {
      s.resolvedTotal++;
      const resolvedAt = f.resolvedAt ? Date.parse(f.resolvedAt) : now.getTime();
      if (resolvedAt >= dayStart) s.resolvedToday++;
      if (!f.score?.dueAt || resolvedAt <= Date.parse(f.score.dueAt)) s.resolvedWithinSla++;
      bump(s.mttrDaysSum, priority, Math.round((resolvedAt - Date.parse(f.firstSeenAt)) / DAY));
      bump(s.mttrCount, priority);
      continue;
    }
    s.open++;
    bump(s.openByPriority, priority);
    bump(s.openBySeverity, f.severity);
    bump(s.openByCategory, f.category);
    bump(s.ageBuckets, ageBucket((now.getTime() - Date.parse(f.firstSeenAt)) / DAY));
    s.funnel.raw += Math.max(1, Object.values(f.sources).filter((src) => src.open).length);
    s.funnel.unique++;
    if (f.team === "unowned") s.unowned++;
    if (f.score?.dueAt && Date.parse(f.score.dueAt) < now.getTime() && isActionable(f)) s.overdue++;
    if (isActionable(f) && (priority === "P1" || priority === "P2")) {
      s.actionable++;
      s.risk += f.score?.risk ?? 0;
    }
  }
  s.funnel.actionable = s.actionable;
  return s;
}

function addCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) bump(into, k, v);
}

/** Rolls app snapshots up into a team or org snapshot: sums only, so it is exact. */
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
    s.newToday += p.newToday;
    s.resolvedToday += p.resolvedToday;
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
