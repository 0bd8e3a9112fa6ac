import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { groupFindings, type TicketGroup } from "#shared/domain/ticket-group";
import { defaultRoute } from "#shared/domain/ticket-route";
import type { TrackedFinding } from "#shared/domain/tracked-finding";
import { type AdfDoc, adf } from "#shared/integrations/adf";
import { JiraError, jiraTracker } from "#shared/integrations/jira-tracker";
import {
  CreateUncertainError,
  groupLabel,
  TicketGoneError,
  type TicketIssue,
  TrackerAuthError,
  ticketIssue,
} from "#shared/integrations/ticket-tracker";
import { CONTRACTS_DIR, skipWithoutShared } from "#test/support/corpus";
import {
  ADF_FILE,
  type JiraStandin,
  loadJiraContracts,
  OPENAPI_FILE,
  startJiraStandin,
} from "#test/support/jira-standin";
import { sastTracked, scaTracked, score, secretTracked } from "#test/support/tracked";

const skipContracts = skipWithoutShared("Jira contract tests", [
  resolve(CONTRACTS_DIR, OPENAPI_FILE),
  resolve(CONTRACTS_DIR, ADF_FILE),
]);
const loaded = loadJiraContracts();
const contracts = loaded.contracts;

/** The loaded contracts; in CI, where they must be, their absence fails the tests that need them. */
function requireContracts() {
  if (!contracts) throw new Error(`the Jira contracts are missing: ${loaded.reason}`);
  return contracts;
}

const fpTriage = {
  status: "false_positive" as const,
  by: "alice@example.com",
  at: "2026-01-02T00:00:00.000Z",
};

/** An app's findings: a lodash upgrade (two open, one false positive), a SQL injection, a secret. */
function appFindings(): TrackedFinding[] {
  return [
    scaTracked("a1", "lodash", ["4.17.21"], {
      version: "4.17.15",
      score: score("P1", {
        risk: 88,
        dueAt: "2026-01-20T00:00:00.000Z",
        factors: [
          { name: "KEV", value: "listed", effect: 30 },
          { name: "Exposure", value: "internet", effect: 10 },
          { name: "Reachability", value: "unreachable", effect: -15 },
        ],
      }),
    }),
    scaTracked("a2", "lodash", ["4.17.12"], { version: "4.17.15", score: score("P2", { risk: 60 }) }),
    scaTracked("a3", "lodash", ["4.17.19"], { version: "4.17.15", triage: fpTriage }),
    sastTracked("s1", "java.lang.security.audit.sqli", "src/main/java/Orders.java", {
      title: 'SQL built from "user" input & concatenation <script>',
    }),
    secretTracked("k1", "ab", "config/prod.env"),
  ];
}

async function until(condition: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

const credentialsOf = (jira: JiraStandin) => async () => ({ email: jira.email, apiToken: jira.apiToken });

function issueFor(group: TicketGroup, findings: readonly TrackedFinding[]): TicketIssue {
  const members = group.members
    .map((id) => findings.find((f) => f.findingId === id))
    .filter((f): f is TrackedFinding => !!f);
  return ticketIssue(group, members, defaultRoute("SEC"));
}

function upgradeGroup(findings: readonly TrackedFinding[]): TicketGroup {
  const group = groupFindings("payments", findings).find((g) => g.kind === "upgrade");
  if (!group) throw new Error("no upgrade group");
  return group;
}

function headings(doc: AdfDoc): string[] {
  return doc.content
    .filter((n) => n.type === "heading")
    .map((n) => n.content?.map((t) => t.text).join("") ?? "");
}

function bulletTexts(doc: AdfDoc, after: string): string[] {
  const i = doc.content.findIndex((n) => n.type === "heading" && n.content?.[0]?.text === after);
  const list = doc.content[i + 1];
  return (list?.content ?? []).map((item) => item.content?.[0]?.content?.map((t) => t.text).join("") ?? "");
}

describe.skipIf(skipContracts)(
  "jiraTracker against a Jira stand-in that enforces Atlassian's published schemas",
  () => {
    let jira: JiraStandin;
    beforeAll(async () => {
      jira = await startJiraStandin({ contracts: requireContracts() });
    });
    afterAll(async () => {
      // undefined when the contracts were missing and beforeAll failed
      await (jira as JiraStandin | undefined)?.close();
    });

    const tracker = () => jiraTracker({ baseUrl: `${jira.baseUrl}/`, credentials: credentialsOf(jira) });

    it("the stand-in rejects requests that break the contracts (so passing means something)", async () => {
      const post = (path: string, body: unknown) =>
        fetch(`${jira.baseUrl}${path}`, {
          method: "POST",
          headers: {
            authorization: `Basic ${Buffer.from(`${jira.email}:${jira.apiToken}`).toString("base64")}`,
            "content-type": "application/json",
          },
          body: JSON.stringify(body),
        });
      const before = jira.violations.length;
      // /search/jql has no startAt (additionalProperties: false)
      expect((await post("/rest/api/3/search/jql", { jql: 'labels = "x"', startAt: 0 })).status).toBe(400);
      // ADF text nodes must not be empty
      const emptyText = {
        type: "doc",
        version: 1,
        content: [{ type: "paragraph", content: [{ type: "text", text: "" }] }],
      };
      expect(
        (
          await post("/rest/api/3/issue", {
            fields: {
              project: { key: "SEC" },
              issuetype: { name: "Bug" },
              summary: "s",
              description: emptyText,
            },
          })
        ).status,
      ).toBe(400);
      // a description that is plain text, as in REST v2, is not ADF
      expect(
        (
          await post("/rest/api/3/issue", {
            fields: {
              project: { key: "SEC" },
              issuetype: { name: "Bug" },
              summary: "s",
              description: "text",
            },
          })
        ).status,
      ).toBe(400);
      // transition ids are strings in IssueTransition
      expect((await post("/rest/api/3/issue/SEC-1/transitions", { transition: { id: 31 } })).status).toBe(
        400,
      );
      // a comment body must be an ADF document too
      expect((await post("/rest/api/3/issue/SEC-1/comment", { body: "plain text" })).status).toBe(400);
      expect(jira.violations.length).toBeGreaterThanOrEqual(before + 5);
      jira.violations.length = 0;
      jira.requests.length = 0;
    });

    it("find (none) → create → find (found) → update → comment → setDone(true) → setDone(false)", async () => {
      const t = tracker();
      const findings = appFindings();
      const group = upgradeGroup(findings);
      const label = groupLabel(group.groupId);
      const issue = issueFor(group, findings);

      expect(await t.findByLabel(label)).toBeUndefined();

      const key = await t.create(issue);
      expect(key).toBe("SEC-1");
      const created = jira.issues.get(key);
      expect(created?.fields).toMatchObject({
        project: { key: "SEC" },
        issuetype: { name: "Bug" },
        summary: `[P1] Upgrade lodash to 4.17.21 (closes 2 findings)`,
        labels: [label, "aspm", "aspm-app-payments"],
        priority: { name: "Highest" },
        duedate: "2026-01-20",
      });
      const description = created?.fields.description as AdfDoc;
      expect(description.type).toBe("doc");
      expect(headings(description)).toContain("Why it matters");
      expect(bulletTexts(description, "Why it matters")).toEqual([
        "KEV: listed (+30)",
        "Exposure: internet (+10)",
        "Reachability: unreachable (-15)",
      ]);

      expect(await t.findByLabel(label)).toEqual({ key, done: false });

      // one more vulnerability fixed by the same upgrade: same group, new content
      const more = [
        ...findings,
        scaTracked("a4", "lodash", ["4.17.5"], { version: "4.17.15", score: score("P2") }),
      ];
      expect(upgradeGroup(more).groupId).toBe(group.groupId);
      const updated = issueFor(upgradeGroup(more), more);
      await t.update(key, updated);
      expect(jira.issues.get(key)?.fields.summary).toBe("[P1] Upgrade lodash to 4.17.21 (closes 3 findings)");
      expect(jira.issues.get(key)?.fields.project).toEqual({ key: "SEC" });

      await t.comment(key, adf.doc(adf.paragraph(`Scan update: ${upgradeGroup(more).action}.`)));
      expect(jira.issues.get(key)?.comments).toHaveLength(1);

      await t.setDone(key, true);
      expect(jira.issues.get(key)?.status).toBe("Done");
      expect(await t.findByLabel(label)).toEqual({ key, done: true });

      await t.setDone(key, false);
      expect(jira.issues.get(key)?.status).toBe("To Do");
      expect(await t.findByLabel(label)).toEqual({ key, done: false });

      expect(jira.violations).toEqual([]);
      expect(jira.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
        "POST /rest/api/3/search/jql 200",
        "POST /rest/api/3/issue 201",
        "POST /rest/api/3/search/jql 200",
        "PUT /rest/api/3/issue/SEC-1 204",
        "POST /rest/api/3/issue/SEC-1/comment 201",
        "GET /rest/api/3/issue/SEC-1/transitions 200",
        "POST /rest/api/3/issue/SEC-1/transitions 204",
        "POST /rest/api/3/search/jql 200",
        "GET /rest/api/3/issue/SEC-1/transitions 200",
        "POST /rest/api/3/issue/SEC-1/transitions 204",
        "POST /rest/api/3/search/jql 200",
      ]);
      // the label search asks for one issue with its status, the non-deprecated way
      expect(jira.requests[0]?.body).toEqual({
        jql: `labels = "${label}"`,
        fields: ["status"],
        maxResults: 1,
      });
      expect(jira.requests[6]?.body).toEqual({ transition: { id: "31" } });
      expect(jira.requests[9]?.body).toEqual({ transition: { id: "11" } });
      for (const r of jira.requests) {
        expect(r.headers.authorization).toBe(
          `Basic ${Buffer.from(`${jira.email}:${jira.apiToken}`).toString("base64")}`,
        );
        expect(r.headers.accept).toBe("application/json");
      }
    });

    it("every kind of ticket the groups produce is valid ADF and a valid IssueUpdateDetails", async () => {
      const t = tracker();
      const many = Array.from({ length: 60 }, (_, i) =>
        sastTracked(`m${String(i).padStart(2, "0")}`, "python.lang.security.audit.eval", "app/views.py", {
          location: i % 2 ? { file: "app/views.py" } : { file: "app/views.py", startLine: i + 1 },
          rule: { id: "python.lang.security.audit.eval", name: "x".repeat(400) },
        }),
      );
      const findings = [
        ...appFindings(),
        ...many,
        scaTracked("n1", "left-pad", [], { version: "1.0.0" }),
        scaTracked("c1", "alpine/openssl", ["3.0.8-r0"], {
          purlType: "apk",
          version: "3.0.7-r0",
          category: "container",
        }),
      ];
      const groups = groupFindings("payments", findings).filter((g) => g.status === "open");
      expect(groups.map((g) => g.kind).sort()).toEqual([
        "code",
        "code",
        "secret",
        "upgrade",
        "upgrade",
        "upgrade",
      ]);
      for (const group of groups) {
        const key = await t.create(issueFor(group, findings));
        expect(jira.issues.get(key)?.fields.labels).toContain(groupLabel(group.groupId));
      }
      const evalTicket = [...jira.issues.values()].find((i) =>
        (i.fields.labels as string[]).includes(
          groupLabel(groups.find((g) => g.members.length === 60)?.groupId ?? ""),
        ),
      );
      expect(String(evalTicket?.fields.summary ?? "").length).toBeGreaterThan(0);
      expect(String(evalTicket?.fields.summary ?? "").length).toBeLessThanOrEqual(255);
      expect(JSON.stringify(evalTicket?.fields.description)).toContain("…and 10 more.");
      expect(jira.violations).toEqual([]);
    });

    it("the ticket body lists, and counts, only the findings the group closes", async () => {
      // The group excludes the false-positive member a3 ("closes 2 findings"); the description must agree.
      const findings = appFindings();
      const group = upgradeGroup(findings);
      expect(group.title).toContain("(closes 2 findings)");
      const key = await tracker().create(issueFor(group, findings));
      const description = jira.issues.get(key)?.fields.description as AdfDoc;
      expect(headings(description)).toContain("Closes 2 findings");
      const listed = bulletTexts(
        description,
        headings(description).find((h) => h.startsWith("Closes")) ?? "",
      );
      expect(listed).toHaveLength(2);
      expect(listed.some((l) => l.startsWith("CVE-2026-1113"))).toBe(false);
      expect(jira.violations).toEqual([]);
    });
  },
);

describe.concurrent("jiraTracker retries", () => {
  const withStandin = async (test: (jira: JiraStandin) => Promise<void>) => {
    const jira = await startJiraStandin({ contracts });
    try {
      await test(jira);
    } finally {
      await jira.close();
    }
  };
  const trackerFor = (jira: JiraStandin, maxRetryAfterSeconds?: number) =>
    jiraTracker({
      baseUrl: jira.baseUrl,
      credentials: credentialsOf(jira),
      ...(maxRetryAfterSeconds === undefined ? {} : { maxRetryAfterSeconds }),
    });
  const gaps = (jira: JiraStandin) =>
    jira.requests.slice(1).map((r, i) => r.at - (jira.requests[i]?.at ?? 0));
  const issue = () => {
    const findings = appFindings();
    return issueFor(upgradeGroup(findings), findings);
  };
  // timers may fire a little early relative to Date.now() on a busy machine
  const SLACK = 25;

  it("honours 429 Retry-After: 1 and then succeeds", async ({ expect }) => {
    await withStandin(async (jira) => {
      jira.failNext({ status: 429, headers: { "retry-after": "1" } });
      expect(await trackerFor(jira).findByLabel("aspm-none")).toBeUndefined();
      expect(jira.requests.map((r) => r.status)).toEqual([429, 200]);
      expect(gaps(jira)[0]).toBeGreaterThanOrEqual(1000 - SLACK);
      expect(jira.violations).toEqual([]);
    });
  });

  it("waits what Retry-After says rather than its own growing backoff", async ({ expect }) => {
    await withStandin(async (jira) => {
      jira.failNext(
        { status: 429, headers: { "retry-after": "1" } },
        { status: 429, headers: { "retry-after": "1" } },
      );
      expect(await trackerFor(jira).findByLabel("aspm-none")).toBeUndefined();
      expect(jira.requests.map((r) => r.status)).toEqual([429, 429, 200]);
      const [g1 = 0, g2 = 0] = gaps(jira);
      expect(g1).toBeGreaterThanOrEqual(1000 - SLACK);
      expect(g2).toBeGreaterThanOrEqual(1000 - SLACK);
      // its own backoff would wait 2 s before the third attempt
      expect(g2).toBeLessThan(1900);
    });
  });

  it("retries an idempotent search on 500 with growing waits, then succeeds", async ({ expect }) => {
    await withStandin(async (jira) => {
      const fault = { status: 500, match: { method: "POST", pathPrefix: "/rest/api/3/search" } };
      jira.failNext(fault, fault, fault);
      expect(await trackerFor(jira).findByLabel("aspm-none")).toBeUndefined();
      expect(jira.requests.map((r) => r.status)).toEqual([500, 500, 500, 200]);
      const [g1 = 0, g2 = 0, g3 = 0] = gaps(jira);
      expect(g1).toBeGreaterThanOrEqual(1000 - SLACK);
      expect(g2).toBeGreaterThanOrEqual(2000 - SLACK);
      expect(g3).toBeGreaterThanOrEqual(4000 - SLACK);
    });
  });

  it("never retries a create that answered 500: it searches by label, and leaves it to the next run", async ({
    expect,
  }) => {
    await withStandin(async (jira) => {
      jira.failNext({ status: 500, match: { method: "POST", pathPrefix: "/rest/api/3/issue" } });
      const error = await trackerFor(jira)
        .create(issue())
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(error).toBeInstanceOf(CreateUncertainError);
      expect(jira.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
        "POST /rest/api/3/issue 500",
        "POST /rest/api/3/search/jql 200",
      ]);
      expect(jira.issues.size).toBe(0);
      expect(jira.violations).toEqual([]);
    });
  });

  it("a create that reached Jira but timed out is found by its label, not created again", async ({
    expect,
  }) => {
    await withStandin(async (jira) => {
      jira.answerLate({ method: "POST", pathPrefix: "/rest/api/3/issue" }, 1500);
      const t = jiraTracker({ baseUrl: jira.baseUrl, credentials: credentialsOf(jira), timeoutMs: 300 });
      const key = await t.create(issue());
      expect(key).toBe("SEC-1");
      expect(jira.issues.size).toBe(1);
      await until(() => jira.requests.length === 2);
      expect([...jira.requests].sort((a, b) => a.at - b.at).map((r) => `${r.method} ${r.path}`)).toEqual([
        "POST /rest/api/3/issue",
        "POST /rest/api/3/search/jql",
      ]);
    });
  });

  it("a hung search times out and is retried, each attempt bounded by the timeout", async ({ expect }) => {
    await withStandin(async (jira) => {
      jira.answerLate({ method: "POST", pathPrefix: "/rest/api/3/search" }, 2000);
      const t = jiraTracker({ baseUrl: jira.baseUrl, credentials: credentialsOf(jira), timeoutMs: 200 });
      const started = Date.now();
      expect(await t.findByLabel("aspm-none")).toBeUndefined();
      // the first attempt was abandoned at its timeout, not when the answer came
      expect(Date.now() - started).toBeLessThan(2000);
      await until(() => jira.requests.length === 2);
    });
  });

  it("surfaces a JiraError when Jira answers 503 forever", async ({ expect }) => {
    await withStandin(async (jira) => {
      jira.failAlways({ status: 503, body: "Service Unavailable" });
      const error = await trackerFor(jira)
        .findByLabel("aspm-x")
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(error).toBeInstanceOf(JiraError);
      expect((error as JiraError).status).toBe(503);
      expect((error as JiraError).message).toContain("answered 503: Service Unavailable");
      expect(jira.requests).toHaveLength(4);
    });
  });

  it("fails fast when Retry-After exceeds maxRetryAfterSeconds", async ({ expect }) => {
    await withStandin(async (jira) => {
      jira.failNext({ status: 429, headers: { "retry-after": "120" } });
      const started = Date.now();
      await expect(trackerFor(jira).findByLabel("aspm-x")).rejects.toThrow(/asked to wait 120s/);
      jira.failNext({ status: 429, headers: { "retry-after": "5" } });
      const error = await trackerFor(jira, 2)
        .create(issue())
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(error).toBeInstanceOf(JiraError);
      expect((error as JiraError).status).toBe(429);
      expect(Date.now() - started).toBeLessThan(1000);
      expect(jira.requests).toHaveLength(2);
      expect(jira.issues.size).toBe(0);
    });
  });

  it("does not retry client errors", async ({ expect }) => {
    await withStandin(async (jira) => {
      const wrongToken = jiraTracker({
        baseUrl: jira.baseUrl,
        credentials: async () => ({ email: jira.email, apiToken: "wrong" }),
      });
      await expect(wrongToken.findByLabel("aspm-x")).rejects.toBeInstanceOf(TrackerAuthError);
      // a 404 on one of our issues means a person deleted it
      await expect(trackerFor(jira).setDone("SEC-404", true)).rejects.toBeInstanceOf(TicketGoneError);
      await expect(trackerFor(jira).update("SEC-404", issue())).rejects.toBeInstanceOf(TicketGoneError);
      expect(jira.requests.map((r) => r.status)).toEqual([401, 404, 404]);
    });
  });
});
