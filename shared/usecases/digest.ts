import {
  type Digest,
  type DigestInput,
  type ExpiringException,
  renderDigest,
  renderTeamDigest,
  type SlaBreach,
  type TeamFix,
  type TrendPoint,
} from "#shared/domain/digest";
import { type Exception, expiringWithin } from "#shared/domain/exception";
import { emptySnapshot, type PostureSnapshot } from "#shared/domain/posture";
import { type DigestAudience, digestAudiences, UNOWNED } from "#shared/domain/routing";
import { groupFindings, isActionable } from "#shared/domain/ticket-group";
import type { TrackedFinding } from "#shared/domain/tracked-finding";
import type { DigestChannel, DigestTarget } from "#shared/integrations/notifier";
import { trendChart, weekSlots } from "#shared/integrations/png-chart";
import { listApps } from "#shared/store/app-store";
import { getRouting } from "#shared/store/catalog-store";
import { listExceptions } from "#shared/store/exception-store";
import { listOpenFindingsOfTeam } from "#shared/store/finding-store";
import { listSnapshots } from "#shared/store/posture-store";
import type { TableRef } from "#shared/store/table-ref";
import { getTicket } from "#shared/store/ticket-store";

export interface DigestDeps {
  db: TableRef;
  channels: DigestChannel[];
  now?: () => Date;
}

export interface DigestResult {
  subject: string;
  delivered: Array<{ channel: string; audience: string; ref: string }>;
  failed: Array<{ channel: string; audience: string; error: string }>;
}

const HISTORY_DAYS = 12 * 7 + 7;
/** How much of a team's riskiest open work is read to find its top fixes and breaches. */
const TEAM_PAGE = 200;

function weekAgo(list: PostureSnapshot[], date: string): PostureSnapshot | undefined {
  const cutoff = new Date(Date.parse(date) - 7 * 86_400_000).toISOString().slice(0, 10);
  return list.find((s) => s.date <= cutoff);
}

/** One point per week for the last 12 weeks: the newest snapshot within each week, if any. */
export function weeklyTrend(history: readonly PostureSnapshot[], date: string): TrendPoint[] {
  return weekSlots(date).map((slot) => {
    const from = new Date(Date.parse(slot.date) - 6 * 86_400_000).toISOString().slice(0, 10);
    const s = history.find((h) => h.date <= slot.date && h.date >= from);
    return { date: s?.date ?? slot.date, label: slot.label, ...(s ? { actionable: s.actionable } : {}) };
  });
}

function describeScope(e: Exception): string {
  switch (e.scope.kind) {
    case "cve":
      return `${e.scope.cve} (all apps)`;
    case "rule":
      return `rule ${e.scope.ruleId} in ${e.scope.appId}`;
    case "finding":
      return `finding ${e.scope.findingId}`;
    case "findings":
      return `${e.scope.findingIds.length} findings in ${e.scope.appId}${e.scope.ticket ? ` (ticket ${e.scope.ticket})` : ""}`;
  }
}

const PRIORITY_RANK: Record<string, number> = { P1: 0, P2: 1, P3: 2, P4: 3 };

/** A team's top fixes (ticket groups of its riskiest open work) and its SLA breaches, riskiest first. */
async function teamWork(
  db: TableRef,
  team: string,
  now: Date,
): Promise<{ fixes: TeamFix[]; breaches: SlaBreach[] }> {
  const page = await listOpenFindingsOfTeam(db, team, TEAM_PAGE);
  const open = page.findings.filter((f) => isActionable(f, now));
  const byApp = new Map<string, TrackedFinding[]>();
  for (const f of open) byApp.set(f.appId, [...(byApp.get(f.appId) ?? []), f]);
  const candidates = [...byApp].flatMap(([app, findings]) =>
    groupFindings(app, findings)
      .filter((g) => g.status === "open")
      .map((g) => ({
        group: g,
        risk: Math.max(
          ...findings.filter((f) => g.members.includes(f.findingId)).map((f) => f.score?.risk ?? 0),
        ),
      })),
  );
  candidates.sort(
    (a, b) =>
      (PRIORITY_RANK[a.group.priority] ?? 9) - (PRIORITY_RANK[b.group.priority] ?? 9) ||
      b.risk - a.risk ||
      b.group.members.length - a.group.members.length,
  );
  const fixes = await Promise.all(
    candidates.slice(0, 5).map(async ({ group, risk }) => {
      const ticket = await getTicket(db, group.appId, group.groupId);
      return {
        app: group.appId,
        title: group.title,
        priority: group.priority,
        findings: group.members.length,
        risk,
        ...(group.dueAt ? { dueAt: group.dueAt } : {}),
        ...(ticket?.ticketKey ? { ticket: ticket.ticketKey } : {}),
      };
    }),
  );
  const breaches = open
    .filter((f) => f.score?.dueAt && Date.parse(f.score.dueAt) < now.getTime())
    .sort((a, b) => ((a.score?.dueAt ?? "") < (b.score?.dueAt ?? "") ? -1 : 1))
    .map((f) => ({
      app: f.appId,
      title: f.title,
      priority: f.score?.priority ?? "P4",
      dueAt: f.score?.dueAt ?? "",
    }));
  return { fixes, breaches };
}

/**
 * The weekly digests: the leaders' one and one per team the routing file gives a Slack channel or
 * an email list. Reads snapshots (O(days + apps + teams) items), the exceptions, and one page of
 * each routed team's riskiest open findings; never every finding. A failing channel does not stop
 * the others; it is reported.
 */
export async function sendDigest(deps: DigestDeps): Promise<DigestResult> {
  const now = (deps.now ?? (() => new Date()))();
  const orgHistory = await listSnapshots(deps.db, "org", "org", HISTORY_DAYS);
  const org = orgHistory[0];
  if (!org) throw new Error("no posture snapshot yet: run the posture job first");
  const [apps, routing, exceptions] = await Promise.all([
    listApps(deps.db),
    getRouting(deps.db),
    listExceptions(deps.db, ["active", "approved"]),
  ]);
  const appSnapshots = (await Promise.all(apps.map((a) => listSnapshots(deps.db, "app", a.appId, 1))))
    .flatMap((l) => l.slice(0, 1))
    .filter((s) => s.date === org.date);
  const teamIds = org.teams ?? [];
  const teamHistories = new Map(
    await Promise.all(
      teamIds.map(async (t) => [t, await listSnapshots(deps.db, "team", t, HISTORY_DAYS)] as const),
    ),
  );
  const expiring: ExpiringException[] = expiringWithin(
    exceptions.map((e) => e.exception),
    now,
    14,
  ).map((e) => ({ id: e.id, covers: describeScope(e), expiresAt: e.expiresAt, reason: e.reason }));

  const input: DigestInput = {
    date: org.date,
    org,
    orgWeekAgo: weekAgo(orgHistory, org.date),
    apps: appSnapshots,
    teams: [...teamHistories.values()]
      .map((h) => h[0])
      .filter((s): s is PostureSnapshot => s?.date === org.date),
    teamsWeekAgo: [...teamHistories.values()]
      .map((h) => weekAgo(h, org.date))
      .filter((s): s is PostureSnapshot => !!s),
    trend: weeklyTrend(orgHistory, org.date),
    expiring,
  };

  const audiences: DigestAudience[] = digestAudiences(routing?.rules);
  const targets: Array<{ target: DigestTarget; digest: () => Promise<Digest> }> = [];
  const leaders = audiences.find((a) => a.kind === "leaders");
  targets.push({
    target: leaders
      ? {
          audience: "org",
          ...(leaders.slack ? { slack: leaders.slack } : {}),
          ...(leaders.email ? { email: leaders.email } : {}),
        }
      : { audience: "org", email: "default" },
    digest: async () => renderDigest(input),
  });
  for (const a of audiences.filter((x) => x.kind === "team")) {
    targets.push({
      target: {
        audience: a.id,
        ...(a.slack ? { slack: a.slack } : {}),
        ...(a.email ? { email: a.email } : {}),
      },
      digest: async () => {
        const history = teamHistories.get(a.id) ?? (await listSnapshots(deps.db, "team", a.id, HISTORY_DAYS));
        const snapshot = history[0]?.date === org.date ? history[0] : undefined;
        const work = a.id === UNOWNED ? { fixes: [], breaches: [] } : await teamWork(deps.db, a.id, now);
        return renderTeamDigest({
          date: org.date,
          team: a.id,
          // a routed team that owns nothing yet reads as all zeros
          snapshot: snapshot ?? emptySnapshot("team", a.id, org.date),
          ...(snapshot ? { weekAgo: weekAgo(history, org.date) } : {}),
          trend: weeklyTrend(history, org.date),
          topFixes: work.fixes,
          breaches: work.breaches,
          ...(a.id === UNOWNED
            ? {
                unownedApps: appSnapshots
                  .filter((s) => s.unowned > 0)
                  .sort((x, y) => y.unowned - x.unowned)
                  .map((s) => ({ app: s.scopeId, count: s.unowned })),
              }
            : {}),
        });
      },
    });
  }

  const result: DigestResult = { subject: "", delivered: [], failed: [] };
  for (const { target, digest: make } of targets) {
    const digest = await make();
    if (target.audience === "org") result.subject = digest.subject;
    const chart = trendChart(
      digest.chart.title,
      digest.chart.points.map((p) => ({
        label: p.label,
        ...(p.actionable !== undefined ? { value: p.actionable } : {}),
      })),
    ).png;
    for (const channel of deps.channels) {
      const wanted = channel.kind === "slack" ? !!target.slack || target.audience === "org" : !!target.email;
      if (!wanted) continue;
      try {
        result.delivered.push({
          channel: channel.name,
          audience: target.audience,
          ref: await channel.send(digest, chart, target),
        });
      } catch (error) {
        result.failed.push({
          channel: channel.name,
          audience: target.audience,
          error: (error as Error).message,
        });
      }
    }
  }
  return result;
}
