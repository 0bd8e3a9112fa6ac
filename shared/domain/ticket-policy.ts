import { type Severity, Severity as SeveritySchema } from "./finding.ts";
import { severityRank } from "./severity.ts";
import { isActionable, type TicketGroup } from "./ticket-group.ts";
import type { TrackedFinding } from "./tracked-finding.ts";

/**
 * Which ticket groups get a ticket (DESIGN §8). By default a group needs an open, actionable member
 * of at least `medium` severity, or one that is KEV-listed, or a secret (a leaked credential is
 * urgent whatever a scanner graded it): info and low findings stay in ASPM (posture, digests,
 * the API) without filling Jira. Set `ASPM_TICKET_MIN_SEVERITY` (`info` tickets everything).
 */
export interface TicketPolicy {
  minSeverity: Severity;
}

export const DEFAULT_TICKET_POLICY: TicketPolicy = { minSeverity: "medium" };

/** The policy from its setting; a missing or unknown word gives the default (and says which). */
export function ticketPolicyFrom(minSeverity: string | undefined): TicketPolicy {
  if (minSeverity === undefined) return DEFAULT_TICKET_POLICY;
  const parsed = SeveritySchema.safeParse(minSeverity.trim().toLowerCase());
  if (!parsed.success)
    throw new Error(
      `ticket policy: minimum severity "${minSeverity}" is not one of critical, high, medium, low, info`,
    );
  return { minSeverity: parsed.data };
}

/** KEV-listed: the score carries the KEV factor (shared/domain/score.ts). */
function isKev(f: TrackedFinding): boolean {
  return f.score?.factors.some((x) => x.name === "KEV") ?? false;
}

/** Why the policy holds a group back from the tracker, or undefined when it gets a ticket. */
export function heldBackBy(
  policy: TicketPolicy,
  members: readonly TrackedFinding[],
  now: Date = new Date(),
): string | undefined {
  const open = members.filter((m) => isActionable(m, now));
  if (!open.length) return undefined;
  const min = severityRank(policy.minSeverity);
  if (open.some((m) => m.category === "secret" || isKev(m) || severityRank(m.severity) >= min))
    return undefined;
  return `its findings are below the ticket policy's minimum severity (${policy.minSeverity}), none is KEV-listed and none is a secret`;
}

/** A group the policy holds back: done for the tracker, its findings still tracked in ASPM. */
export function heldBack(group: TicketGroup, reason: string): TicketGroup & { heldBack: string } {
  return { ...group, status: "done", heldBack: reason, contentHash: `${group.contentHash}-held` };
}
