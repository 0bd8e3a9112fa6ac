import { z } from "zod";
import { EXCEPTION_STATES, type Exception, ExceptionState } from "#shared/domain/exception";
import { FindingRef } from "#shared/domain/finding-query";
import { allows, type Principal, type Resource } from "#shared/domain/token";
import { getApp } from "#shared/store/app-store";
import { getException, type StoredException } from "#shared/store/exception-store";
import { getFinding } from "#shared/store/finding-store";
import type { TableRef } from "#shared/store/table-ref";
import { forbidden, invalid, notFound } from "./errors.ts";
import { approve, type ExceptionDeps, list, reject, requestNewException } from "./exceptions.ts";

/**
 * Exceptions as the API offers them: the subject is validated (a finding must exist), the caller
 * must be allowed to triage what the exception covers, and the requester or decider is the token's
 * subject, so "approved by someone else" means another token holder.
 */

const CVE = z
  .string()
  .transform((s) => s.toUpperCase())
  .pipe(z.string().regex(/^CVE-\d{4}-\d{4,}$/, "a CVE id like CVE-2021-44228"));

export const ExceptionRequestBody = z
  .strictObject({
    scope: z.discriminatedUnion("kind", [
      z.strictObject({ kind: z.literal("finding"), finding: FindingRef }),
      z.strictObject({ kind: z.literal("cve"), cve: CVE }),
      z.strictObject({
        kind: z.literal("rule"),
        app: z.string().min(1).max(100),
        rule: z.string().min(1).max(500),
      }),
    ]),
    reason: z.string().trim().min(1).max(2000),
    expiresAt: z.iso.datetime({ offset: true }).optional(),
    days: z.number().int().min(1).max(3650).optional(),
  })
  .refine((b) => !(b.expiresAt && b.days), { message: "give expiresAt or days, not both" });
export type ExceptionRequestBody = z.infer<typeof ExceptionRequestBody>;

export const DecisionBody = z.strictObject({ note: z.string().trim().min(1).max(2000).optional() });

export const ExceptionStatesQuery = z.strictObject({
  state: z
    .string()
    .transform((raw) =>
      raw
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .pipe(z.array(ExceptionState).min(1))
    .optional(),
});

export type ApiException = Exception & { appId?: string };

function clock(deps: ExceptionDeps): Date {
  return (deps.now ?? (() => new Date()))();
}

async function appResource(db: TableRef, appId: string): Promise<Resource> {
  const app = await getApp(db, appId);
  return { app: appId, team: app?.team ?? "unowned" };
}

/** What an exception covers, as an authorization resource: its app, or the portfolio for a CVE. */
async function resourceOf(db: TableRef, stored: StoredException): Promise<Resource> {
  const scope = stored.exception.scope;
  if (scope.kind === "rule") return appResource(db, scope.appId);
  if (scope.kind === "finding" && stored.appId) return appResource(db, stored.appId);
  return { portfolio: true };
}

function toApi(stored: StoredException): ApiException {
  return { ...stored.exception, ...(stored.appId ? { appId: stored.appId } : {}) };
}

export async function requestException(
  deps: ExceptionDeps,
  principal: Principal,
  body: ExceptionRequestBody,
): Promise<ApiException> {
  const now = clock(deps);
  const expiresAt = body.expiresAt
    ? new Date(body.expiresAt).toISOString()
    : new Date(now.getTime() + (body.days ?? 30) * 86_400_000).toISOString();
  const s = body.scope;
  if (s.kind === "finding") {
    const resource = await appResource(deps.db, s.finding.appId);
    if (!allows(principal, "triage", resource))
      throw forbidden(`this token may not request exceptions for app ${s.finding.appId}`);
    if (!(await getFinding(deps.db, s.finding.appId, s.finding.findingId)))
      throw notFound(`no finding ${s.finding.appId}:${s.finding.findingId}`);
    const e = await requestNewException(
      deps,
      {
        scope: { kind: "finding", findingId: s.finding.findingId },
        reason: body.reason,
        requester: principal.subject,
        expiresAt,
      },
      s.finding.appId,
    );
    return { ...e, appId: s.finding.appId };
  }
  if (s.kind === "rule") {
    const app = await getApp(deps.db, s.app);
    if (!allows(principal, "triage", { app: s.app, team: app?.team ?? "unowned" }))
      throw forbidden(`this token may not request exceptions for app ${s.app}`);
    if (!app) throw notFound(`no app ${s.app}`);
    return requestNewException(deps, {
      scope: { kind: "rule", appId: s.app, ruleId: s.rule },
      reason: body.reason,
      requester: principal.subject,
      expiresAt,
    });
  }
  if (!allows(principal, "triage", { portfolio: true }))
    throw forbidden("a CVE exception covers every app: it needs a token for all teams");
  return requestNewException(deps, {
    scope: { kind: "cve", cve: s.cve },
    reason: body.reason,
    requester: principal.subject,
    expiresAt,
  });
}

async function decidable(deps: ExceptionDeps, principal: Principal, id: string): Promise<StoredException> {
  const stored = await getException(deps.db, id);
  if (!stored) throw notFound(`no exception ${id}`);
  if (!allows(principal, "triage", await resourceOf(deps.db, stored)))
    throw forbidden(`this token may not decide exception ${id}`);
  return stored;
}

export async function getVisibleException(
  deps: ExceptionDeps,
  principal: Principal,
  id: string,
): Promise<ApiException> {
  const stored = await getException(deps.db, id);
  if (!stored) throw notFound(`no exception ${id}`);
  if (!allows(principal, "read", await resourceOf(deps.db, stored)))
    throw forbidden(`this token may not read exception ${id}`);
  return toApi(stored);
}

export async function approveException(
  deps: ExceptionDeps,
  principal: Principal,
  id: string,
  note?: string,
): Promise<{ exception: ApiException; findings: number }> {
  const stored = await decidable(deps, principal, id);
  const { exception, findings } = await approve(deps, id, principal.subject, note);
  return { exception: { ...exception, ...(stored.appId ? { appId: stored.appId } : {}) }, findings };
}

export async function rejectException(
  deps: ExceptionDeps,
  principal: Principal,
  id: string,
  note?: string,
): Promise<ApiException> {
  const stored = await decidable(deps, principal, id);
  const exception = await reject(deps, id, principal.subject, note);
  return { ...exception, ...(stored.appId ? { appId: stored.appId } : {}) };
}

export async function listVisibleExceptions(
  deps: ExceptionDeps,
  principal: Principal,
  states?: Exception["state"][],
): Promise<ApiException[]> {
  for (const s of states ?? []) if (!EXCEPTION_STATES.includes(s)) throw invalid(`unknown state ${s}`);
  const out: ApiException[] = [];
  const resources = new Map<string, Resource>();
  for (const stored of await list(deps, states)) {
    const key = JSON.stringify(stored.exception.scope) + (stored.appId ?? "");
    const resource = resources.get(key) ?? (await resourceOf(deps.db, stored));
    resources.set(key, resource);
    if (allows(principal, "read", resource)) out.push(toApi(stored));
  }
  return out;
}
