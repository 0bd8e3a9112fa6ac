import { z } from "zod";
import type { App } from "#shared/domain/app";
import { type FindingFilter, findingRef, matchesFilter } from "#shared/domain/finding-query";
import { shortHash } from "#shared/domain/hash";
import { allows, type Principal } from "#shared/domain/token";
import type { AuditEvent, TrackedFinding } from "#shared/domain/tracked-finding";
import { getApp, listApps } from "#shared/store/app-store";
import { findingHistory } from "#shared/store/audit-store";
import { getFinding as getFindingItem, parseFinding } from "#shared/store/finding-store";
import { type KeyQuery, queryPage } from "#shared/store/query";
import { ATTR, keys } from "#shared/store/table";
import type { TableRef } from "#shared/store/table-ref";
import { forbidden, invalid, notFound } from "./errors.ts";

/**
 * Finding queries over HTTP: the filter picks the narrowest access pattern (by CVE, by app, open
 * by team, else app by app), every other condition is applied to the items read, and the cursor
 * is bound to the query it came from (a cursor of another query or app is an error, not a silent
 * jump into someone else's partition).
 */

export interface QueryDeps {
  db: TableRef;
}

export type ApiFinding = TrackedFinding & { ref: string };

export function toApiFinding(f: TrackedFinding): ApiFinding {
  return { ...f, ref: findingRef(f.appId, f.findingId) };
}

/** Reads at most this many items per request, whatever the filter keeps. */
const READ_BUDGET = 2000;

const Cursor = z.object({
  q: z.string(),
  /** The app whose partition the key belongs to, when the query walks apps one by one. */
  a: z.string().optional(),
  k: z.record(z.string(), z.string()),
});

type Source = { query: Omit<KeyQuery, "cursor" | "limit">; app?: string };

export interface FindingPage {
  findings: ApiFinding[];
  cursor?: string;
}

function teamOf(app: App | undefined): string {
  return app?.team ?? "unowned";
}

/** The app a caller names, with the check that the caller may read it (403, or 404 if it does not exist). */
export async function readableApp(db: TableRef, principal: Principal, appId: string): Promise<App> {
  const app = await getApp(db, appId);
  if (!allows(principal, "read", { app: appId, team: teamOf(app) }))
    throw forbidden(`this token may not read app ${appId}`);
  if (!app) throw notFound(`no app ${appId}`);
  return app;
}

/** Team tokens name their team; upload tokens see their apps whatever the team, so they pass here. */
function readsTeam(principal: Principal, team: string): boolean {
  const s = principal.scope;
  return s.kind === "admin" || s.kind === "upload" || s.team === "*" || s.team === team;
}

function keyOf(item: Record<string, unknown>, index?: "gsi1" | "gsi2"): Record<string, string> {
  const names: string[] = [ATTR.pk, ATTR.sk, ...(index ? [ATTR[`${index}pk`], ATTR[`${index}sk`]] : [])];
  const out: Record<string, string> = {};
  for (const n of names) if (typeof item[n] === "string") out[n] = item[n];
  return out;
}

function decodeCursor(raw: string, fingerprint: string): z.infer<typeof Cursor> {
  let parsed: z.infer<typeof Cursor> | undefined;
  try {
    parsed = Cursor.parse(JSON.parse(Buffer.from(raw, "base64url").toString("utf8")));
  } catch {
    throw invalid("invalid cursor");
  }
  if (parsed.q !== fingerprint) throw invalid("the cursor belongs to another query");
  return parsed;
}

function encodeCursor(c: z.infer<typeof Cursor>): string {
  return Buffer.from(JSON.stringify(c)).toString("base64url");
}

export async function queryFindings(
  deps: QueryDeps,
  principal: Principal,
  filter: FindingFilter,
  page: { cursor?: string; limit?: number },
): Promise<FindingPage> {
  const limit = page.limit ?? 100;
  const fingerprint = shortHash([JSON.stringify(filter), JSON.stringify(Object.keys(filter).sort())]);
  const start = page.cursor ? decodeCursor(page.cursor, fingerprint) : undefined;

  // who may see what: a restricted token either names an app it reaches or sees only its apps
  let apps: Map<string, App> | undefined;
  const appsByTeam = async () => {
    apps ??= new Map((await listApps(deps.db)).map((a) => [a.appId, a]));
    return apps;
  };
  const unrestricted = allows(principal, "read", { portfolio: true });
  if (filter.app) await readableApp(deps.db, principal, filter.app);
  else if (filter.team && !readsTeam(principal, filter.team))
    throw forbidden(`this token may not read team ${filter.team}`);

  let sources: Source[];
  let index: "gsi1" | "gsi2" | undefined;
  if (filter.cve) {
    index = "gsi2";
    sources = [{ query: { index, pk: keys.byCveIndex(filter.cve, "", "").gsi2pk } }];
  } else if (filter.app) {
    sources = [{ query: { pk: keys.app(filter.app).pk, skPrefix: keys.findingPrefix } }];
  } else if (filter.team && filter.status?.length === 1 && filter.status[0] === "open") {
    index = "gsi1";
    sources = [{ query: { index, pk: keys.openByTeamIndex(filter.team, 0, "").gsi1pk } }];
  } else {
    const all = [...(await appsByTeam()).values()]
      .filter((a) => !filter.team || teamOf(a) === filter.team)
      .filter((a) => allows(principal, "read", { app: a.appId, team: teamOf(a) }))
      .map((a) => a.appId)
      .sort();
    sources = all.map((app) => ({ app, query: { pk: keys.app(app).pk, skPrefix: keys.findingPrefix } }));
  }

  const visible = async (f: TrackedFinding) => {
    if (unrestricted || filter.app) return true;
    const app = (await appsByTeam()).get(f.appId);
    return allows(principal, "read", { app: f.appId, team: teamOf(app) });
  };

  let s = 0;
  let key: Record<string, string> | undefined;
  if (start) {
    s = start.a ? sources.findIndex((src) => (src.app ?? "") >= (start.a ?? "")) : 0;
    if (s < 0) return { findings: [] };
    if ((!start.a || sources[s]?.app === start.a) && Object.keys(start.k).length) key = start.k;
  }
  const out: ApiFinding[] = [];
  let read = 0;
  while (s < sources.length) {
    const source = sources[s];
    if (!source) break;
    const result = await queryPage(deps.db, {
      ...source.query,
      limit: Math.min(500, limit * 2),
      cursor: key,
    });
    read += result.items.length;
    let stoppedAt: Record<string, unknown> | undefined;
    for (const item of result.items) {
      const f = parseFinding(item);
      if (matchesFilter(f, filter) && (await visible(f))) out.push(toApiFinding(f));
      if (out.length >= limit) {
        stoppedAt = item;
        break;
      }
    }
    if (stoppedAt) {
      const more = stoppedAt !== result.items.at(-1) || result.cursor !== undefined || s + 1 < sources.length;
      return {
        findings: out,
        ...(more
          ? {
              cursor: encodeCursor({
                q: fingerprint,
                ...(source.app ? { a: source.app } : {}),
                k: keyOf(stoppedAt, index),
              }),
            }
          : {}),
      };
    }
    if (result.cursor) {
      key = keyOf(result.cursor, index);
    } else {
      s++;
      key = undefined;
    }
    if (read >= READ_BUDGET && s < sources.length) {
      const next = sources[s];
      // out of budget: hand back what was found and where to go on from
      return {
        findings: out,
        cursor: encodeCursor({
          q: fingerprint,
          ...(next?.app ? { a: next.app } : {}),
          k: key ?? {},
        }),
      };
    }
  }
  return { findings: out };
}

/** One finding by reference, with its sources, score factors and history (its audit trail). */
export async function getFinding(
  deps: QueryDeps,
  principal: Principal,
  ref: { appId: string; findingId: string },
): Promise<ApiFinding & { history: AuditEvent[] }> {
  await readableApp(deps.db, principal, ref.appId);
  const found = await getFindingItem(deps.db, ref.appId, ref.findingId);
  if (!found) throw notFound(`no finding ${findingRef(ref.appId, ref.findingId)}`);
  return { ...toApiFinding(found), history: await findingHistory(deps.db, found) };
}
