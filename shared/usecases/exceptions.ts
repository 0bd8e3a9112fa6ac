import {
  activateException,
  advanceException,
  approveException,
  type Exception,
  type ExceptionRequest,
  type ExceptionSubject,
  expiringWithin,
  isExcepted,
  rejectException,
  requestException,
} from "#shared/domain/exception";
import { newSortableId } from "#shared/domain/ids";
import type { AuditEvent, TrackedFinding } from "#shared/domain/tracked-finding";
import { putAuditEvent } from "#shared/store/audit-store";
import {
  ExceptionConflictError,
  getException,
  listExceptions,
  putException,
  type StoredException,
} from "#shared/store/exception-store";
import { allFindingsOfApp, getFindings, listFindingsByCve, markException } from "#shared/store/finding-store";
import { recordPostureChangesByApp } from "#shared/store/posture-aggregate-store";
import type { TableRef } from "#shared/store/table-ref";
import { recordTicketChanges } from "#shared/store/ticket-store";

/**
 * Exceptions (DESIGN §7): requested, approved by someone else, active until they expire. While
 * active, the findings they cover carry an `exception` mark, which takes them out of actionable
 * counts, gates and tickets with the reason visible; expiry clears the mark and the SLA clock,
 * which always ran from first seen, simply shows again.
 */

export class ExceptionNotFoundError extends Error {
  override readonly name = "ExceptionNotFoundError";
}

export interface ExceptionDeps {
  db: TableRef;
  now?: () => Date;
}

function clock(deps: ExceptionDeps): Date {
  return (deps.now ?? (() => new Date()))();
}

/** The findings an exception covers, found through the access patterns its scope allows. */
async function coveredFindings(db: TableRef, stored: StoredException): Promise<TrackedFinding[]> {
  const scope = stored.exception.scope;
  switch (scope.kind) {
    case "finding":
      return stored.appId ? getFindings(db, stored.appId, [scope.findingId]) : [];
    case "findings":
      return getFindings(db, scope.appId, scope.findingIds);
    case "cve": {
      const out: TrackedFinding[] = [];
      let cursor: Record<string, unknown> | undefined;
      do {
        const page = await listFindingsByCve(db, scope.cve, 100, cursor);
        out.push(...page.findings);
        cursor = page.cursor;
      } while (cursor);
      return out;
    }
    case "rule": {
      const out: TrackedFinding[] = [];
      for await (const f of allFindingsOfApp(db, scope.appId)) if (f.rule.id === scope.ruleId) out.push(f);
      return out;
    }
  }
}

async function applyMarks(
  db: TableRef,
  stored: StoredException,
  active: boolean,
  at: Date,
  actor: string,
): Promise<number> {
  const e = stored.exception;
  const findings = await coveredFindings(db, stored);
  // markers before and after the marks: neither a crash nor a posture run in between loses a change
  await recordPostureChangesByApp(db, findings, `exception-${e.id}-${at.toISOString()}-pre`);
  for (const f of findings) {
    const event: AuditEvent = {
      at: at.toISOString(),
      actor,
      action: "excepted",
      from: active ? "actionable" : `excepted by ${e.id}`,
      to: active ? `excepted by ${e.id}` : "actionable",
      reason: active ? e.reason : `exception ${e.id} is ${e.state}`,
    };
    if (
      await markException(
        db,
        f.appId,
        f.findingId,
        active ? { id: e.id, reason: e.reason, expiresAt: e.expiresAt } : undefined,
      )
    )
      await putAuditEvent(db, { appId: f.appId, findingId: f.findingId, event });
  }
  await recordPostureChangesByApp(db, findings, `exception-${e.id}-${at.toISOString()}`);
  // the findings leave (or rejoin) their tickets
  const byApp = new Map<string, string[]>();
  for (const f of findings) byApp.set(f.appId, [...(byApp.get(f.appId) ?? []), f.findingId]);
  for (const [appId, ids] of byApp)
    await recordTicketChanges(db, appId, `exception#${e.id}#${e.state}`, ids, at.toISOString());
  return findings.length;
}

export async function requestNewException(
  deps: ExceptionDeps,
  request: Omit<ExceptionRequest, "id">,
  appId?: string,
): Promise<Exception> {
  if (request.scope.kind === "finding" && !appId)
    throw new ExceptionConflictError("a finding-scoped exception needs the finding's app");
  const exception = requestException(
    { ...request, id: `EX-${newSortableId(clock(deps).getTime()).slice(0, 16)}` },
    clock(deps),
  );
  await putException(deps.db, { exception, ...(appId ? { appId } : {}) });
  return exception;
}

/** Approve (by someone other than the requester) and, unless it starts later, activate at once. */
export async function approve(
  deps: ExceptionDeps,
  id: string,
  approver: string,
  note?: string,
): Promise<{ exception: Exception; findings: number }> {
  const stored = await getException(deps.db, id);
  if (!stored) throw new ExceptionNotFoundError(`no exception ${id}`);
  const now = clock(deps);
  let exception = approveException(stored.exception, approver, now, note);
  if (!exception.startsAt || Date.parse(exception.startsAt) <= now.getTime())
    exception = activateException(exception, now);
  const next = { ...stored, exception };
  await putException(deps.db, next, stored.exception.state);
  const findings = exception.state === "active" ? await applyMarks(deps.db, next, true, now, approver) : 0;
  return { exception, findings };
}

export async function reject(
  deps: ExceptionDeps,
  id: string,
  decider: string,
  note?: string,
): Promise<Exception> {
  const stored = await getException(deps.db, id);
  if (!stored) throw new ExceptionNotFoundError(`no exception ${id}`);
  const exception = rejectException(stored.exception, decider, clock(deps), note);
  await putException(deps.db, { ...stored, exception }, stored.exception.state);
  return exception;
}

export async function list(deps: ExceptionDeps, states?: Exception["state"][]): Promise<StoredException[]> {
  return listExceptions(deps.db, states);
}

/** The daily clock: activate what starts, expire what ended, and move the marks accordingly. */
export async function advanceExceptions(
  deps: ExceptionDeps,
): Promise<{ activated: number; expired: number }> {
  const now = clock(deps);
  let activated = 0;
  let expired = 0;
  for (const stored of await listExceptions(deps.db, ["approved", "active", "review"])) {
    const next = advanceException(stored.exception, now);
    if (next.state === stored.exception.state) continue;
    await putException(deps.db, { ...stored, exception: next }, stored.exception.state);
    if (next.state === "active") {
      activated++;
      await applyMarks(deps.db, { ...stored, exception: next }, true, now, "system");
    } else if (next.state === "expired") {
      expired++;
      await applyMarks(deps.db, { ...stored, exception: next }, false, now, "system");
    }
  }
  return { activated, expired };
}

/** Exceptions intel sent back to review: saved, and their findings become actionable again. */
export async function sendBackToReview(deps: ExceptionDeps, reviewed: readonly Exception[]): Promise<void> {
  const now = clock(deps);
  for (const exception of reviewed) {
    const stored = await getException(deps.db, exception.id);
    if (!stored) continue;
    await putException(deps.db, { ...stored, exception }, stored.exception.state);
    await applyMarks(deps.db, { ...stored, exception }, false, now, "system");
  }
}

/** For correlate: the mark a new or reopened finding gets from an exception that is already active. */
export function exceptionMarkFor(
  subject: ExceptionSubject,
  active: readonly Exception[],
  now: Date,
): TrackedFinding["exception"] {
  const hit = isExcepted(subject, active, now);
  return hit ? { id: hit.id, reason: hit.reason, expiresAt: hit.expiresAt } : undefined;
}

export async function expiringSoon(deps: ExceptionDeps, days = 14): Promise<Exception[]> {
  const all = await listExceptions(deps.db, ["approved", "active"]);
  return expiringWithin(
    all.map((s) => s.exception),
    clock(deps),
    days,
  );
}
