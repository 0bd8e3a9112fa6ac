import { appSnapshot, type PostureSnapshot, rollUp } from "#shared/domain/posture";
import { listApps } from "#shared/store/app-store";
import { allFindingsOfApp } from "#shared/store/finding-store";
import { putSnapshot } from "#shared/store/posture-store";
import type { TableRef } from "#shared/store/table-ref";

export interface PostureDeps {
  db: TableRef;
  now?: () => Date;
  /** Active and soon-expiring exceptions per app (wired by the exceptions module). */
  exceptionsOf?: (appId: string) => Promise<{ active: number; expiring: number }>;
}

/** Daily snapshots: one per app, one per team, one for the org. Re-running the same day overwrites. */
export async function computePosture(
  deps: PostureDeps,
): Promise<{ date: string; apps: PostureSnapshot[]; teams: PostureSnapshot[]; org: PostureSnapshot }> {
  const now = (deps.now ?? (() => new Date()))();
  const date = now.toISOString().slice(0, 10);
  const apps: PostureSnapshot[] = [];
  const teamOf = new Map<string, string>();
  for (const app of await listApps(deps.db)) {
    const exceptions = (await deps.exceptionsOf?.(app.appId)) ?? { active: 0, expiring: 0 };
    const findings = [];
    for await (const f of allFindingsOfApp(deps.db, app.appId)) findings.push(f);
    const snapshot = appSnapshot(
      {
        appId: app.appId,
        team: app.team,
        unclassified: app.unclassified,
        lastScanAt: app.lastScanAt,
        exceptionsActive: exceptions.active,
        exceptionsExpiring: exceptions.expiring,
      },
      findings,
      now,
    );
    apps.push(snapshot);
    teamOf.set(app.appId, app.team ?? "unowned");
  }
  const teamIds = [...new Set(teamOf.values())].sort();
  const teams = teamIds.map((team) =>
    rollUp(
      "team",
      team,
      date,
      apps.filter((a) => teamOf.get(a.scopeId) === team),
    ),
  );
  const org = rollUp("org", "org", date, apps);
  for (const s of [...apps, ...teams, org]) await putSnapshot(deps.db, s);
  return { date, apps, teams, org };
}
