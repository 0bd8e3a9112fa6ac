import type { TicketRoute } from "#shared/domain/routing";
import { isActionable, type TicketGroup } from "#shared/domain/ticket-group";
import type { TrackedFinding } from "#shared/domain/tracked-finding";
import { type AdfDoc, adf } from "./adf.ts";

/** The port ticket-sync talks to: Jira when configured, the file outbox otherwise. */
export interface TicketTracker {
  /** The ticket carrying this label, if one exists (the idempotency check before create). */
  findByLabel(label: string): Promise<{ key: string; done: boolean } | undefined>;
  create(issue: TicketIssue): Promise<string>;
  update(key: string, issue: TicketIssue): Promise<void>;
  setDone(key: string, done: boolean): Promise<void>;
  comment(key: string, body: AdfDoc): Promise<void>;
  /** The account id of the user with this email (Jira user search), for routing rules that name an email. */
  findUserAccountId?(email: string): Promise<string | undefined>;
}

export interface TicketIssue {
  project: string;
  summary: string;
  description: AdfDoc;
  labels: string[];
  priority: string;
  dueDate?: string;
  components?: string[];
  assigneeAccountId?: string;
}

export function groupLabel(groupId: string): string {
  return `aspm-${groupId}`;
}

const JIRA_PRIORITY: Record<string, string> = { P1: "Highest", P2: "High", P3: "Medium", P4: "Low" };

/** What a developer needs in the ticket: the one action, why it matters (score factors), what it closes. */
export function ticketIssue(
  group: TicketGroup,
  members: readonly TrackedFinding[],
  route: TicketRoute | string,
): TicketIssue {
  const r = typeof route === "string" ? { project: route, labels: [] } : route;
  const open = members.filter((m) => isActionable(m));
  const top = [...open].sort((a, b) => (b.score?.risk ?? 0) - (a.score?.risk ?? 0))[0];
  const factors = top?.score?.factors ?? [];
  return {
    project: r.project,
    summary: `[${group.priority}] ${group.title}`.slice(0, 254),
    labels: [...new Set([groupLabel(group.groupId), "aspm", `aspm-app-${group.appId}`, ...r.labels])],
    ...(r.component ? { components: [r.component] } : {}),
    ...(r.assigneeAccountId ? { assigneeAccountId: r.assigneeAccountId } : {}),
    priority: JIRA_PRIORITY[group.priority] ?? "Medium",
    ...(group.dueAt ? { dueDate: group.dueAt.slice(0, 10) } : {}),
    description: adf.doc(
      adf.paragraph(adf.strong("Action: "), group.action),
      adf.paragraph(
        `App ${group.appId} · priority ${group.priority} · severity ${group.severity}${group.dueAt ? ` · due ${group.dueAt.slice(0, 10)}` : ""}`,
      ),
      ...(factors.length
        ? [
            adf.heading(3, "Why it matters"),
            adf.bullets(
              factors.map((f) => [`${f.name}: ${f.value} (${f.effect >= 0 ? "+" : ""}${f.effect})`]),
            ),
          ]
        : []),
      adf.heading(3, `Closes ${open.length} finding${open.length === 1 ? "" : "s"}`),
      adf.bullets(
        open
          .slice(0, 50)
          .map((m) => [
            adf.code(m.vulnerability?.id ?? m.rule.id),
            ` ${m.title}`,
            m.location.file
              ? ` — ${m.location.file}${m.location.startLine ? `:${m.location.startLine}` : ""}`
              : "",
            m.package ? ` — ${m.package.name}@${m.package.version ?? "?"}` : "",
          ]),
      ),
      ...(open.length > 50 ? [adf.paragraph(`…and ${open.length - 50} more.`)] : []),
      adf.paragraph(
        "This ticket is managed by ASPM: it closes itself when the fix ships and reopens on regression.",
      ),
    ),
  };
}
