import { afterEach, describe, expect, it } from "vitest";
import { groupFindings } from "#shared/domain/ticket-group";
import { defaultRoute } from "#shared/domain/ticket-route";
import { chooseFixResolution, chooseTransition, jiraTracker } from "#shared/integrations/jira-tracker";
import { JIRA_TEXT_LIMIT, ticketIssue } from "#shared/integrations/ticket-tracker";
import { type JiraStandin, requireJiraContracts, startJiraStandin } from "#test/support/jira-standin";
import { sastTracked, scaTracked, score } from "#test/support/tracked";

const contracts = requireJiraContracts();

const category = (key: string) => ({ statusCategory: { key } });
const t = (id: string, name: string, to?: { name?: string; statusCategory?: { key: string } }) => ({
  id,
  name,
  ...(to ? { to } : {}),
});

describe("chooseTransition", () => {
  const wontDoFirst = [
    t("41", "Won't Do", { name: "Won't Do", ...category("done") }),
    t("11", "Back to To Do", category("new")),
    t("51", "Close", { name: "Closed", ...category("done") }),
    t("31", "Done", { name: "Done", ...category("done") }),
  ];

  it("closes a fix by the done category, never through a refusal, even when it is listed first", () => {
    expect(chooseTransition(wontDoFirst, "done")?.id).toBe("31");
    expect(chooseTransition(wontDoFirst.slice(0, 3), "done")?.id).toBe("51");
    // a refusal hidden behind a neutral transition name is refused by its target status
    expect(
      chooseTransition(
        [t("71", "Resolve", { name: "Declined", ...category("done") }), ...wontDoFirst.slice(3)],
        "done",
      )?.id,
    ).toBe("31");
    expect(chooseTransition([wontDoFirst[0] as ReturnType<typeof t>], "done")).toBeUndefined();
  });

  it("prefers the configured name among the transitions of the target category", () => {
    expect(chooseTransition(wontDoFirst, "done", "done")?.id).toBe("31");
    expect(chooseTransition(wontDoFirst, "done", "Close")?.id).toBe("51");
    // a name outside the category does not win over the category
    expect(chooseTransition(wontDoFirst.slice(0, 3), "done", "Back to To Do")?.id).toBe("51");
    // never a refusal, even when configured
    expect(chooseTransition(wontDoFirst.slice(0, 3), "done", "Won't Do")?.id).toBe("51");
  });

  it("reopens into a to-do status first, then an in-progress one", () => {
    expect(chooseTransition(wontDoFirst, "open")?.id).toBe("11");
    expect(
      chooseTransition(
        [t("21", "Start", category("indeterminate")), t("31", "Done", category("done"))],
        "open",
      )?.id,
    ).toBe("21");
  });

  it("falls back to names when Jira gives no status category", () => {
    const bare = [t("1", "Won't Do"), t("2", "Resolve Issue"), t("3", "Reopen Issue")];
    expect(chooseTransition(bare, "done")?.id).toBe("2");
    expect(chooseTransition(bare, "open")?.id).toBe("3");
    expect(chooseTransition([t("1", "Won't Do")], "done")).toBeUndefined();
  });
});

describe("chooseFixResolution", () => {
  const allowed = [
    { id: "10001", name: "Won't Do" },
    { id: "10002", name: "Duplicate" },
    { id: "10000", name: "Done" },
    { id: "10003", name: "Fixed" },
  ];
  it("picks the configured resolution, else Done, else Fixed, never a refusal", () => {
    expect(chooseFixResolution(allowed, "Fixed")).toEqual({ id: "10003" });
    expect(chooseFixResolution(allowed)).toEqual({ id: "10000" });
    expect(chooseFixResolution(allowed.filter((a) => a.name !== "Done"))).toEqual({ id: "10003" });
    expect(chooseFixResolution(allowed, "Won't Do")).toEqual({ id: "10000" });
    expect(chooseFixResolution(allowed.slice(0, 2))).toBeUndefined();
    expect(chooseFixResolution([{ name: "Resolved" }])).toEqual({ name: "Resolved" });
  });
});

describe.skipIf(!contracts)("jiraTracker against workflows and screens", () => {
  let jira: JiraStandin | undefined;
  afterEach(async () => {
    await jira?.close();
    jira = undefined;
  });
  const standin = async (options: Parameters<typeof startJiraStandin>[0] = {}) => {
    jira = await startJiraStandin({ contracts, ...options });
    return jira;
  };
  const trackerOf = (j: JiraStandin, extra: Partial<Parameters<typeof jiraTracker>[0]> = {}) =>
    jiraTracker({
      baseUrl: j.baseUrl,
      credentials: async () => ({ email: j.email, apiToken: j.apiToken }),
      ...extra,
    });
  const findings = [
    scaTracked("a1", "lodash", ["4.17.21"], { version: "4.17.15", score: score("P1") }),
    scaTracked("a2", "lodash", ["4.17.12"], { version: "4.17.15", score: score("P2") }),
  ];
  const group = () => {
    const g = groupFindings("payments", findings)[0];
    if (!g) throw new Error("no group");
    return g;
  };
  const transitionRequests = (j: JiraStandin) =>
    j.requests.filter((r) => r.method === "POST" && r.path.endsWith("/transitions")).map((r) => r.body);

  it("closes through the Done screen with the Done resolution, though Won't Do is listed first", async () => {
    const j = await standin({ workflow: "screens" });
    const tracker = trackerOf(j);
    const key = await tracker.create(ticketIssue(group(), findings, defaultRoute("SEC")));
    await tracker.setDone(key, true);
    expect(transitionRequests(j)).toEqual([
      { transition: { id: "31" }, fields: { resolution: { id: "10000" } } },
    ]);
    expect(j.issues.get(key)).toMatchObject({ status: "Done", resolution: "Done" });
    await tracker.setDone(key, false);
    expect(transitionRequests(j)[1]).toEqual({ transition: { id: "61" } });
    expect(j.issues.get(key)?.status).toBe("To Do");
    expect(j.issues.get(key)?.resolution).toBeUndefined();
    // the transitions were read with their screen fields
    expect(j.requests.some((r) => r.method === "GET" && r.path.endsWith("/transitions"))).toBe(true);
    expect(j.violations).toEqual([]);
  });

  it("uses the configured transition and resolution names", async () => {
    const j = await standin({ workflow: "screens" });
    const tracker = trackerOf(j, { doneTransition: "Close", fixResolution: "Done" });
    const key = await tracker.create(ticketIssue(group(), findings, defaultRoute("SEC")));
    await tracker.setDone(key, true);
    expect(transitionRequests(j)).toEqual([
      { transition: { id: "51" }, fields: { resolution: { id: "10000" } } },
    ]);
    expect(j.issues.get(key)).toMatchObject({ status: "Closed", resolution: "Done" });
    expect(j.violations).toEqual([]);
  });

  it("sends no resolution where the screen has none (Jira would reject it)", async () => {
    const j = await standin({ workflow: "simple" });
    const tracker = trackerOf(j);
    const key = await tracker.create(ticketIssue(group(), findings, defaultRoute("SEC")));
    await tracker.setDone(key, true);
    expect(transitionRequests(j)).toEqual([{ transition: { id: "31" } }]);
    expect(j.issues.get(key)?.status).toBe("Done");
  });

  it("routes: project, component, extra labels, and an assignee email resolved once by user search", async () => {
    const alice = {
      accountId: "5b10ac8d82e05b22cc7d4ef5",
      displayName: "Alice Martin",
      emailAddress: "alice@acme.example",
    };
    const j = await standin({ users: [alice], project: "PAY" });
    const tracker = trackerOf(j);
    const route = {
      project: "PAY",
      component: "checkout",
      assigneeEmail: "alice@acme.example",
      labels: ["team payments", "sec"],
    };
    const key = await tracker.create(ticketIssue(group(), findings, route));
    const other = groupFindings("payments", [
      sastTracked("s1", "java.sqli", "src/Orders.java", { score: score("P2") }),
    ])[0];
    if (!other) throw new Error("no group");
    await tracker.create(ticketIssue(other, [], route));
    expect(j.issues.get(key)?.fields).toMatchObject({
      project: { key: "PAY" },
      components: [{ name: "checkout" }],
      assignee: { accountId: alice.accountId },
      labels: expect.arrayContaining(["aspm", "team-payments", "sec"]),
    });
    expect(j.requests.filter((r) => r.path === "/rest/api/3/user/search")).toHaveLength(1);
    expect(j.violations).toEqual([]);
  });

  it("updates content but keeps a person's labels, assignee and component", async () => {
    const j = await standin({ users: [{ accountId: "acc-bob", displayName: "Bob" }] });
    const tracker = trackerOf(j);
    const issue = ticketIssue(group(), findings, { project: "SEC", component: "api", labels: [] });
    const key = await tracker.create(issue);
    const stored = j.issues.get(key);
    if (!stored) throw new Error("not created");
    stored.fields.labels = [...(stored.fields.labels as string[]), "needs-design"];
    stored.fields.assignee = { accountId: "acc-bob" };
    stored.fields.components = [{ name: "web" }];
    await tracker.update(key, { ...issue, summary: "[P1] changed" });
    expect(stored.fields.summary).toBe("[P1] changed");
    expect(stored.fields.labels).toContain("needs-design");
    expect(stored.fields.labels).toContain("aspm");
    expect(stored.fields.assignee).toEqual({ accountId: "acc-bob" });
    expect(stored.fields.components).toEqual([{ name: "web" }]);
    expect(j.violations).toEqual([]);
  });

  it("keeps a 2,000-finding description under Jira's 32,767-character limit, as valid ADF", async () => {
    const j = await standin();
    const many = Array.from({ length: 2000 }, (_, i) =>
      sastTracked(`m${i}`, "python.lang.security.audit.eval", "app/views.py", {
        title: `${"very long title ".repeat(40)}${i}`,
        location: { file: `${"deep/".repeat(60)}views.py`, startLine: i + 1 },
        rule: { id: "python.lang.security.audit.eval", name: "n".repeat(2000) },
        score: score("P2", {
          factors: Array.from({ length: 40 }, (_, k) => ({
            name: `f${k}`,
            value: "v".repeat(500),
            effect: 1,
          })),
        }),
      }),
    );
    const g = groupFindings("payments", many)[0];
    if (!g) throw new Error("no group");
    const issue = ticketIssue(g, many, defaultRoute("SEC"));
    const size = JSON.stringify(issue.description).length;
    expect(size).toBeLessThanOrEqual(JIRA_TEXT_LIMIT);
    expect(size).toBeGreaterThan(JIRA_TEXT_LIMIT / 2); // it lists as much as fits, not nothing
    expect(JSON.stringify(issue.description)).toMatch(/…and \d+ more\./);
    const key = await trackerOf(j).create(issue);
    expect(j.issues.get(key)).toBeDefined();
    expect(j.violations).toEqual([]);
  });
});
