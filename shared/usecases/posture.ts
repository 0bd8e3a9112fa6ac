import { expiringWithin } from "#shared/domain/exception";
import { appSnapshot, type PostureSnapshot, rollUp } from "#shared/domain/posture";
import { listApps } from "#shared/store/app-store";
import { listExceptions, type StoredException } from "#shared/store/exception-store";
import { allFindingsOfApp } from "#shared/store/finding-store";
import { putSnapshot } from "#shared/store/posture-store";
import type { TableRef } from "#shared/store/table-ref";
import { advanceExceptions } from "./exceptions.ts";

export interface PostureDeps {
  db: TableRef;
  now?: () => Date;
}

/** Daily snapshots: one per app, one per team, one for the org. Re-running the same day overwrites. */
export async function computePosture(
  deps: PostureDeps,
): Promise<{ date: string; apps: PostureSnapshot[]; teams: PostureSnapshot[]; org: PostureSnapshot }> {
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
  const apps: PostureSnapshot[] = [];
  const teamOf = new Map<string, string>();
  for (const app of await listApps(deps.db)) {
    const appExceptions = exceptionsOf(app.appId);
    const findings = [];
    for await (const f of allFindingsOfApp(deps.db, app.appId)) findings.push(f);
    const snapshot = appSnapshot(
      {
        appId: app.appId,
        team: app.team,
        unclassified: app.unclassified,
        lastScanAt: app.lastScanAt,
        exceptionsActive: appExceptions.active,
        exceptionsExpiring: appExceptions.expiring,
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
  // CVE-wide exceptions belong to no single app: the org counts them
  const crossApp = exceptions.filter((e) => !appOf(e));
  org.exceptionsActive += crossApp.filter((e) => e.exception.state === "active").length;
  org.exceptionsExpiring += crossApp.filter((e) => soon.has(e.exception.id)).length;
  for (const s of [...apps, ...teams, org]) await putSnapshot(deps.db, s);
  return { date, apps, teams, org };
}
