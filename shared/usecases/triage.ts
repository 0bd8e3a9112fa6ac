import { z } from "zod";
import { findingRef } from "#shared/domain/finding-query";
import { allows, type Principal } from "#shared/domain/token";
import { type AuditEvent, CLOSING_TRIAGE, type TrackedFinding } from "#shared/domain/tracked-finding";
import { getApp } from "#shared/store/app-store";
import { putAuditEvent } from "#shared/store/audit-store";
import { applyTriage, getFinding } from "#shared/store/finding-store";
import { recordPostureChanges } from "#shared/store/posture-aggregate-store";
import type { TableRef } from "#shared/store/table-ref";
import { forbidden, invalid, notFound, UseCaseError } from "./errors.ts";
import { type ApiFinding, getFinding as findingDetail } from "./query-findings.ts";

/**
 * A person's triage of a finding: false positive or mitigated (closed until the scanners show other
 * content), reopen what a person closed, or an owner override. Who, why and when go to the
 * finding's audit trail; the actor is the token's subject, never a name in the request.
 */

export const TriageRequest = z
  .strictObject({
    status: z.enum(["false_positive", "mitigated", "open"]).optional(),
    owner: z.string().trim().min(1).max(100).optional().describe("team that owns the finding from now on"),
    reason: z.string().trim().min(1).max(2000),
  })
  .refine((r) => r.status !== undefined || r.owner !== undefined, {
    message: "say what changes: status, owner or both",
  });
export type TriageRequest = z.infer<typeof TriageRequest>;

export interface TriageDeps {
  db: TableRef;
  now?: () => Date;
}

function closedByPerson(f: TrackedFinding): boolean {
  return (CLOSING_TRIAGE as readonly string[]).includes(f.triage?.status ?? "");
}

function decide(f: TrackedFinding, request: TriageRequest, by: string, at: string) {
  const events: AuditEvent[] = [];
  let status: "open" | "resolved" | undefined;
  let triage = f.triage;
  if (request.status === "open") {
    if (!closedByPerson(f))
      throw invalid(
        `${findingRef(f.appId, f.findingId)} was not closed by a person; scans decide whether it is open`,
      );
    status = "open";
    triage = { status: "confirmed", note: request.reason, by, at };
    events.push({
      at,
      actor: by,
      action: "triaged",
      from: f.triage?.status,
      to: "open",
      reason: request.reason,
    });
  } else if (request.status) {
    status = f.status === "open" ? "resolved" : undefined;
    triage = { status: request.status, contentHash: f.contentHash, note: request.reason, by, at };
    events.push({
      at,
      actor: by,
      action: "triaged",
      from: f.triage?.status ?? f.status,
      to: request.status,
      reason: request.reason,
    });
  }
  if (request.owner && request.owner !== f.team) {
    events.push({
      at,
      actor: by,
      action: "owner-changed",
      from: f.team,
      to: request.owner,
      reason: request.reason,
    });
  }
  return { status, triage, events };
}

export async function triageFinding(
  deps: TriageDeps,
  principal: Principal,
  ref: { appId: string; findingId: string },
  request: TriageRequest,
): Promise<ApiFinding> {
  const app = await getApp(deps.db, ref.appId);
  if (!allows(principal, "triage", { app: ref.appId, team: app?.team ?? "unowned" }))
    throw forbidden(`this token may not triage findings of app ${ref.appId}`);
  for (let attempt = 0; attempt < 3; attempt++) {
    const finding = await getFinding(deps.db, ref.appId, ref.findingId);
    if (!finding) throw notFound(`no finding ${findingRef(ref.appId, ref.findingId)}`);
    const at = (deps.now ?? (() => new Date()))().toISOString();
    const decision = decide(finding, request, principal.subject, at);
    if (!decision.events.length) return findingDetail(deps, principal, ref);
    // posture counts the finding as it was until its job sees a marker: one before the write (a
    // crash after it is still counted) and one after
    const tag = `triage-${ref.findingId}-${at}`;
    await recordPostureChanges(deps.db, ref.appId, [ref.findingId], `${tag}-pre`);
    const written = await applyTriage(deps.db, finding, {
      ...(decision.triage ? { triage: decision.triage } : {}),
      ...(decision.status ? { status: decision.status } : {}),
      ...(request.owner && request.owner !== finding.team ? { owner: request.owner } : {}),
      at,
    });
    if (written) {
      for (const event of decision.events)
        await putAuditEvent(deps.db, { appId: ref.appId, findingId: ref.findingId, event });
      await recordPostureChanges(deps.db, ref.appId, [ref.findingId], tag);
      return findingDetail(deps, principal, ref);
    }
    // a scan changed the finding between the read and the write: decide again on what it is now
  }
  throw new UseCaseError("conflict", `${findingRef(ref.appId, ref.findingId)} keeps changing; try again`);
}
