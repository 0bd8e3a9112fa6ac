import { z } from "zod";
import type { AdfDoc } from "./adf.ts";
import { jiraFields } from "./outbox-tracker.ts";
import type { JiraCredentials } from "./secrets.ts";
import {
  CreateUncertainError,
  type FoundTicket,
  TicketGoneError,
  type TicketIssue,
  type TicketTracker,
  TrackerAuthError,
} from "./ticket-tracker.ts";

/** How our workflow moves are chosen (DESIGN §8); names are matched case-insensitively. */
export interface JiraWorkflow {
  /** Preferred transition into a done-category status, when several exist. */
  doneTransition?: string;
  /** Preferred transition back into a to-do status. */
  reopenTransition?: string;
  /** The resolution a fix closes with, where the transition's screen asks for one. @default "Done", then "Fixed" */
  fixResolution?: string;
}

export interface JiraConfig extends JiraWorkflow {
  baseUrl: string;
  /** Read per call (the secret source caches it), so a rotated token is picked up. */
  credentials: () => Promise<JiraCredentials>;
  fetch?: typeof fetch;
  /** Upper bound on one Retry-After wait; longer waits fail the call and the reconciler retries later. */
  maxRetryAfterSeconds?: number;
  /** Per request: a hung connection must not eat the run. @default 10 s */
  timeoutMs?: number;
  /** Retries of idempotent calls and of 429s. @default 3 */
  maxRetries?: number;
  /** How long a second of backoff or Retry-After lasts, in ms (tests shorten it). @default 1000 */
  secondMs?: number;
}

const StatusCategory = z.object({ key: z.string() }).optional();
const SearchResponse = z.object({
  issues: z
    .array(
      z.object({
        key: z.string(),
        fields: z.object({ status: z.object({ statusCategory: StatusCategory }).optional() }).optional(),
      }),
    )
    .optional(),
});
const CreatedIssue = z.object({ key: z.string() });
const AllowedValue = z.looseObject({ id: z.string().optional(), name: z.string().optional() });
const Transition = z.object({
  id: z.string(),
  name: z.string(),
  to: z.object({ name: z.string().optional(), statusCategory: StatusCategory }).optional(),
  fields: z
    .record(
      z.string(),
      z.looseObject({ required: z.boolean().optional(), allowedValues: z.array(z.unknown()).optional() }),
    )
    .optional(),
});
type Transition = z.infer<typeof Transition>;
const Transitions = z.object({ transitions: z.array(Transition) });
const Users = z.array(z.looseObject({ accountId: z.string(), emailAddress: z.string().optional() }));

export class JiraError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** No answer: timed out or the connection failed (status 0). The request may or may not have landed. */
class JiraUnreachable extends JiraError {
  constructor(message: string) {
    super(0, message);
  }
}

/** A transition or resolution meaning "not going to fix": never used to close a fixed ticket. */
export const REFUSAL = /won'?t|declin|reject|cancel|duplicate|invalid|not a bug|obsolete|cannot reproduce/i;

/**
 * The transition towards `target`: first by the target status category (done, or to-do for a
 * reopen, then in-progress), then the configured name (or "Done" / "Reopen") among those, never a refusal
 * ("Won't Do", "Declined", …) for a fix. Without category information, by name.
 */
export function chooseTransition(
  transitions: readonly Transition[],
  target: "done" | "open",
  preferredName?: string,
): Transition | undefined {
  const fitsDone = (t: Transition) =>
    target !== "done" || !(REFUSAL.test(t.name) || REFUSAL.test(t.to?.name ?? ""));
  const usable = transitions.filter(fitsDone);
  const categories = target === "done" ? ["done"] : ["new", "indeterminate"];
  // without a configured name, the obvious one ("Done" / "Reopen") among several
  const wanted = (preferredName ?? (target === "done" ? "Done" : "Reopen")).toLowerCase();
  const byName = (list: readonly Transition[]) => list.find((t) => t.name.toLowerCase() === wanted);
  for (const category of categories) {
    const inCategory = usable.filter((t) => t.to?.statusCategory?.key === category);
    if (inCategory.length) return byName(inCategory) ?? inCategory[0];
  }
  const withoutCategory = usable.filter((t) => !t.to?.statusCategory);
  return (
    byName(withoutCategory) ??
    withoutCategory.find((t) =>
      (target === "done" ? /done|close|resolve|fix/i : /reopen|to do|open|backlog/i).test(t.name),
    )
  );
}

/** The resolution a fix closes with, among those the transition's screen allows. */
export function chooseFixResolution(
  allowed: readonly unknown[],
  preferred?: string,
): { id: string } | { name: string } | undefined {
  const values = allowed.map((v) => AllowedValue.safeParse(v)).flatMap((r) => (r.success ? [r.data] : []));
  const named = (name: string) => values.find((v) => v.name?.toLowerCase() === name.toLowerCase());
  const pick =
    (preferred && !REFUSAL.test(preferred) ? named(preferred) : undefined) ??
    named("Done") ??
    named("Fixed") ??
    values.find((v) => v.name && !REFUSAL.test(v.name));
  if (!pick || (pick.name && REFUSAL.test(pick.name))) return undefined;
  return pick.id ? { id: pick.id } : pick.name ? { name: pick.name } : undefined;
}

/**
 * Jira Cloud REST v3 through fetch: JQL search by label (POST /rest/api/3/search/jql, the
 * non-deprecated search), create, edit, transitions (with a resolution where the screen has one),
 * comments and user search. Every request has a timeout. 429 waits per Retry-After (Jira rejected
 * it unprocessed); idempotent calls also retry 5xx and timeouts. A create is never simply retried:
 * when its outcome is unknown it searches by label, and defers to the next run if nothing is found.
 */
export function jiraTracker(config: JiraConfig): TicketTracker {
  const doFetch = config.fetch ?? fetch;
  const base = config.baseUrl.replace(/\/+$/, "");
  const timeoutMs = config.timeoutMs ?? 10_000;
  const maxRetries = config.maxRetries ?? 3;
  const accountIds = new Map<string, string | undefined>();
  const sleep = (seconds: number) =>
    new Promise<void>((resolve) => setTimeout(resolve, seconds * (config.secondMs ?? 1000)));

  async function call(method: string, path: string, body: unknown, idempotent: boolean): Promise<unknown> {
    const { email, apiToken } = await config.credentials();
    const auth = `Basic ${Buffer.from(`${email}:${apiToken}`).toString("base64")}`;
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await doFetch(`${base}${path}`, {
          method,
          headers: {
            authorization: auth,
            accept: "application/json",
            ...(body ? { "content-type": "application/json" } : {}),
          },
          ...(body ? { body: JSON.stringify(body) } : {}),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        const reason =
          (error as Error).name === "TimeoutError"
            ? `timed out after ${timeoutMs} ms`
            : (error as Error).message;
        if (!idempotent || attempt >= maxRetries)
          throw new JiraUnreachable(`Jira ${method} ${path}: ${reason}`);
        await sleep(2 ** attempt);
        continue;
      }
      if (response.ok) {
        const text = await response.text();
        return text ? JSON.parse(text) : undefined;
      }
      const detail = (await response.text()).slice(0, 300);
      if (response.status === 401 || response.status === 403)
        throw new TrackerAuthError(`Jira ${method} ${path} answered ${response.status}: ${detail}`);
      const retryable = response.status === 429 || (idempotent && response.status >= 500);
      if (!retryable || attempt >= maxRetries)
        throw new JiraError(response.status, `Jira ${method} ${path} answered ${response.status}: ${detail}`);
      const retryAfter = Number(response.headers.get("retry-after") ?? "");
      const waitSeconds = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : 2 ** attempt;
      if (waitSeconds > (config.maxRetryAfterSeconds ?? 30))
        throw new JiraError(response.status, `Jira asked to wait ${waitSeconds}s; deferring to the next run`);
      await sleep(waitSeconds);
    }
  }

  const issuePath = (key: string, suffix = "") => `/rest/api/3/issue/${encodeURIComponent(key)}${suffix}`;
  /** A 404 on an issue we created means a person deleted it. */
  const onIssue = async <T>(key: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      if (error instanceof JiraError && error.status === 404)
        throw new TicketGoneError(`Jira issue ${key} no longer exists`);
      throw error;
    }
  };

  async function findByLabel(label: string): Promise<FoundTicket | undefined> {
    const out = SearchResponse.parse(
      await call(
        "POST",
        "/rest/api/3/search/jql",
        { jql: `labels = "${label.replace(/["\\]/g, "")}"`, fields: ["status"], maxResults: 1 },
        true,
      ),
    );
    const issue = out.issues?.[0];
    return issue ? { key: issue.key, done: issue.fields?.status?.statusCategory?.key === "done" } : undefined;
  }

  /** Email → account id through user search, once per email per container. */
  async function accountIdOf(email: string): Promise<string | undefined> {
    if (!accountIds.has(email)) {
      const users = Users.parse(
        await call(
          "GET",
          `/rest/api/3/user/search?query=${encodeURIComponent(email)}&maxResults=2`,
          undefined,
          true,
        ),
      );
      const exact = users.find((u) => u.emailAddress?.toLowerCase() === email.toLowerCase());
      // Jira hides most emails: a single match of the query is the person
      accountIds.set(email, exact?.accountId ?? (users.length === 1 ? users[0]?.accountId : undefined));
    }
    return accountIds.get(email);
  }

  async function transition(key: string, done: boolean): Promise<void> {
    const available = Transitions.parse(
      await call("GET", issuePath(key, "/transitions?expand=transitions.fields"), undefined, true),
    );
    const chosen = chooseTransition(
      available.transitions,
      done ? "done" : "open",
      done ? config.doneTransition : config.reopenTransition,
    );
    if (!chosen)
      throw new JiraError(409, `issue ${key} has no transition to a ${done ? "done" : "to-do"} status`);
    const resolutionField = done ? chosen.fields?.resolution : undefined;
    const resolution = resolutionField
      ? chooseFixResolution(resolutionField.allowedValues ?? [], config.fixResolution)
      : undefined;
    if (resolutionField?.required && !resolution)
      throw new JiraError(
        409,
        `issue ${key}: the ${chosen.name} screen offers no resolution meaning "fixed"`,
      );
    await call(
      "POST",
      issuePath(key, "/transitions"),
      { transition: { id: chosen.id }, ...(resolution ? { fields: { resolution } } : {}) },
      // a repeated transition is harmless: the next attempt re-reads what is available
      true,
    );
  }

  return {
    kind: "jira",
    owns: (key) => /^[A-Z][A-Z0-9_]*-\d+$/.test(key),
    findByLabel,
    async create(issue: TicketIssue) {
      const assignee =
        issue.assigneeAccountId ?? (issue.assigneeEmail ? await accountIdOf(issue.assigneeEmail) : undefined);
      const label = issue.labels[0];
      try {
        return CreatedIssue.parse(await call("POST", "/rest/api/3/issue", jiraFields(issue, assignee), false))
          .key;
      } catch (error) {
        const unknownOutcome =
          error instanceof JiraUnreachable || (error instanceof JiraError && error.status >= 500);
        if (!unknownOutcome || !label) throw error;
        // it may have landed: look before anyone creates it again
        const found = await findByLabel(label);
        if (found) return found.key;
        throw new CreateUncertainError(
          `${(error as Error).message}; no issue carries ${label} yet, so the create is left to the next run`,
        );
      }
    },
    async update(key, issue) {
      const { fields } = jiraFields(issue, undefined);
      // project and type cannot be edited; assignee, component and other labels are the people's
      // once the ticket exists, so ours are added rather than the list replaced
      const { project: _p, issuetype: _t, labels, components: _c, ...editable } = fields;
      await onIssue(key, () =>
        call(
          "PUT",
          issuePath(key),
          { fields: editable, update: { labels: labels.map((label) => ({ add: label })) } },
          true,
        ),
      );
    },
    setDone: (key, done) => onIssue(key, () => transition(key, done)),
    async comment(key, body: AdfDoc) {
      // not idempotent: a timed-out comment is not repeated (a missing note beats a doubled one)
      await onIssue(key, () => call("POST", issuePath(key, "/comment"), { body }, false));
    },
  };
}
