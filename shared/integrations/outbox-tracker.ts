import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import type { AdfDoc } from "./adf.ts";
import { groupIdFromLabels, type TicketIssue, type TicketTracker } from "./ticket-tracker.ts";

const Index = z.record(z.string(), z.object({ key: z.string(), done: z.boolean() }));

/** Outbox keys: namespaced so that none can ever be mistaken for (and act on) a real Jira issue. */
export const OUTBOX_KEY_PREFIX = "outbox:";

/**
 * The ticket tracker of the local stack when no Jira is configured: every request we would send is
 * written as a JSON file under `<outbox>/jira/`, and an index stands in for Jira's label search, so
 * reconciliation behaves as it would against Jira (no duplicates, transitions, reopen). Keys are
 * `outbox:<group id>`: stable across runs and processes, and never a Jira key.
 */
export function outboxTracker(outboxDir: string): TicketTracker {
  const dir = join(outboxDir, "jira");
  const indexPath = join(dir, "index.json");
  mkdirSync(dir, { recursive: true });
  let sequence = 0;
  const load = () => {
    try {
      return Index.parse(JSON.parse(readFileSync(indexPath, "utf8")));
    } catch {
      return {};
    }
  };
  const save = (index: z.infer<typeof Index>) =>
    writeFileSync(indexPath, `${JSON.stringify(index, null, 2)}\n`);
  const record = (op: string, key: string, payload: unknown) => {
    sequence++;
    const file = join(
      dir,
      `${Date.now()}-${String(sequence).padStart(4, "0")}-${op}-${key.replace(/[^A-Za-z0-9_-]/g, "_")}.json`,
    );
    writeFileSync(file, `${JSON.stringify(payload, null, 2)}\n`);
  };
  return {
    kind: "outbox",
    owns: (key) => key.startsWith(OUTBOX_KEY_PREFIX),
    async findByLabel(label) {
      return load()[label];
    },
    async create(issue: TicketIssue) {
      const index = load();
      const label = issue.labels[0] ?? issue.summary;
      const key = `${OUTBOX_KEY_PREFIX}${groupIdFromLabels(issue.labels) ?? label}`;
      index[label] = { key, done: false };
      save(index);
      record("create", key, { method: "POST", path: "/rest/api/3/issue", body: jiraFields(issue) });
      return key;
    },
    async update(key, issue) {
      record("update", key, { method: "PUT", path: `/rest/api/3/issue/${key}`, body: jiraFields(issue) });
    },
    async setDone(key, done) {
      const index = load();
      for (const entry of Object.values(index)) if (entry.key === key) entry.done = done;
      save(index);
      record(done ? "done" : "reopen", key, {
        method: "POST",
        path: `/rest/api/3/issue/${key}/transitions`,
        body: { transition: { name: done ? "Done" : "To Do" } },
      });
    },
    async comment(key, body: AdfDoc) {
      record("comment", key, { method: "POST", path: `/rest/api/3/issue/${key}/comment`, body: { body } });
    },
  };
}

/** The `fields` of a Jira create/edit request (IssueUpdateDetails); the assignee as a resolved account id. */
export function jiraFields(issue: TicketIssue, assigneeAccountId = issue.assigneeAccountId) {
  return {
    fields: {
      project: { key: issue.project },
      issuetype: { name: "Bug" },
      summary: issue.summary,
      description: issue.description,
      labels: issue.labels,
      priority: { name: issue.priority },
      ...(issue.dueDate ? { duedate: issue.dueDate } : {}),
      ...(issue.component ? { components: [{ name: issue.component }] } : {}),
      ...(assigneeAccountId ? { assignee: { accountId: assigneeAccountId } } : {}),
    },
  };
}
