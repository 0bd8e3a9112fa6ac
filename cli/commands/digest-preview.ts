import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import {
  type Digest,
  renderDigest,
  renderTeamDigest,
  type SlaBreach,
  type TeamFix,
} from "#shared/domain/digest";
import {
  type AppFacts,
  appSnapshot,
  countersOf,
  type PostureSnapshot,
  rollUp,
  snapshotFromCounters,
  sumCounters,
} from "#shared/domain/posture";
import type { Score, TrackedFinding } from "#shared/domain/tracked-finding";
import { trendChart } from "#shared/integrations/png-chart";
import { weeklyTrend } from "#shared/usecases/digest";
import type { CliIo } from "../io.ts";

/**
 * `npm run digest:preview`: the digests of a seeded 12-week portfolio (6 apps, 4 teams and some
 * unowned work), rendered by the real digest and chart code from snapshots computed by the real
 * posture code, written as HTML + PNG (+ text and Slack JSON) to a folder a person can open.
 */

const DAY = 86_400_000;
const APPS: Array<{ id: string; teams: string[]; lastScanDaysAgo: number; unclassified?: boolean }> = [
  { id: "payments-api", teams: ["payments", "payments", "fraud"], lastScanDaysAgo: 1 },
  { id: "checkout-web", teams: ["web", "web", "unowned"], lastScanDaysAgo: 2 },
  { id: "ledger", teams: ["payments"], lastScanDaysAgo: 3 },
  { id: "search", teams: ["web"], lastScanDaysAgo: 20 },
  { id: "batch-jobs", teams: ["unowned", "data"], lastScanDaysAgo: 1, unclassified: true },
  { id: "data-lake", teams: ["data"], lastScanDaysAgo: 40 },
];

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

interface Seeded {
  app: string;
  team: string;
  seen: number;
  resolved?: number;
  priority: Score["priority"];
  risk: number;
  title: string;
  file: string;
}

/** 12 weeks of arrivals and fixes: a backlog that shrinks as teams fix faster than scanners find. */
function seed(end: number): Seeded[] {
  const rnd = lcg(42);
  const out: Seeded[] = [];
  const start = end - 12 * 7 * DAY;
  for (const app of APPS) {
    const count = 40 + Math.floor(rnd() * 40);
    for (let i = 0; i < count; i++) {
      // a third were there before the 12 weeks, the rest arrive week by week
      const seen = i % 3 === 0 ? start - Math.floor(rnd() * 60) * DAY : start + Math.floor(rnd() * 84) * DAY;
      const p = rnd();
      const priority: Score["priority"] = p < 0.15 ? "P1" : p < 0.5 ? "P2" : p < 0.8 ? "P3" : "P4";
      const fixP = 0.55 + (app.id === "payments-api" ? 0.25 : 0) - (app.id === "data-lake" ? 0.4 : 0);
      const fixed = rnd() < fixP;
      const resolved = fixed
        ? seen + (3 + Math.floor(rnd() * (fixesFast(app.id) ? 20 : 45))) * DAY
        : undefined;
      out.push({
        app: app.id,
        team: app.teams[i % app.teams.length] ?? "unowned",
        seen,
        ...(resolved && resolved <= end ? { resolved } : {}),
        priority,
        risk:
          priority === "P1"
            ? 80 + Math.floor(rnd() * 20)
            : priority === "P2"
              ? 55 + Math.floor(rnd() * 25)
              : 20 + Math.floor(rnd() * 30),
        title: `${["SQL injection", "Outdated jackson-databind", "Hard-coded token", "Open S3 bucket", "XSS"][i % 5]} #${i}`,
        file: `src/module-${i % 7}/file-${i}.ts`,
      });
    }
  }
  return out;
}

/** payments fixes fast, so its SLA compliance and MTTR show it */
function fixesFast(app: string): boolean {
  return app === "payments-api" || app === "ledger";
}

const SLA_DAYS: Record<string, number> = { P1: 7, P2: 30, P3: 90, P4: 180 };

/** The finding as it stood at time `at` (undefined before it was first seen). */
function asOf(s: Seeded, index: number, at: number): TrackedFinding | undefined {
  if (s.seen > at) return undefined;
  const resolved = s.resolved !== undefined && s.resolved <= at;
  return {
    category: "sast",
    title: s.title,
    severity: s.priority === "P1" ? "critical" : s.priority === "P2" ? "high" : "medium",
    rule: { id: `rule-${index % 9}` },
    cwes: [],
    location: { file: s.file },
    references: [],
    findingId: `f${index}`,
    appId: s.app,
    correlationKey: `k${index}`,
    status: resolved ? "resolved" : "open",
    firstSeenAt: new Date(s.seen).toISOString(),
    ...(resolved && s.resolved ? { resolvedAt: new Date(s.resolved).toISOString() } : {}),
    reopenCount: 0,
    sources: {
      a: { scopeId: "a", tool: "semgrep", ruleId: "r", firstSeenAt: "", lastScanId: "s", open: !resolved },
    },
    contentHash: "0",
    team: s.team,
    score: {
      risk: s.risk,
      decision: "Attend",
      priority: s.priority,
      dueAt: new Date(s.seen + (SLA_DAYS[s.priority] ?? 90) * DAY).toISOString(),
      factors: [],
    },
  };
}

interface Day {
  org: PostureSnapshot;
  apps: PostureSnapshot[];
  teams: PostureSnapshot[];
}

function postureAt(seeded: Seeded[], at: number, end: number): Day {
  const now = new Date(at);
  const date = now.toISOString().slice(0, 10);
  const findings = seeded.map((s, i) => asOf(s, i, at)).filter((f): f is TrackedFinding => !!f);
  const apps = APPS.map((a) => {
    const facts: AppFacts = {
      appId: a.id,
      unclassified: !!a.unclassified,
      lastScanAt: new Date(end - a.lastScanDaysAgo * DAY).toISOString(),
      exceptionsActive: a.id === "ledger" ? 2 : 0,
      exceptionsExpiring: a.id === "ledger" ? 1 : 0,
    };
    return appSnapshot(
      facts,
      findings.filter((f) => f.appId === a.id),
      now,
    );
  });
  const byApp = APPS.map((a) => countersOf(findings.filter((f) => f.appId === a.id)));
  const owners = [...new Set(findings.map((f) => f.team))].sort();
  const teams = owners.map((o) =>
    snapshotFromCounters(
      "team",
      o,
      sumCounters(byApp.map((c) => c[o] ?? {})),
      now,
      o === "unowned" ? findings.filter((f) => f.team === o && f.status === "open").length : 0,
    ),
  );
  return { org: { ...rollUp("org", "org", date, apps), teams: owners }, apps, teams };
}

function write(dir: string, name: string, digest: Digest): string {
  const chart = trendChart(
    digest.chart.title,
    digest.chart.points.map((p) => ({
      label: p.label,
      ...(p.actionable !== undefined ? { value: p.actionable } : {}),
    })),
  );
  writeFileSync(join(dir, `${name}.png`), chart.png);
  writeFileSync(join(dir, `${name}.html`), digest.html.replace("cid:trend.png", `${name}.png`));
  writeFileSync(join(dir, `${name}.txt`), digest.text);
  writeFileSync(join(dir, `${name}.slack.json`), `${JSON.stringify(digest.slack, null, 2)}\n`);
  return join(dir, `${name}.html`);
}

export function digestPreviewCommand(io: CliIo, outDir = ".aspm/digest-preview"): void {
  const end = Date.parse("2026-03-09T12:00:00.000Z");
  const seeded = seed(end);
  // one snapshot per week for 12 weeks, newest first (as the store lists them)
  const days = Array.from({ length: 12 }, (_, w) => postureAt(seeded, end - w * 7 * DAY, end));
  const today = days[0];
  if (!today) return;
  const dir = resolve(outDir);
  mkdirSync(dir, { recursive: true });
  const orgHistory = days.map((d) => d.org);
  const leaders = renderDigest({
    date: today.org.date,
    org: today.org,
    orgWeekAgo: days[1]?.org,
    apps: today.apps,
    teams: today.teams,
    teamsWeekAgo: days[1]?.teams ?? [],
    trend: weeklyTrend(orgHistory, today.org.date),
    expiring: [
      {
        id: "exc-1",
        covers: "CVE-2026-1234 (all apps)",
        expiresAt: new Date(end + 9 * DAY).toISOString(),
        reason: "not reachable: the vulnerable parser is never called",
      },
    ],
  });
  const files = [write(dir, "leaders", leaders)];
  const nowDate = new Date(end);
  for (const team of today.teams.map((t) => t.scopeId)) {
    const open = seeded
      .map((s, i) => asOf(s, i, end))
      .filter((f): f is TrackedFinding => !!f && f.team === team && f.status === "open")
      .sort(
        (a, b) =>
          (a.score?.priority ?? "P4").localeCompare(b.score?.priority ?? "P4") ||
          (b.score?.risk ?? 0) - (a.score?.risk ?? 0),
      );
    const fixes: TeamFix[] = open.slice(0, 5).map((f) => ({
      app: f.appId,
      title: f.title,
      priority: f.score?.priority ?? "P4",
      findings: 1,
      risk: f.score?.risk ?? 0,
      ...(f.score?.dueAt ? { dueAt: f.score.dueAt } : {}),
    }));
    const breaches: SlaBreach[] = open
      .filter((f) => f.score && Date.parse(f.score.dueAt) < nowDate.getTime())
      .map((f) => ({
        app: f.appId,
        title: f.title,
        priority: f.score?.priority ?? "P4",
        dueAt: f.score?.dueAt ?? "",
      }));
    const history = days
      .map((d) => d.teams.find((t) => t.scopeId === team))
      .filter((s): s is PostureSnapshot => !!s);
    const snapshot = history[0];
    if (!snapshot) continue;
    const digest = renderTeamDigest({
      date: today.org.date,
      team,
      snapshot,
      ...(history[1] ? { weekAgo: history[1] } : {}),
      trend: weeklyTrend(history, today.org.date),
      topFixes: team === "unowned" ? [] : fixes,
      breaches,
      ...(team === "unowned"
        ? {
            unownedApps: today.apps
              .filter((a) => a.unowned > 0)
              .map((a) => ({ app: a.scopeId, count: a.unowned })),
          }
        : {}),
    });
    files.push(write(dir, `team-${team}`, digest));
  }
  io.out(leaders.text);
  io.out("");
  io.out(`wrote ${files.length} digests (HTML, PNG, text, Slack JSON) to ${dir}:`);
  for (const f of files) io.out(`  ${f}`);
}
