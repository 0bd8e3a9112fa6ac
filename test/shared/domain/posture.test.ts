import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type AppFacts,
  applyChange,
  appSnapshot,
  appSnapshotFromCounters,
  countersOf,
  emptySnapshot,
  FindingFacts,
  factsOf,
  mttrDays,
  PostureSnapshot,
  rollUp,
  sameFacts,
  slaCompliance,
} from "#shared/domain/posture";
import type { TrackedFinding } from "#shared/domain/tracked-finding";
import { score, tracked } from "#test/support/tracked";

const NOW = new Date("2026-03-10T12:00:00.000Z");
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000).toISOString();
const FACTS: AppFacts = {
  appId: "payments",
  unclassified: false,
  lastScanAt: daysAgo(1),
  exceptionsActive: 2,
  exceptionsExpiring: 1,
};
const src = (open: boolean) => ({
  scopeId: "s",
  tool: "t",
  ruleId: "r",
  firstSeenAt: daysAgo(10),
  lastScanId: "scan",
  open,
});
const fp = { status: "false_positive" as const, by: "a", at: daysAgo(1) };

function fixture(): TrackedFinding[] {
  return [
    // open, P1, overdue, seen by two scanners, 3 days old (new today? no)
    tracked({
      findingId: "o1",
      category: "sca",
      severity: "critical",
      firstSeenAt: daysAgo(3),
      score: score("P1", { risk: 90, dueAt: daysAgo(1) }),
      sources: { a: src(true), b: src(true), c: src(false) },
      reopenCount: 1,
    }),
    // open, P2, due in the future, first seen today, unowned
    tracked({
      findingId: "o2",
      category: "sast",
      severity: "high",
      firstSeenAt: "2026-03-10T01:00:00.000Z",
      score: score("P2", { risk: 60, dueAt: daysAgo(-10) }),
      team: "unowned",
    }),
    // open, P1 but false positive: counted open, not actionable, not overdue
    tracked({
      findingId: "o3",
      category: "sast",
      severity: "critical",
      firstSeenAt: daysAgo(45),
      score: score("P1", { risk: 95, dueAt: daysAgo(20) }),
      triage: fp,
    }),
    // open, unscored medium → P3, 200 days old
    tracked({ findingId: "o4", category: "iac", severity: "medium", firstSeenAt: daysAgo(200) }),
    // resolved today within SLA after 10 days, P1
    tracked({
      findingId: "r1",
      status: "resolved",
      severity: "critical",
      firstSeenAt: daysAgo(10),
      resolvedAt: "2026-03-10T02:00:00.000Z",
      score: score("P1", { dueAt: daysAgo(-5) }),
      reopenCount: 2,
    }),
    // resolved 4 days ago after its due date, P1, took 20 days
    tracked({
      findingId: "r2",
      status: "resolved",
      severity: "critical",
      firstSeenAt: daysAgo(24),
      resolvedAt: daysAgo(4),
      score: score("P1", { dueAt: daysAgo(5) }),
    }),
    // resolved, never scored (no SLA): within SLA, P2 from severity, took 6 days
    tracked({
      findingId: "r3",
      status: "resolved",
      severity: "high",
      firstSeenAt: daysAgo(8),
      resolvedAt: daysAgo(2),
    }),
  ];
}

describe("appSnapshot", () => {
  const s = appSnapshot(FACTS, fixture(), NOW);

  it("is a valid snapshot of the app for the day", () => {
    expect(PostureSnapshot.parse(s)).toEqual(s);
    expect(s.scopeKind).toBe("app");
    expect(s.scopeId).toBe("payments");
    expect(s.date).toBe("2026-03-10");
    expect(s.apps).toBe(1);
  });

  it("counts open findings by priority, severity and category", () => {
    expect(s.open).toBe(4);
    expect(s.openByPriority).toEqual({ P1: 2, P2: 1, P3: 1 });
    expect(s.openBySeverity).toEqual({ critical: 2, high: 1, medium: 1, low: 0, info: 0 });
    expect(s.openByCategory).toEqual({ sca: 1, sast: 2, iac: 1 });
  });

  it("counts actionable P1+P2 and their risk, excluding false positives", () => {
    expect(s.actionable).toBe(2);
    expect(s.risk).toBe(150);
  });

  it("counts overdue actionable findings only", () => {
    expect(s.overdue).toBe(1);
  });

  it("counts findings ever created, resolutions ever made and the reopen total", () => {
    expect(s.findingsTotal).toBe(7);
    // three resolved now, plus three earlier resolutions that were reopened (o1 once, r1 twice)
    expect(s.fixesTotal).toBe(6);
    expect(s.reopenedTotal).toBe(3);
  });

  it("computes SLA compliance: resolved by the due date, or without one", () => {
    expect(s.resolvedTotal).toBe(3);
    expect(s.resolvedWithinSla).toBe(2);
    expect(slaCompliance(s)).toBeCloseTo(2 / 3);
  });

  it("computes MTTR per priority in days", () => {
    expect(s.mttrCount).toEqual({ P1: 2, P2: 1 });
    expect(s.mttrDaysSum).toEqual({ P1: 30, P2: 6 });
    expect(mttrDays(s, "P1")).toBe(15);
    expect(mttrDays(s, "P2")).toBe(6);
    expect(mttrDays(s, "P3")).toBeUndefined();
  });

  it("buckets open findings by age", () => {
    expect(s.ageBuckets).toEqual({ "0-7": 2, "31-90": 1, "90+": 1 });
  });

  it("puts the bucket edges on whole days", () => {
    const age = (d: number) =>
      Object.keys(appSnapshot(FACTS, [tracked({ findingId: "x", firstSeenAt: daysAgo(d) })], NOW).ageBuckets);
    expect([age(7), age(8), age(30), age(31), age(90), age(91)]).toEqual([
      ["0-7"],
      ["8-30"],
      ["8-30"],
      ["31-90"],
      ["31-90"],
      ["90+"],
    ]);
  });

  it("builds the noise funnel: open observations → unique → actionable", () => {
    // o1 has 2 open sources; the others count as one observation each
    expect(s.funnel).toEqual({ raw: 5, unique: 4, actionable: 2 });
  });

  it("carries the app facts: unowned, exceptions, classification, staleness", () => {
    expect(s.unowned).toBe(1);
    expect(s.exceptionsActive).toBe(2);
    expect(s.exceptionsExpiring).toBe(1);
    expect(s.unclassifiedApps).toBe(0);
    expect(s.staleApps).toBe(0);
    // stale after 14 days without a scan
    expect(appSnapshot({ ...FACTS, lastScanAt: daysAgo(13) }, [], NOW).staleApps).toBe(0);
    const stale = appSnapshot({ ...FACTS, unclassified: true, lastScanAt: daysAgo(15) }, [], NOW);
    expect(stale.unclassifiedApps).toBe(1);
    expect(stale.staleApps).toBe(1);
    const { lastScanAt: _, ...neverScanned } = FACTS;
    expect(appSnapshot(neverScanned, [], NOW).staleApps).toBe(1);
  });

  it("reports undefined SLA compliance and MTTR before anything resolved", () => {
    const empty = appSnapshot(FACTS, [], NOW);
    expect(slaCompliance(empty)).toBeUndefined();
    expect(mttrDays(empty, "P1")).toBeUndefined();
    expect(empty.open).toBe(0);
    expect(empty.funnel).toEqual({ raw: 0, unique: 0, actionable: 0 });
  });
});

describe("rollUp", () => {
  it("sums app snapshots exactly, so averages stay exact", () => {
    const a = appSnapshot(FACTS, fixture(), NOW);
    const b = appSnapshot(
      { appId: "checkout", unclassified: true, exceptionsActive: 1, exceptionsExpiring: 0 },
      [
        tracked({
          findingId: "c1",
          severity: "high",
          firstSeenAt: daysAgo(2),
          score: score("P2", { risk: 40 }),
        }),
        tracked({
          findingId: "c2",
          status: "resolved",
          firstSeenAt: daysAgo(7),
          resolvedAt: daysAgo(1),
          score: score("P1", { dueAt: daysAgo(3) }),
        }),
      ],
      NOW,
    );
    const team = rollUp("team", "team-a", "2026-03-10", [a, b]);
    expect(PostureSnapshot.parse(team)).toEqual(team);
    expect(team.scopeKind).toBe("team");
    expect(team.scopeId).toBe("team-a");
    expect(team.apps).toBe(2);
    expect(team.open).toBe(a.open + b.open);
    expect(team.actionable).toBe(3);
    expect(team.risk).toBe(190);
    expect(team.openByPriority).toEqual({ P1: 2, P2: 2, P3: 1 });
    expect(team.openBySeverity.high).toBe(2);
    expect(team.resolvedTotal).toBe(4);
    expect(team.resolvedWithinSla).toBe(2);
    expect(slaCompliance(team)).toBe(0.5);
    // P1 resolutions: 10 + 20 (payments) and 6 (checkout) days
    expect(mttrDays(team, "P1")).toBe(12);
    expect(team.unclassifiedApps).toBe(1);
    expect(team.staleApps).toBe(1);
    expect(team.exceptionsActive).toBe(3);
    expect(team.funnel).toEqual({
      raw: a.funnel.raw + b.funnel.raw,
      unique: a.funnel.unique + b.funnel.unique,
      actionable: 3,
    });
  });

  it("rolls teams into the org the same way as apps", () => {
    const apps = [
      appSnapshot(FACTS, fixture(), NOW),
      appSnapshot({ ...FACTS, appId: "b" }, fixture().slice(0, 2), NOW),
      appSnapshot({ ...FACTS, appId: "c" }, fixture().slice(3), NOW),
    ];
    const [a, b, c] = apps as [PostureSnapshot, PostureSnapshot, PostureSnapshot];
    const viaTeams = rollUp("org", "org", "2026-03-10", [
      rollUp("team", "t1", "2026-03-10", [a, b]),
      rollUp("team", "t2", "2026-03-10", [c]),
    ]);
    const direct = rollUp("org", "org", "2026-03-10", apps);
    expect(viaTeams).toEqual(direct);
  });

  it("of nothing is the empty snapshot", () => {
    expect(rollUp("org", "org", "2026-03-10", [])).toEqual(emptySnapshot("org", "org", "2026-03-10"));
  });

  it("does not mutate its parts", () => {
    const a = appSnapshot(FACTS, fixture(), NOW);
    const copy = structuredClone(a);
    rollUp("team", "t", "2026-03-10", [a, a]);
    expect(a).toEqual(copy);
  });
});

describe("posture counters: incremental equals recomputed", () => {
  const finding = fc
    .record({
      id: fc.integer({ min: 0, max: 9 }),
      status: fc.constantFrom("open", "resolved"),
      priority: fc.constantFrom("P1", "P2", "P3", "P4"),
      risk: fc.integer({ min: 0, max: 100 }),
      due: fc.integer({ min: -40, max: 40 }),
      seen: fc.integer({ min: 0, max: 200 }),
      team: fc.constantFrom("a", "b", "unowned"),
      excepted: fc.boolean(),
      sources: fc.integer({ min: 0, max: 3 }),
      reopens: fc.integer({ min: 0, max: 3 }),
    })
    .map((r) =>
      tracked({
        findingId: `f${r.id}`,
        status: r.status,
        team: r.team,
        firstSeenAt: daysAgo(r.seen),
        ...(r.status === "resolved" ? { resolvedAt: daysAgo(Math.max(0, r.seen - 3)) } : {}),
        reopenCount: r.reopens,
        score: score(r.priority, { risk: r.risk, dueAt: daysAgo(r.due) }),
        sources: Object.fromEntries(Array.from({ length: r.sources }, (_, i) => [`s${i}`, src(true)])),
        ...(r.excepted ? { exception: { id: "e", reason: "r", expiresAt: daysAgo(-30) } } : {}),
      }),
    );

  it("moving counters by (new facts − old facts) per change ends where a full recount does", () => {
    fc.assert(
      fc.property(fc.array(finding, { maxLength: 60 }), (writes) => {
        const current = new Map<string, TrackedFinding>();
        const counters = {};
        for (const f of writes) {
          const before = current.get(f.findingId);
          applyChange(counters, before ? factsOf(before) : undefined, factsOf(f));
          current.set(f.findingId, f);
        }
        expect(counters).toEqual(countersOf(current.values()));
        expect(appSnapshotFromCounters(FACTS, counters, NOW)).toEqual(
          appSnapshot(FACTS, current.values(), NOW),
        );
      }),
      { numRuns: 300 },
    );
  });

  it("moves overdue and ages with the clock, without any change to the counters", () => {
    const counters = countersOf([
      tracked({ findingId: "d", firstSeenAt: daysAgo(5), score: score("P2", { dueAt: daysAgo(-2) }) }),
    ]);
    const today = appSnapshotFromCounters(FACTS, counters, NOW);
    const later = appSnapshotFromCounters(FACTS, counters, new Date(NOW.getTime() + 10 * 86_400_000));
    expect([today.overdue, today.ageBuckets]).toEqual([0, { "0-7": 1 }]);
    expect([later.overdue, later.ageBuckets]).toEqual([1, { "8-30": 1 }]);
  });

  it("keeps only what a finding contributes, and nothing when it contributes nothing", () => {
    const counters = countersOf([tracked({ findingId: "x", team: "a" })]);
    const f = tracked({ findingId: "x", team: "a" });
    applyChange(counters, factsOf(f), undefined);
    expect(counters).toEqual({});
  });
});

describe("sameFacts", () => {
  it("ignores key order, so facts read back from the table match fresh ones", () => {
    const f = factsOf(tracked({ findingId: "x", score: score("P2", { dueAt: daysAgo(-3) }) }));
    const reordered = FindingFacts.parse(JSON.parse(JSON.stringify(f)));
    expect(Object.keys(reordered)).not.toEqual(Object.keys(f));
    expect(sameFacts(f, reordered)).toBe(true);
    expect(sameFacts(f, { ...f, r: f.r + 1 })).toBe(false);
    expect(sameFacts(undefined, undefined)).toBe(true);
    expect(sameFacts(f, undefined)).toBe(false);
  });
});
