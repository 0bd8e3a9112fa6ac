import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import type { AdfDoc } from "./adf.ts";
import type { TicketIssue, TicketTracker } from "./ticket-tracker.ts";

const Index = z.record(z.string(), z.object({ key: z.string(), done: z.boolean() }));

/**
 * The ticket tracker when no Jira is configured: every request we would send is written as a JSON
 * file under `<outbox>/jira/`, and an index stands in for Jira's label search, so reconciliation
 * behaves exactly as it would against Jira (no duplicates, transitions, reopen).
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
    const file = join(dir, `${Date.now()}-${String(sequence).padStart(4, "0")}-${op}-${key}.json`);
    writeFileSync(file, `${JSON.stringify(payload, null, 2)}\n`);
  };
  return {
    async findByLabel(label) {
      return load()[label];
    },
    async create(issue: TicketIssue) {
      const index = load();
      const key = `${issue.project}-${Object.keys(index).length + 1}`;
      const label = issue.labels[0] ?? key;
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

/** The `fields` of a Jira create/edit request (IssueUpdateDetails). */
export function jiraFields(issue: TicketIssue) {
  return {
    fields: {
      project: { key: issue.project },
      issuetype: { name: "Bug" },
      summary: issue.summary,
      description: issue.description,
      labels: issue.labels,
      priority: { name: issue.priority },
      ...(issue.dueDate ? { duedate: issue.dueDate } : {}),
      ...(issue.components?.length ? { components: issue.components.map((name) => ({ name })) } : {}),
      ...(issue.assigneeAccountId ? { assignee: { accountId: issue.assigneeAccountId } } : {}),
    },
  };
}
