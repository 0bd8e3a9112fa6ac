import { normalizeEndpoint, packageKey } from "./correlation-key.ts";
import type { Severity } from "./finding.ts";
import { shortHash } from "./hash.ts";
import type { Priority } from "./risk-policy.ts";
import { type TicketRoute, UNOWNED } from "./routing.ts";
import { severityRank } from "./severity.ts";
import type { TrackedFinding } from "./tracked-finding.ts";
import { compareVersions, highestVersion, lowestVersion } from "./version.ts";

/**
 * Ticket groups (DESIGN §8): the unit of remediation, one ticket per fix, not per CVE.
 * SCA: (app, package), whose action is the smallest version that fixes every member — "upgrade X to Y
 * closes N" (the version is the action, not the identity: a new advisory moves the target of the
 * same ticket);
 * SAST/IaC: (app, rule, file); secrets: one per secret; DAST: (app, rule, endpoint family).
 */

export interface TicketGroup {
  groupId: string;
  appId: string;
  kind: "upgrade" | "code" | "config" | "secret" | "endpoint";
  title: string;
  /** The exact action: the upgrade, or the location to change. */
  action: string;
  members: string[];
  severity: Severity;
  priority: Priority;
  dueAt?: string;
  /** open while any member is open and actionable; done when all are resolved. */
  status: "open" | "done";
  /** Hash of everything a ticket shows: a change means the ticket needs an update. */
  contentHash: string;
  /** The team that owns most of the open members (ties: the riskiest member's owner). */
  owner: string;
  /** Where the ticket goes, when routing rules were given (shared/domain/routing.ts). */
  route?: TicketRoute;
}

/** The owner of a group: the owner of most members, ties broken by the riskiest member, then by name. */
function groupOwner(members: readonly TrackedFinding[]): string {
  const tally = new Map<string, { count: number; risk: number }>();
  for (const m of members) {
    const t = tally.get(m.team) ?? { count: 0, risk: 0 };
    t.count++;
    t.risk = Math.max(t.risk, m.score?.risk ?? 0);
    tally.set(m.team, t);
  }
  return (
    [...tally].sort(([a, x], [b, y]) => y.count - x.count || y.risk - x.risk || (a < b ? -1 : 1))[0]?.[0] ??
    UNOWNED
  );
}

const PRIORITY_ORDER: Priority[] = ["P1", "P2", "P3", "P4"];

function groupKeyOf(f: TrackedFinding): { key: string; kind: TicketGroup["kind"] } {
  switch (f.category) {
    case "sca":
    case "container": {
      // the fix version joins the key later, once every member of the package is known
      const pkg = packageKey(f) ?? f.package?.name ?? f.rule.id;
      return { key: `pkg|${pkg}`, kind: "upgrade" };
    }
    case "secret":
      return { key: `secret|${f.secret?.hash ?? f.findingId}`, kind: "secret" };
    case "dast": {
      const endpoint = f.location.url
        ? normalizeEndpoint(f.location.url).split("/").slice(0, 3).join("/")
        : "";
      return { key: `dast|${f.rule.id}|${endpoint}`, kind: "endpoint" };
    }
    case "iac":
      return { key: `iac|${f.rule.id}|${f.location.file ?? f.location.resource ?? ""}`, kind: "config" };
    case "sast":
      return { key: `sast|${f.rule.id}|${f.location.file ?? ""}`, kind: "code" };
  }
}

/** The ticket group a finding belongs to (what `groupFindings` would put it in), from the finding alone. */
export function ticketGroupIdOf(appId: string, f: TrackedFinding): string {
  return shortHash([appId, groupKeyOf(f).key]);
}

/** An open finding that tickets should carry: not excepted, not marked false positive, not suppressed by VEX. */
export function isActionable(f: TrackedFinding, now: Date = new Date()): boolean {
  if (f.status !== "open") return false;
  // an exception past its expiry no longer hides the finding, even before the clock job clears it
  if (f.exception && Date.parse(f.exception.expiresAt) > now.getTime()) return false;
  if (
    f.triage?.status === "false_positive" ||
    f.triage?.status === "accepted_risk" ||
    f.triage?.status === "wont_fix"
  )
    return false;
  if (f.score?.suppressed) return false;
  return true;
}

function priorityOf(f: TrackedFinding): Priority {
  if (f.score) return f.score.priority;
  const rank = severityRank(f.severity);
  return rank >= 4 ? "P1" : rank === 3 ? "P2" : rank === 2 ? "P3" : "P4";
}

/**
 * Groups an app's findings (open and resolved: a group whose members all resolved must reach
 * `done`) into ticket groups. Pure and deterministic: the same findings, in any order, give the
 * same groups.
 */
export function groupFindings(
  appId: string,
  findings: readonly TrackedFinding[],
  routeOf?: (owner: string) => TicketRoute,
): TicketGroup[] {
  const buckets = new Map<string, { kind: TicketGroup["kind"]; members: TrackedFinding[] }>();
  // in id order: the groups (and the member whose words name them) must not depend on the order
  // the findings were read in, or a ticket would be "updated" by a mere re-read
  const ordered = [...findings].sort((a, b) =>
    a.findingId < b.findingId ? -1 : a.findingId > b.findingId ? 1 : 0,
  );
  for (const f of ordered) {
    const { key, kind } = groupKeyOf(f);
    const bucket = buckets.get(key) ?? { kind, members: [] };
    bucket.members.push(f);
    buckets.set(key, bucket);
  }
  const groups: TicketGroup[] = [];
  for (const [key, bucket] of buckets) {
    const open = bucket.members.filter((m) => isActionable(m));
    const shown = open.length ? open : bucket.members;
    const first = shown[0];
    if (!first) continue;
    let action: string;
    let title: string;
    const groupKey = key;
    if (bucket.kind === "upgrade") {
      // each member's earliest fix at or above what is installed (a lower "fix" is another branch's backport)
      const earliestFixes = shown
        .map((m) => {
          const installed = m.package?.version;
          const candidates = (m.package?.fixedVersions ?? []).filter(
            (v) => !installed || compareVersions(v, installed) > 0,
          );
          return lowestVersion(candidates);
        })
        .filter((v): v is string => !!v);
      const target = highestVersion(earliestFixes);
      const name = first.package?.name ?? first.rule.id;
      const unfixable = shown.length - earliestFixes.length;
      action = target
        ? `Upgrade ${name} to ${target}`
        : `No fixed version of ${name} is published yet; mitigate or replace it`;
      title = target
        ? `Upgrade ${name} to ${target} (closes ${shown.length} finding${shown.length === 1 ? "" : "s"})`
        : `${name}: ${shown.length} vulnerabilit${shown.length === 1 ? "y" : "ies"} without a fix`;
      if (unfixable && target)
        action += ` (${unfixable} finding${unfixable === 1 ? " has" : "s have"} no fix yet)`;
      // the group is the package: a new target version updates the same ticket instead of orphaning it
    } else if (bucket.kind === "secret") {
      title = `Rotate and remove the ${first.rule.name ?? first.rule.id} secret in ${first.location.file ?? "the repository"}`;
      action = `Revoke the secret (${first.secret?.preview ?? "redacted"}), then remove it from ${first.location.file ?? "the code"} and its history`;
    } else if (bucket.kind === "endpoint") {
      title = `${first.title} on ${first.location.url ? normalizeEndpoint(first.location.url) : "the application"}`;
      action = `Fix ${first.rule.name ?? first.rule.id} on ${shown.length} endpoint${shown.length === 1 ? "" : "s"}`;
    } else {
      title = `${first.rule.name ?? first.title} in ${first.location.file ?? first.location.resource ?? "the code"}`;
      action = `Fix ${shown.length} occurrence${shown.length === 1 ? "" : "s"} of ${first.rule.id} in ${first.location.file ?? first.location.resource ?? "the code"}`;
    }
    const severity = shown.reduce<Severity>(
      (s, m) => (severityRank(m.severity) > severityRank(s) ? m.severity : s),
      "info",
    );
    const priority =
      shown.map(priorityOf).sort((a, b) => PRIORITY_ORDER.indexOf(a) - PRIORITY_ORDER.indexOf(b))[0] ?? "P4";
    const dueAt = open
      .map((m) => m.score?.dueAt)
      .filter((d): d is string => !!d)
      .sort()[0];
    const members = bucket.members.map((m) => m.findingId).sort();
    const status = open.length ? "open" : "done";
    // the route is fixed by the owner at creation: Jira cannot move an issue between projects on edit,
    // so the owner stays out of the content hash
    const owner = groupOwner(shown);
    groups.push({
      // the same id ticketGroupIdOf gives each member
      groupId: shortHash([appId, groupKey]),
      appId,
      kind: bucket.kind,
      title,
      action,
      members,
      severity,
      priority,
      ...(dueAt ? { dueAt } : {}),
      status,
      contentHash: shortHash(
        [
          title,
          action,
          open
            .map((m) => m.findingId)
            .sort()
            .join(","),
          priority,
          dueAt ?? "",
          status,
        ],
        12,
      ),
      owner,
      ...(routeOf ? { route: routeOf(owner) } : {}),
    });
  }
  return groups.sort((a, b) => (a.groupId < b.groupId ? -1 : 1));
}
