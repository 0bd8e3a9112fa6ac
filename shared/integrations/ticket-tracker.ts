import { isActionable, type TicketGroup } from "#shared/domain/ticket-group";
import type { TicketRoute } from "#shared/domain/ticket-route";
import type { TrackedFinding } from "#shared/domain/tracked-finding";
import { type AdfDoc, type AdfNode, adf } from "./adf.ts";

/** What the tracker says about a ticket found by its label. */
export interface FoundTicket {
  key: string;
  /** Its status is in the done category. */
  done: boolean;
}

/** The port ticket-sync talks to: Jira when configured, the file outbox on the local stack. */
export interface TicketTracker {
  readonly kind: "jira" | "outbox";
  /**
   * Whether a stored key is one of this tracker's: an outbox key is never a Jira key (nor the
   * reverse), so a key from another tracker is re-resolved by label instead of being acted on.
   */
  owns(key: string): boolean;
  /** The ticket carrying this label, if one exists (the idempotency check before create). */
  findByLabel(label: string): Promise<FoundTicket | undefined>;
  create(issue: TicketIssue): Promise<string>;
  update(key: string, issue: TicketIssue): Promise<void>;
  setDone(key: string, done: boolean): Promise<void>;
  comment(key: string, body: AdfDoc): Promise<void>;
  /** The account id of the user with this email (Jira user search), for routing rules that name an email. */
  findUserAccountId?(email: string): Promise<string | undefined>;
}

/** The ticket no longer exists in the tracker (deleted by a person): recreate it. */
export class TicketGoneError extends Error {
  override readonly name = "TicketGoneError";
}

/**
 * A create whose outcome is unknown (timed out, 5xx, connection lost) and whose label search did
 * not find it: it may still appear, so it is not created again in this run. The next run searches
 * by label first, after Jira's search index has caught up.
 */
export class CreateUncertainError extends Error {
  override readonly name = "CreateUncertainError";
}

/** The tracker rejected our credentials: every call of the run would fail the same way. */
export class TrackerAuthError extends Error {
  override readonly name = "TrackerAuthError";
}

export interface TicketIssue {
  project: string;
  component?: string;
  assigneeAccountId?: string;
  assigneeEmail?: string;
  summary: string;
  description: AdfDoc;
  labels: string[];
  priority: string;
  dueDate?: string;
}

export function groupLabel(groupId: string): string {
  return `aspm-${groupId}`;
}

/** The group a ticket belongs to, from its labels (webhooks identify our tickets this way). */
export function groupIdFromLabels(labels: readonly string[]): string | undefined {
  for (const label of labels) {
    const match = /^aspm-([0-9a-f]{16})$/.exec(label);
    if (match?.[1]) return match[1];
  }
  return undefined;
}

export function appLabel(appId: string): string {
  return `aspm-app-${appId}`;
}

export function appIdFromLabels(labels: readonly string[]): string | undefined {
  const label = labels.find((l) => l.startsWith("aspm-app-"));
  return label ? label.slice("aspm-app-".length) : undefined;
}

/** Jira's limit on a text field (description, comment body), counted here on the ADF JSON. */
export const JIRA_TEXT_LIMIT = 32_767;
/** Headroom for what Jira adds when storing the document. */
const DESCRIPTION_BUDGET = JIRA_TEXT_LIMIT - 767;
const ITEM_TEXT_MAX = 300;

const JIRA_PRIORITY: Record<string, string> = { P1: "Highest", P2: "High", P3: "Medium", P4: "Low" };

function clip(value: string, max = ITEM_TEXT_MAX): string {
  return value.length > max ? `${value.slice(0, max - 1)}…` : value;
}

/** Jira labels cannot contain spaces. */
function asLabel(value: string): string {
  return value.trim().replace(/\s+/g, "-").slice(0, 255);
}

/**
 * Fits a document under Jira's text limit by listing fewer items: the largest count whose document
 * fits, found by bisection (the document grows with the count). `build(n)` lists the first n.
 */
export function fitToLimit(
  total: number,
  build: (listed: number) => AdfDoc,
  budget = DESCRIPTION_BUDGET,
): AdfDoc {
  const size = (doc: AdfDoc) => JSON.stringify(doc).length;
  const full = build(total);
  if (size(full) <= budget) return full;
  let lo = 0;
  let hi = total;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (size(build(mid)) <= budget) lo = mid;
    else hi = mid - 1;
  }
  return build(lo);
}

/**
 * A finding's vulnerability ids, CVEs first (the ids people search for), then the tool's own
 * (SNYK-…, GHSA-…), without repeats.
 */
export function vulnerabilityIds(m: Pick<TrackedFinding, "cve" | "vulnerability">): string[] {
  const all = [...new Set([m.cve, m.vulnerability?.id, ...(m.vulnerability?.aliases ?? [])])].filter(
    (id): id is string => !!id,
  );
  const isCve = (id: string) => /^CVE-\d{4}-\d+$/i.test(id);
  return [...all.filter(isCve), ...all.filter((id) => !isCve(id))];
}

/** At most this many findings are listed; the rest are counted. */
const LISTED_MAX = 50;

/** What a developer needs in the ticket: the one action, why it matters (score factors), what it closes. */
export function ticketIssue(
  group: TicketGroup,
  members: readonly TrackedFinding[],
  route: TicketRoute,
): TicketIssue {
  const open = members.filter((m) => isActionable(m));
  const top = [...open].sort((a, b) => (b.score?.risk ?? 0) - (a.score?.risk ?? 0))[0];
  const factors = top?.score?.factors ?? [];
  const item = (m: TrackedFinding): Array<string | AdfNode> => {
    const [id = m.rule.id, ...others] = vulnerabilityIds(m);
    return [
      adf.code(clip(id, 200)),
      others.length ? ` (${clip(others.join(", "), 200)})` : "",
      ` ${clip(m.title)}`,
      m.location.url
        ? ` — ${clip(`${m.location.method ? `${m.location.method.toUpperCase()} ` : ""}${m.location.url}${m.location.parameter ? ` (${m.location.parameter})` : ""}`)}`
        : "",
      m.location.file
        ? ` — ${clip(m.location.file)}${m.location.startLine ? `:${m.location.startLine}` : ""}`
        : "",
      m.package ? ` — ${clip(m.package.name, 200)}@${clip(m.package.version ?? "?", 100)}` : "",
    ];
  };
  const build = (listed: number) =>
    adf.doc(
      adf.paragraph(adf.strong("Action: "), clip(group.action, 2000)),
      adf.paragraph(
        `App ${group.appId} · priority ${group.priority} · severity ${group.severity}${group.dueAt ? ` · due ${group.dueAt.slice(0, 10)}` : ""}`,
      ),
      ...(factors.length
        ? [
            adf.heading(3, "Why it matters"),
            adf.bullets(
              factors
                .slice(0, 20)
                .map((f) => [clip(`${f.name}: ${f.value} (${f.effect >= 0 ? "+" : ""}${f.effect})`)]),
            ),
          ]
        : []),
      adf.heading(3, `Closes ${open.length} finding${open.length === 1 ? "" : "s"}`),
      ...(listed ? [adf.bullets(open.slice(0, listed).map(item))] : []),
      ...(open.length > listed ? [adf.paragraph(`…and ${open.length - listed} more.`)] : []),
      adf.paragraph(
        "This ticket is managed by ASPM: it closes itself when the fix ships and reopens on regression.",
      ),
    );
  return {
    project: route.project,
    ...(route.component ? { component: route.component } : {}),
    ...(route.assigneeAccountId ? { assigneeAccountId: route.assigneeAccountId } : {}),
    ...(route.assigneeEmail && !route.assigneeAccountId ? { assigneeEmail: route.assigneeEmail } : {}),
    summary: clip(`[${group.priority}] ${group.title}`, 254),
    labels: [
      ...new Set([groupLabel(group.groupId), "aspm", appLabel(group.appId), ...route.labels.map(asLabel)]),
    ].filter(Boolean),
    priority: JIRA_PRIORITY[group.priority] ?? "Medium",
    ...(group.dueAt ? { dueDate: group.dueAt.slice(0, 10) } : {}),
    description: fitToLimit(Math.min(open.length, LISTED_MAX), build),
  };
}
