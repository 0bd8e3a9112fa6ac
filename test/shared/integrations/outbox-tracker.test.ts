import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { adf } from "#shared/integrations/adf";
import { jiraTracker } from "#shared/integrations/jira-tracker";
import { jiraFields, outboxTracker } from "#shared/integrations/outbox-tracker";
import type { TicketIssue } from "#shared/integrations/ticket-tracker";

const issue = (label: string, over: Partial<TicketIssue> = {}): TicketIssue => ({
  project: "SEC",
  summary: `[P1] Upgrade lodash to 4.17.21 (closes 2 findings) ${label}`,
  description: adf.doc(adf.paragraph(adf.strong("Action: "), "Upgrade lodash to 4.17.21")),
  labels: [label, "aspm", "aspm-app-payments"],
  priority: "Highest",
  dueDate: "2026-02-01",
  ...over,
});

describe("jiraFields", () => {
  it("maps a ticket to the fields of a Jira create/edit request", () => {
    const i = issue("aspm-1");
    expect(jiraFields(i)).toEqual({
      fields: {
        project: { key: "SEC" },
        issuetype: { name: "Bug" },
        summary: i.summary,
        description: i.description,
        labels: ["aspm-1", "aspm", "aspm-app-payments"],
        priority: { name: "Highest" },
        duedate: "2026-02-01",
      },
    });
  });

  it("leaves duedate out when there is none", () => {
    const { dueDate: _, ...noDue } = issue("aspm-1");
    expect("duedate" in jiraFields(noDue).fields).toBe(false);
  });
});

describe("outboxTracker", () => {
  let outbox: string;
  let dir: string;
  const files = () =>
    readdirSync(dir)
      .filter((f) => f !== "index.json")
      .sort();
  const read = (name: string) => JSON.parse(readFileSync(join(dir, name), "utf8")) as unknown;
  const index = () => read("index.json");

  beforeEach(() => {
    outbox = mkdtempSync(join(tmpdir(), "aspm-outbox-"));
    dir = join(outbox, "jira");
  });
  afterEach(() => {
    rmSync(outbox, { recursive: true, force: true });
  });

  it("answers findByLabel from its index: nothing before create, the key after", async () => {
    const t = outboxTracker(outbox);
    expect(await t.findByLabel("aspm-g1")).toBeUndefined();
    const key = await t.create(issue("aspm-g1"));
    expect(key).toBe("outbox:aspm-g1");
    expect(await t.findByLabel("aspm-g1")).toEqual({ key, done: false });
    expect(await t.findByLabel("aspm")).toBeUndefined();
    expect(await t.create(issue("aspm-g2"))).toBe("outbox:aspm-g2");
    expect(index()).toEqual({
      "aspm-g1": { key: "outbox:aspm-g1", done: false },
      "aspm-g2": { key: "outbox:aspm-g2", done: false },
    });
  });

  it("writes every request it would send as a JSON file, in order", async () => {
    const t = outboxTracker(outbox);
    const created = issue("aspm-g1");
    const key = await t.create(created);
    expect(key).toBe("outbox:aspm-g1");
    const edited = issue("aspm-g1", { summary: "[P2] edited", priority: "High" });
    await t.update(key, edited);
    const note = adf.doc(adf.paragraph("Scan update: Upgrade lodash to 4.17.21."));
    await t.comment(key, note);
    await t.setDone(key, true);
    await t.setDone(key, false);

    const names = files();
    expect(names).toHaveLength(5);
    expect(names.map((n) => n.replace(/^\d+-\d{4}-/, ""))).toEqual([
      "create-outbox_aspm-g1.json",
      "update-outbox_aspm-g1.json",
      "comment-outbox_aspm-g1.json",
      "done-outbox_aspm-g1.json",
      "reopen-outbox_aspm-g1.json",
    ]);
    const [c, u, m, d, r] = names.map(read);
    expect(c).toEqual({ method: "POST", path: "/rest/api/3/issue", body: jiraFields(created) });
    expect(u).toEqual({ method: "PUT", path: `/rest/api/3/issue/${key}`, body: jiraFields(edited) });
    expect(m).toEqual({ method: "POST", path: `/rest/api/3/issue/${key}/comment`, body: { body: note } });
    expect(d).toEqual({
      method: "POST",
      path: `/rest/api/3/issue/${key}/transitions`,
      body: { transition: { name: "Done" } },
    });
    expect(r).toMatchObject({
      path: `/rest/api/3/issue/${key}/transitions`,
      body: { transition: { name: "To Do" } },
    });
  });

  it("setDone updates the index, so findByLabel reports the transition", async () => {
    const t = outboxTracker(outbox);
    const k1 = await t.create(issue("aspm-g1"));
    await t.create(issue("aspm-g2"));
    await t.setDone(k1, true);
    expect(await t.findByLabel("aspm-g1")).toEqual({ key: k1, done: true });
    expect(await t.findByLabel("aspm-g2")).toEqual({ key: "outbox:aspm-g2", done: false });
    await t.setDone(k1, false);
    expect(await t.findByLabel("aspm-g1")).toEqual({ key: k1, done: false });
  });

  it("update and comment leave the index alone", async () => {
    const t = outboxTracker(outbox);
    const key = await t.create(issue("aspm-g1"));
    const before = index();
    await t.update(key, issue("aspm-g1", { summary: "changed" }));
    await t.comment(key, adf.doc(adf.paragraph("x")));
    expect(index()).toEqual(before);
  });

  it("keeps its index across instances, like Jira across runs", async () => {
    const key = await outboxTracker(outbox).create(issue("aspm-g1"));
    const again = outboxTracker(outbox);
    expect(await again.findByLabel("aspm-g1")).toEqual({ key, done: false });
    await again.setDone(key, true);
    expect(await outboxTracker(outbox).findByLabel("aspm-g1")).toEqual({ key, done: true });
    expect(await again.create(issue("aspm-g2"))).toBe("outbox:aspm-g2");
  });

  it("keys are the group, namespaced: stable across instances and never a Jira key", async () => {
    const groupLabel = "aspm-0123456789abcdef";
    const first = await outboxTracker(outbox).create(issue(groupLabel, { project: "OPS" }));
    // a cold start of another container (a fresh /tmp) gives the same key, not the next number
    const elsewhere = mkdtempSync(join(tmpdir(), "aspm-outbox-"));
    try {
      expect(await outboxTracker(elsewhere).create(issue(groupLabel))).toBe(first);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
    expect(first).toBe("outbox:0123456789abcdef");
    const t = outboxTracker(outbox);
    expect(t.owns(first)).toBe(true);
    expect(t.owns("SEC-1")).toBe(false);
    expect(
      jiraTracker({
        baseUrl: "https://acme.atlassian.net",
        credentials: async () => ({ email: "a@b.c", apiToken: "t" }),
      }).owns(first),
    ).toBe(false);
  });
});
