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
 * SAST/IaC: (app, rule, file); secrets: one per secret; DAST: (app, rule), listing its endpoints
 * (one ticket per rule: the fix is usually one header, filter or setting, not one per URL).
 * Titles name the rule by its short name (`ruleShortName`), never a scanner's whole message.
 */

/**
 * Bumped when group keys change (2: DAST groups per rule instead of per rule and endpoint family):
 * ticket sync then regroups every app once, closing the tickets of groups that no longer exist.
 */
export const GROUPING_VERSION = 2;

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

/** Rule names longer than this are sentences (a scanner's message), not names. */
const SHORT_NAME_MAX = 80;
/** Words kept in capitals when a rule id is turned into a name (`aws-access-token` → `AWS access token`). */
const ACRONYMS = new Set(
  "api aws gcp jwt ssh pgp pem rsa dsa ec npm pypi url uri sql xss csrf ssrf xxe ldap jdbc oauth id ip tls ssl http https cors csp hsts dns s3 iam kms ec2 rds github gitlab".split(
    " ",
  ),
);
const GITHUB_LIKE: Record<string, string> = { github: "GitHub", gitlab: "GitLab", oauth: "OAuth" };

/** Trailing sentence punctuation and spaces: `…user-input.` → `…user-input`. */
function trimEnd(text: string): string {
  return text.replace(/[\s.,;:!?…]+$/u, "");
}

function isShortName(text: string | undefined): boolean {
  if (!text) return false;
  const t = trimEnd(text.trim());
  return t.length > 0 && t.length <= SHORT_NAME_MAX && !/[.!?;,]\s/.test(t) && t.split(/\s+/).length <= 10;
}

/** `generic-api-key` → `Generic API key`; `a.b.express-xss` → `Express XSS`; `CKV_AWS_20` stays. */
function nameFromId(id: string): string {
  const last =
    id
      .split(/[./\\]/)
      .filter(Boolean)
      .pop() ?? id;
  // an id that is all capitals and digits is a code (CKV_AWS_20, B105): keep it as it is
  if (/^[A-Z0-9_-]+$/.test(last) && /\d/.test(last)) return last;
  const words = last.split(/[-_\s]+/).filter(Boolean);
  if (!words.length) return id;
  return words
    .map((w, i) => {
      const lower = w.toLowerCase();
      if (GITHUB_LIKE[lower]) return GITHUB_LIKE[lower];
      if (ACRONYMS.has(lower)) return lower.toUpperCase();
      // a word that already mixes cases is a name (TruffleHog's `Github`, `AWS`): keep it
      if (w !== lower) return w;
      return i === 0 ? lower[0]?.toUpperCase() + lower.slice(1) : lower;
    })
    .join(" ");
}

/**
 * The name a ticket title gives a rule, at most 80 characters: the rule's own name when it is a
 * name, else one made from its id (the last segment of a dotted Semgrep id), else the finding's
 * title when that is short. Never a scanner's whole message (gitleaks' `Description` is a sentence),
 * and never with trailing punctuation.
 */
export function ruleShortName(f: Pick<TrackedFinding, "rule" | "title">): string {
  const name = f.rule.name;
  if (name && isShortName(name)) return trimEnd(name.trim());
  const fromId = nameFromId(f.rule.id);
  // a code (`40012`, `CKV_AWS_20`) says less than a short title; a word-like id says more than a sentence
  const isCode = /^[A-Z0-9_-]*\d[A-Z0-9_-]*$/.test(fromId);
  if (
    !isCode &&
    fromId.length <= SHORT_NAME_MAX &&
    (name || /[-_./]/.test(f.rule.id) || !isShortName(f.title))
  )
    return fromId;
  if (isShortName(f.title)) return trimEnd(f.title.trim());
  if (!f.title.trim()) return fromId;
  const clipped = trimEnd(f.title.slice(0, SHORT_NAME_MAX - 1).replace(/\s+\S*$/, ""));
  return `${clipped}…`;
}

/** Where a group's code findings are: `a.env:12`, or `a.env:12 and 2 other places`. */
function placesOf(members: readonly TrackedFinding[]): string {
  const places = [
    ...new Set(
      members.map((m) =>
        m.location.file
          ? `${m.location.file}${m.location.startLine ? `:${m.location.startLine}` : ""}`
          : (m.location.resource ?? m.location.image ?? "the repository"),
      ),
    ),
  ];
  const first = places[0] ?? "the repository";
  return places.length > 1
    ? `${first} and ${places.length - 1} other place${places.length === 2 ? "" : "s"}`
    : first;
}

/** A URL as a ticket shows it: host and path, without the query (its values vary per request). */
function shownUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return normalizeEndpoint(url);
  }
}

/** The distinct endpoints of DAST findings (method and normalized URL), sorted. */
export function endpointsOf(members: readonly TrackedFinding[]): string[] {
  const out = new Set<string>();
  for (const m of members)
    if (m.location.url)
      out.add(`${m.location.method ? `${m.location.method.toUpperCase()} ` : ""}${shownUrl(m.location.url)}`);
  return [...out].sort();
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
    case "dast":
      return { key: `dast|${f.rule.id}`, kind: "endpoint" };
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
      // (TruffleHog's titles are `AWS secret`: the word is not said twice)
      title = `Rotate and remove the ${ruleShortName(first).replace(/\s+secret$/i, "")} secret in ${placesOf(shown)}`;
      action = `Revoke the secret (${first.secret?.preview ?? "redacted"}), then remove it from ${first.location.file ?? "the code"} and its history`;
    } else if (bucket.kind === "endpoint") {
      const endpoints = endpointsOf(shown);
      const only = endpoints.length === 1 ? endpoints[0] : undefined;
      title = `${ruleShortName(first)} on ${only ?? `${endpoints.length || shown.length} endpoints`}`;
      action = `Fix ${ruleShortName(first)} on ${only ?? `${endpoints.length || shown.length} endpoints: ${endpoints.slice(0, 5).join(", ")}${endpoints.length > 5 ? ", …" : ""}`}`;
    } else {
      title = `${ruleShortName(first)} in ${first.location.file ?? first.location.resource ?? "the code"}`;
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
