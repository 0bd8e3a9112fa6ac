import { z } from "zod";
import { ESCALATING_REASONS, type IntelChange } from "./intel.ts";
import { canonicalVulnId } from "./vulnerability-id.ts";

/**
 * Risk exceptions ("accept this risk until …"): a request with a reason and an expiry, approved by
 * someone other than the requester. Only an `active`, unexpired exception takes a finding out of
 * actionable counts, gates and tickets. Expiry puts the finding back as it was: its SLA clock never
 * stopped (it runs from first seen), so nothing restarts. New intel that makes the CVE more
 * dangerous (KEV listing, EPSS band jump) sends the exception back to `review`.
 *
 *   requested ─approve→ approved ─activate→ active ─expire/revoke→ expired
 *       └─reject→ rejected     active/approved ─intel→ review ─approve→ approved | ─reject→ rejected
 */

export const EXCEPTION_STATES = ["requested", "approved", "rejected", "active", "expired", "review"] as const;
export const ExceptionState = z.enum(EXCEPTION_STATES);
export type ExceptionState = z.infer<typeof ExceptionState>;

const isoTime = z.iso.datetime({ offset: true });
const actor = z.string().trim().min(1).max(200);

export const ExceptionScope = z.discriminatedUnion("kind", [
  /** One correlated finding. */
  z.object({ kind: z.literal("finding"), findingId: z.string().min(1).max(200) }),
  /** A CVE in every app (e.g. "not exploitable in our builds"). */
  z.object({
    kind: z.literal("cve"),
    cve: z
      .string()
      .regex(/^CVE-\d{4}-\d{4,}$/i)
      .transform((id) => canonicalVulnId(id)),
  }),
  /** Several findings of one app: those of a ticket closed as Won't Do, accepted together. */
  z.object({
    kind: z.literal("findings"),
    appId: z.string().min(1).max(200),
    findingIds: z.array(z.string().min(1).max(200)).min(1).max(500),
    /** The ticket the request came from (e.g. a Jira key). */
    ticket: z.string().min(1).max(200).optional(),
  }),
  /** A scanner rule within one app (e.g. a SAST rule that misfires on generated code). */
  z.object({
    kind: z.literal("rule"),
    appId: z.string().min(1).max(200),
    ruleId: z.string().min(1).max(500),
  }),
]);
export type ExceptionScope = z.infer<typeof ExceptionScope>;

export const ExceptionHistoryEntry = z.object({
  at: isoTime,
  actor,
  from: ExceptionState.nullable(),
  to: ExceptionState,
  note: z.string().max(2000).optional(),
});
export type ExceptionHistoryEntry = z.infer<typeof ExceptionHistoryEntry>;

export const Exception = z
  .object({
    id: z.string().min(1).max(200),
    scope: ExceptionScope,
    reason: z.string().trim().min(1).max(2000),
    requester: actor,
    requestedAt: isoTime,
    /** Optional later start; by default an approved exception can be activated at once. */
    startsAt: isoTime.optional(),
    expiresAt: isoTime,
    state: ExceptionState,
    /** Who approved or rejected it last, and when. */
    decidedBy: actor.optional(),
    decidedAt: isoTime.optional(),
    /** Why it went back to review (the intel change). */
    reviewReason: z.string().max(2000).optional(),
    history: z.array(ExceptionHistoryEntry).max(1000),
  })
  .refine((e) => Date.parse(e.expiresAt) > Date.parse(e.requestedAt), {
    message: "expiresAt must be after requestedAt",
    path: ["expiresAt"],
  });
export type Exception = z.infer<typeof Exception>;

export class ExceptionTransitionError extends Error {
  override readonly name = "ExceptionTransitionError";
}

export type ExceptionAction = "approve" | "reject" | "activate" | "expire" | "revoke" | "review";

/** Where each action may start from; anything else is an invalid move. */
const ALLOWED_FROM: Record<ExceptionAction, readonly ExceptionState[]> = {
  approve: ["requested", "review"],
  reject: ["requested", "review"],
  activate: ["approved"],
  expire: ["approved", "active", "review"],
  revoke: ["approved", "active", "review"],
  review: ["approved", "active"],
};

const SYSTEM = "system";

export interface ExceptionRequest {
  id: string;
  scope: z.input<typeof ExceptionScope>;
  reason: string;
  requester: string;
  expiresAt: string;
  startsAt?: string;
}

/** A new exception in state `requested`. Throws on an invalid request (e.g. an expiry in the past). */
export function requestException(request: ExceptionRequest, at: Date): Exception {
  const requestedAt = at.toISOString();
  const parsed = Exception.safeParse({
    ...request,
    requestedAt,
    state: "requested",
    history: [
      { at: requestedAt, actor: request.requester, from: null, to: "requested", note: request.reason },
    ],
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ExceptionTransitionError(
      `invalid exception request ${request.id}: ${issue ? `${issue.path.join(".") || "(root)"}: ${issue.message}` : "invalid"}`,
    );
  }
  return parsed.data;
}

export function approveException(exception: Exception, approver: string, at: Date, note?: string): Exception {
  guard(exception, "approve", approver);
  if (sameActor(approver, exception.requester)) {
    throw new ExceptionTransitionError(
      `cannot approve exception ${exception.id}: the approver (${approver}) is its requester; someone else must approve`,
    );
  }
  if (at.getTime() >= Date.parse(exception.expiresAt)) {
    throw new ExceptionTransitionError(
      `cannot approve exception ${exception.id}: it expired at ${exception.expiresAt}`,
    );
  }
  const { reviewReason: _, ...rest } = exception;
  return move(
    { ...rest, decidedBy: approver.trim(), decidedAt: at.toISOString() },
    "approved",
    approver,
    at,
    note,
  );
}

/** Rejection needs no second person: a requester may withdraw their own request. */
export function rejectException(exception: Exception, decider: string, at: Date, note?: string): Exception {
  guard(exception, "reject", decider);
  return move(
    { ...exception, decidedBy: decider.trim(), decidedAt: at.toISOString() },
    "rejected",
    decider,
    at,
    note,
  );
}

export function activateException(exception: Exception, at: Date): Exception {
  guard(exception, "activate");
  if (exception.startsAt && at.getTime() < Date.parse(exception.startsAt)) {
    throw new ExceptionTransitionError(
      `cannot activate exception ${exception.id}: it starts at ${exception.startsAt}`,
    );
  }
  if (at.getTime() >= Date.parse(exception.expiresAt)) {
    throw new ExceptionTransitionError(
      `cannot activate exception ${exception.id}: it expired at ${exception.expiresAt}`,
    );
  }
  return move(exception, "active", SYSTEM, at);
}

/** Expiry by the clock; `revokeException` ends one early. */
export function expireException(exception: Exception, at: Date): Exception {
  guard(exception, "expire");
  if (at.getTime() < Date.parse(exception.expiresAt)) {
    throw new ExceptionTransitionError(
      `cannot expire exception ${exception.id} before ${exception.expiresAt}; revoke it to end it early`,
    );
  }
  return move(exception, "expired", SYSTEM, at);
}

/** Ends an exception before its expiry (the risk was fixed, or accepted in error). */
export function revokeException(exception: Exception, by: string, at: Date, note: string): Exception {
  guard(exception, "revoke", by);
  if (!note.trim())
    throw new ExceptionTransitionError(`cannot revoke exception ${exception.id} without a note`);
  return move(exception, "expired", by, at, note);
}

/** Sends an exception back to review: the finding is actionable again until someone re-approves. */
export function reviewException(exception: Exception, at: Date, reason: string): Exception {
  guard(exception, "review");
  return move({ ...exception, reviewReason: reason }, "review", SYSTEM, at, reason);
}

/**
 * Applies the clock: approved exceptions whose start has come become active, and anything past its
 * expiry expires. Returns the exception unchanged when there is nothing to do.
 */
export function advanceException(exception: Exception, now: Date): Exception {
  const t = now.getTime();
  if (ALLOWED_FROM.expire.includes(exception.state) && t >= Date.parse(exception.expiresAt)) {
    return expireException(exception, now);
  }
  if (exception.state === "approved" && (!exception.startsAt || t >= Date.parse(exception.startsAt))) {
    return activateException(exception, now);
  }
  return exception;
}

/** What an exception can match on a finding. */
export interface ExceptionSubject {
  findingId: string;
  appId: string;
  ruleId?: string;
  /** CVE ids and aliases of the finding. */
  vulnerabilityIds: readonly string[];
}

const SPECIFICITY: Record<ExceptionScope["kind"], number> = { finding: 0, findings: 0, rule: 1, cve: 2 };

/**
 * The active exception that covers the finding now, or undefined. An `active` exception whose
 * expiry has passed no longer counts, even before the clock job marks it expired. The most specific
 * scope wins (finding, then rule, then CVE), then the latest expiry.
 */
export function isExcepted(
  subject: ExceptionSubject,
  exceptions: readonly Exception[],
  now: Date,
): Exception | undefined {
  const t = now.getTime();
  const cves = new Set(subject.vulnerabilityIds.map(canonicalVulnId));
  const matches = exceptions.filter(
    (e) =>
      e.state === "active" &&
      t < Date.parse(e.expiresAt) &&
      (!e.startsAt || t >= Date.parse(e.startsAt)) &&
      covers(e.scope, subject, cves),
  );
  matches.sort(
    (a, b) =>
      SPECIFICITY[a.scope.kind] - SPECIFICITY[b.scope.kind] ||
      Date.parse(b.expiresAt) - Date.parse(a.expiresAt),
  );
  return matches[0];
}

function covers(scope: ExceptionScope, subject: ExceptionSubject, cves: ReadonlySet<string>): boolean {
  switch (scope.kind) {
    case "finding":
      return scope.findingId === subject.findingId;
    case "findings":
      return scope.appId === subject.appId && scope.findingIds.includes(subject.findingId);
    case "rule":
      return scope.appId === subject.appId && scope.ruleId === subject.ruleId;
    case "cve":
      return cves.has(scope.cve);
  }
}

/** Approved or active exceptions that expire within `days` of now, soonest first (for digests). */
export function expiringWithin(exceptions: readonly Exception[], now: Date, days = 14): Exception[] {
  const from = now.getTime();
  const until = from + days * 86_400_000;
  return exceptions
    .filter(
      (e) =>
        (e.state === "active" || e.state === "approved") && inWindow(Date.parse(e.expiresAt), from, until),
    )
    .sort((a, b) => Date.parse(a.expiresAt) - Date.parse(b.expiresAt));
}

function inWindow(t: number, from: number, until: number): boolean {
  return t > from && t <= until;
}

/**
 * Sends back to review every approved or active exception whose CVEs got more dangerous (a KEV
 * listing, an EPSS band jump or crossing the poc threshold). CVE-scoped exceptions match by their
 * CVE; for finding- and rule-scoped ones the caller says which CVEs they cover (`cvesOf`, e.g. from
 * the finding index). Returns only the exceptions that changed.
 */
export function reviewOnIntel(
  exceptions: readonly Exception[],
  changes: readonly IntelChange[],
  at: Date,
  cvesOf: (exception: Exception) => readonly string[] = () => [],
): Exception[] {
  const escalated = new Map<string, IntelChange>();
  for (const change of changes) if (change.escalation) escalated.set(change.cve, change);
  if (escalated.size === 0) return [];
  const out: Exception[] = [];
  for (const exception of exceptions) {
    if (!ALLOWED_FROM.review.includes(exception.state)) continue;
    const cves =
      exception.scope.kind === "cve" ? [exception.scope.cve] : cvesOf(exception).map(canonicalVulnId);
    const hit = cves.map((cve) => escalated.get(cve)).find((change) => change !== undefined);
    if (!hit) continue;
    const why = hit.reasons.filter((r) => ESCALATING_REASONS.has(r)).join(", ");
    out.push(reviewException(exception, at, `${hit.cve}: ${why}`));
  }
  return out;
}

function guard(exception: Exception, action: ExceptionAction, by?: string): void {
  if (by !== undefined && !actor.safeParse(by).success) {
    throw new ExceptionTransitionError(`cannot ${action} exception ${exception.id}: a person must be named`);
  }
  const allowed = ALLOWED_FROM[action];
  if (!allowed.includes(exception.state)) {
    throw new ExceptionTransitionError(
      `cannot ${action} exception ${exception.id}: it is ${exception.state}; ${action} is allowed only from ${allowed.join(" or ")}`,
    );
  }
}

function move(exception: Exception, to: ExceptionState, by: string, at: Date, note?: string): Exception {
  const entry: ExceptionHistoryEntry = {
    at: at.toISOString(),
    actor: by.trim() || SYSTEM,
    from: exception.state,
    to,
    ...(note ? { note } : {}),
  };
  return { ...exception, state: to, history: [...exception.history, entry] };
}

function sameActor(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}
