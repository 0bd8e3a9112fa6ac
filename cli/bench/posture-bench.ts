import type { Score, TrackedFinding } from "#shared/domain/tracked-finding";
import type { CliIo } from "../io.ts";
import { type BenchLine, printBench } from "./bench.ts";

/**
 * `posture_1m_findings`: the daily posture job over a portfolio of 200 apps and 1,000,000 findings,
 * after one day's rescoring changed 1% of them (50 per app).
 *
 * Ingesting 1M findings through correlate would take this machine most of an hour, so the portfolio
 * is synthesized in the state correlate and intel leave it: each app's counters as the posture job
 * last stored them, and for the 10,000 rescored findings their item, the facts last counted and
 * the change marker rescoring wrote. The posture job itself runs unmodified, on DynamoDB Local.
 *
 * Baseline, measured in the same run: the previous design read every finding of every app. It is
 * timed on one app of 5,000 real finding items (read them all and snapshot them) and scaled × 200.
 */

const APPS = 200;
const PER_APP = 5000;
const CHANGED_PER_APP = 50;
const DAY = 86_400_000;

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const PRIORITIES: Score["priority"][] = ["P1", "P2", "P3", "P4"];
const SEVERITIES = ["critical", "high", "medium", "low"] as const;
const TEAMS = ["payments", "web", "platform", "data", "unowned"];

/** A finding shaped like correlate stores it (sources, score with factors), about 1.5 KB. */
function syntheticFinding(appId: string, i: number, rnd: () => number, now: number): TrackedFinding {
  const p = Math.min(3, Math.floor(rnd() * 4));
  const seen = new Date(now - Math.floor(rnd() * 400) * DAY).toISOString();
  const resolved = rnd() < 0.3;
  const risk = Math.round(rnd() * 100);
  const score: Score = {
    risk,
    decision: p === 0 ? "Act" : p === 1 ? "Attend" : "Track",
    priority: PRIORITIES[p] ?? "P4",
    dueAt: new Date(Date.parse(seen) + ([7, 30, 90, 180][p] ?? 180) * DAY).toISOString(),
    factors: [
      { name: "CVSS", value: "base 7.5", effect: 30 },
      { name: "EPSS", value: "0.12 (p91)", effect: 8 },
      { name: "Exposure", value: "internet", effect: 10 },
      { name: "Criticality", value: "high", effect: 6 },
    ],
  };
  const cve = `CVE-2026-${String(10000 + (i % 40000)).padStart(5, "0")}`;
  return {
    category: "sca",
    title: `${cve} in package-${i % 700}`,
    description:
      "A vulnerability in a widely used library lets an attacker craft input that leads to unexpected behaviour in the parser.",
    severity: SEVERITIES[p] ?? "low",
    rule: { id: cve },
    cwes: ["CWE-400"],
    vulnerability: { id: cve, aliases: [`GHSA-${(i * 7919).toString(36)}`] },
    package: {
      name: `package-${i % 700}`,
      version: "1.2.3",
      purl: `pkg:npm/package-${i % 700}@1.2.3`,
      ecosystem: "npm",
      fixedVersions: ["1.2.4"],
    },
    location: { file: `services/svc-${i % 20}/package-lock.json` },
    references: [`https://nvd.nist.gov/vuln/detail/${cve}`],
    findingId: `${appId}-${String(i).padStart(6, "0")}`,
    appId,
    cve,
    correlationKey: `sca|${cve}|npm/package-${i % 700}`,
    status: resolved ? "resolved" : "open",
    firstSeenAt: seen,
    ...(resolved
      ? { resolvedAt: new Date(Date.parse(seen) + Math.floor(rnd() * 60) * DAY).toISOString() }
      : {}),
    reopenCount: rnd() < 0.05 ? 1 : 0,
    sources: {
      scope1: {
        scopeId: "scope1",
        tool: "trivy",
        ruleId: cve,
        firstSeenAt: seen,
        lastScanId: "01SCAN",
        open: !resolved,
      },
    },
    contentHash: "abcdef012345",
    team: TEAMS[Math.floor(rnd() * TEAMS.length)] ?? "unowned",
    ownerSource: "codeowners",
    score,
  };
}

/** The same finding after a day's intel: another priority and risk (rescoring's whole effect). */
function rescored(f: TrackedFinding, rnd: () => number): TrackedFinding {
  const p = Math.min(3, Math.floor(rnd() * 4));
  const score = f.score as Score;
  return { ...f, score: { ...score, priority: PRIORITIES[p] ?? "P4", risk: Math.round(rnd() * 100) } };
}

function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

export async function postureBench(io: CliIo): Promise<void> {
  const { startLocalStack } = await import("#cli/local/stack");
  const stack = await startLocalStack({ memory: true });
  try {
    const [
      { documentClient },
      { ensureApp },
      { putNewFindings, allFindingsOfApp },
      { countersOf, factsOf, appSnapshot },
      { putFactsItems, putPostureAggregate, recordPostureChanges },
      { computePosture },
      { meteredTable },
    ] = await Promise.all([
      import("#shared/aws/dynamodb"),
      import("#shared/store/app-store"),
      import("#shared/store/finding-store"),
      import("#shared/domain/posture"),
      import("#shared/store/posture-aggregate-store"),
      import("#shared/usecases/posture"),
      import("./metered.ts"),
    ]);
    const tableName = stack.env.ASPM_TABLE_NAME ?? "";
    const db = { client: documentClient, tableName };
    const now = Date.now();
    const at = new Date(now).toISOString();

    // the portfolio as correlate, intel and yesterday's posture run left it
    let expectedOpen = 0;
    let expectedActionable = 0;
    const setupStarted = performance.now();
    for (let a = 0; a < APPS; a++) {
      const appId = `bench-posture-${String(a).padStart(3, "0")}`;
      const rnd = lcg(1000 + a);
      await ensureApp(db, appId, at);
      const findings = Array.from({ length: PER_APP }, (_, i) => syntheticFinding(appId, i, rnd, now));
      const before = countersOf(findings);
      const changed = findings.slice(0, CHANGED_PER_APP).map((f) => rescored(f, rnd));
      await putPostureAggregate(db, appId, { v: 1, owners: before, updatedAt: at }, undefined);
      await putFactsItems(
        db,
        appId,
        findings.slice(0, CHANGED_PER_APP).map((f) => ({ findingId: f.findingId, v: 1, facts: factsOf(f) })),
      );
      await putNewFindings(db, changed);
      await recordPostureChanges(
        db,
        appId,
        changed.map((f) => f.findingId),
        `intel-${at}`,
      );
      const after = appSnapshot(
        { appId, unclassified: true, exceptionsActive: 0, exceptionsExpiring: 0 },
        [...changed, ...findings.slice(CHANGED_PER_APP)],
        new Date(now),
      );
      expectedOpen += after.open;
      expectedActionable += after.actionable;
    }
    const setupSeconds = (performance.now() - setupStarted) / 1000;

    // baseline: the previous design, which read every finding of every app (one app, scaled × 200)
    const baselineApp = "bench-posture-fullread";
    const rnd = lcg(7);
    await putNewFindings(
      db,
      Array.from({ length: PER_APP }, (_, i) => syntheticFinding(baselineApp, i, rnd, now)),
    );
    const base = meteredTable(tableName);
    base.meter.reset();
    let t = performance.now();
    const all: TrackedFinding[] = [];
    for await (const f of allFindingsOfApp(base.db, baselineApp)) all.push(f);
    appSnapshot(
      { appId: baselineApp, unclassified: true, exceptionsActive: 0, exceptionsExpiring: 0 },
      all,
      new Date(now),
    );
    const baselineMs = (performance.now() - t) * APPS;
    const baselineRcu = base.meter.rcu * APPS;

    const ours = meteredTable(tableName);
    ours.meter.reset();
    t = performance.now();
    const result = await computePosture({ db: ours.db, now: () => new Date(now) });
    const ms = performance.now() - t;
    const benchApps = result.apps.filter(
      (s) => s.scopeId.startsWith("bench-posture-") && s.scopeId !== baselineApp,
    );
    const open = benchApps.reduce((n, s) => n + s.open, 0);
    const actionable = benchApps.reduce((n, s) => n + s.actionable, 0);
    if (open !== expectedOpen || actionable !== expectedActionable)
      throw new Error(
        `posture is wrong: open ${open} (expected ${expectedOpen}), actionable ${actionable} (expected ${expectedActionable})`,
      );
    const reads = ours.meter.calls - ours.meter.writes;
    const note = `${APPS} apps × ${PER_APP} findings, ${APPS * CHANGED_PER_APP} rescored since the last run; ${reads} read requests, ${result.findingsRead} findings read; baseline = read every finding (measured on one ${PER_APP}-finding app, × ${APPS}); setup ${setupSeconds.toFixed(0)} s`;
    const lines: BenchLine[] = [
      {
        name: "posture_1m_findings_rcu",
        value: round(ours.meter.rcu, 1),
        unit: "read capacity units",
        baseline: round(baselineRcu, 1),
        ratio: round(ours.meter.rcu / baselineRcu, 4),
        budget: "reads O(apps + changed findings)",
        note,
      },
      {
        name: "posture_1m_findings_time",
        value: round(ms, 0),
        unit: "ms",
        baseline: round(baselineMs, 0),
        ratio: round(ms / baselineMs, 4),
        note: `open ${open}, actionable ${actionable} across the ${APPS} apps (checked against a recount)`,
      },
    ];
    for (const line of lines) printBench(io, line);
  } finally {
    await stack.stop();
  }
}
