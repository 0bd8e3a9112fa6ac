import { type DigestInput, renderDigest } from "#shared/domain/digest";
import type { PostureSnapshot } from "#shared/domain/posture";
import type { DigestChannel } from "#shared/integrations/notifier";
import { barChartPng } from "#shared/integrations/png-chart";
import { listApps } from "#shared/store/app-store";
import { listSnapshots } from "#shared/store/posture-store";
import type { TableRef } from "#shared/store/table-ref";

export interface DigestDeps {
  db: TableRef;
  channels: DigestChannel[];
}

export interface DigestResult {
  subject: string;
  delivered: Array<{ channel: string; ref: string }>;
  failed: Array<{ channel: string; error: string }>;
}

function weekAgo(list: PostureSnapshot[], date: string): PostureSnapshot | undefined {
  const cutoff = new Date(Date.parse(date) - 7 * 86_400_000).toISOString().slice(0, 10);
  return list.find((s) => s.date <= cutoff);
}

/**
 * The weekly digest from snapshots only: reads O(apps + teams) snapshot items, never findings.
 * A failing channel does not stop the others; it is reported.
 */
export async function sendDigest(deps: DigestDeps): Promise<DigestResult> {
  const orgHistory = await listSnapshots(deps.db, "org", "org", 30);
  const org = orgHistory[0];
  if (!org) throw new Error("no posture snapshot yet: run the posture job first");
  const apps = await listApps(deps.db);
  const appSnapshots = (
    await Promise.all(apps.map((a) => listSnapshots(deps.db, "app", a.appId, 1)))
  ).flatMap((l) => l.slice(0, 1));
  const teamIds = [...new Set(apps.map((a) => a.team ?? "unowned"))];
  const teamHistories = await Promise.all(teamIds.map((t) => listSnapshots(deps.db, "team", t, 10)));
  const input: DigestInput = {
    date: org.date,
    org,
    orgWeekAgo: weekAgo(orgHistory, org.date),
    apps: appSnapshots.filter((s) => s.date === org.date),
    teams: teamHistories.map((h) => h[0]).filter((s): s is PostureSnapshot => !!s),
    teamsWeekAgo: teamHistories.map((h) => weekAgo(h, org.date)).filter((s): s is PostureSnapshot => !!s),
    trend: [...orgHistory]
      .reverse()
      .slice(-14)
      .map((s) => ({ date: s.date, actionable: s.actionable })),
  };
  const digest = renderDigest(input);
  const chart = barChartPng(input.trend.map((t) => t.actionable));
  const result: DigestResult = { subject: digest.subject, delivered: [], failed: [] };
  for (const channel of deps.channels) {
    try {
      result.delivered.push({ channel: channel.name, ref: await channel.send(digest, chart) });
    } catch (error) {
      result.failed.push({ channel: channel.name, error: (error as Error).message });
    }
  }
  return result;
}
