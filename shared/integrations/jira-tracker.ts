import { z } from "zod";
import type { AdfDoc } from "./adf.ts";
import { jiraFields } from "./outbox-tracker.ts";
import type { TicketIssue, TicketTracker } from "./ticket-tracker.ts";

export interface JiraConfig {
  baseUrl: string;
  email: string;
  apiToken: string;
  fetch?: typeof fetch;
  /** Upper bound on one Retry-After wait; longer waits fail the call and the reconciler retries later. */
  maxRetryAfterSeconds?: number;
}

const SearchResponse = z.object({
  issues: z
    .array(
      z.object({
        key: z.string(),
        fields: z
          .object({ status: z.object({ statusCategory: z.object({ key: z.string() }) }).optional() })
          .optional(),
      }),
    )
    .optional(),
});
const CreatedIssue = z.object({ key: z.string() });
const Users = z.array(
  z.object({
    accountId: z.string(),
    accountType: z.string().optional(),
    active: z.boolean().optional(),
    emailAddress: z.string().optional(),
  }),
);
const Transitions = z.object({
  transitions: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      to: z.object({ statusCategory: z.object({ key: z.string() }).optional() }).optional(),
    }),
  ),
});

export class JiraError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Jira Cloud REST v3 through fetch: JQL search by label (POST /rest/api/3/search/jql, the
 * non-deprecated search), create, edit, transitions and comments. Honours 429 Retry-After and
 * retries 5xx a few times; anything else surfaces so the reconciler keeps the group for next run.
 */
export function jiraTracker(config: JiraConfig): TicketTracker {
  const doFetch = config.fetch ?? fetch;
  const auth = `Basic ${Buffer.from(`${config.email}:${config.apiToken}`).toString("base64")}`;
  const base = config.baseUrl.replace(/\/+$/, "");

  async function call(method: string, path: string, body?: unknown): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      const response = await doFetch(`${base}${path}`, {
        method,
        headers: {
          authorization: auth,
          accept: "application/json",
          ...(body ? { "content-type": "application/json" } : {}),
        },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      if (response.ok) {
        const text = await response.text();
        return text ? JSON.parse(text) : undefined;
      }
      const retryable = response.status === 429 || response.status >= 500;
      if (!retryable || attempt >= 3) {
        throw new JiraError(
          response.status,
          `Jira ${method} ${path} answered ${response.status}: ${(await response.text()).slice(0, 300)}`,
        );
      }
      const retryAfter = Number(response.headers.get("retry-after") ?? "");
      const waitSeconds = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : 2 ** attempt;
      if (waitSeconds > (config.maxRetryAfterSeconds ?? 30)) {
        throw new JiraError(response.status, `Jira asked to wait ${waitSeconds}s; deferring to the next run`);
      }
      await new Promise((r) => setTimeout(r, waitSeconds * 1000));
    }
  }

  async function transitionTo(key: string, done: boolean): Promise<void> {
    const available = Transitions.parse(
      await call("GET", `/rest/api/3/issue/${encodeURIComponent(key)}/transitions`),
    );
    const wanted = done ? "done" : "new";
    const transition =
      available.transitions.find((t) => t.to?.statusCategory?.key === wanted) ??
      available.transitions.find((t) => (done ? /done|close|resolve/i : /reopen|to do|open/i).test(t.name));
    if (!transition) throw new JiraError(409, `issue ${key} has no transition to a ${wanted} status`);
    await call("POST", `/rest/api/3/issue/${encodeURIComponent(key)}/transitions`, {
      transition: { id: transition.id },
    });
  }

  return {
    async findByLabel(label) {
      const out = SearchResponse.parse(
        await call("POST", "/rest/api/3/search/jql", {
          jql: `labels = "${label.replace(/"/g, "")}"`,
          fields: ["status"],
          maxResults: 1,
        }),
      );
      const issue = out.issues?.[0];
      return issue
        ? { key: issue.key, done: issue.fields?.status?.statusCategory.key === "done" }
        : undefined;
    },
    async create(issue: TicketIssue) {
      return CreatedIssue.parse(await call("POST", "/rest/api/3/issue", jiraFields(issue))).key;
    },
    async update(key, issue) {
      const { fields } = jiraFields(issue);
      const { project: _p, issuetype: _t, ...editable } = fields;
      await call("PUT", `/rest/api/3/issue/${encodeURIComponent(key)}`, { fields: editable });
    },
    setDone: transitionTo,
    async comment(key, body: AdfDoc) {
      await call("POST", `/rest/api/3/issue/${encodeURIComponent(key)}/comment`, { body });
    },
    async findUserAccountId(email) {
      const users = Users.parse(
        await call("GET", `/rest/api/3/user/search?query=${encodeURIComponent(email)}&maxResults=10`),
      ).filter((u) => u.active !== false && (u.accountType ?? "atlassian") === "atlassian");
      // emails are hidden by privacy settings for many users: an exact match first, else a sole hit
      const exact = users.find((u) => u.emailAddress?.toLowerCase() === email.toLowerCase());
      return exact?.accountId ?? (users.length === 1 ? users[0]?.accountId : undefined);
    },
  };
}
