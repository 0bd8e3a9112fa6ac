import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { NormalizedFinding } from "#shared/domain/finding";
import { defaultRoute } from "#shared/domain/ticket-route";
import { adf } from "#shared/integrations/adf";
import { jiraTracker } from "#shared/integrations/jira-tracker";
import { outboxTracker } from "#shared/integrations/outbox-tracker";
import { groupLabel, type TicketTracker, TrackerAuthError } from "#shared/integrations/ticket-tracker";
import { findingHistory } from "#shared/store/audit-store";
import { getException } from "#shared/store/exception-store";
import { allFindingsOfApp, listOpenFindingsOfTeam } from "#shared/store/finding-store";
import { keys } from "#shared/store/table";
import type { TableRef } from "#shared/store/table-ref";
import {
  listTicketsOfApp,
  listTicketWork,
  saveSyncedTicket,
  saveTicketRules,
} from "#shared/store/ticket-store";
import { correlateScan } from "#shared/usecases/correlate-scan";
import { approve } from "#shared/usecases/exceptions";
import { syncTickets, type TicketSyncDeps } from "#shared/usecases/ticket-sync";
import { sastFinding, scaFinding } from "#test/support/findings";
import {
  type JiraStandin,
  requireJiraContracts,
  type StandinUser,
  startJiraStandin,
  type WebhookDelivery,
} from "#test/support/jira-standin";
import { bucketRef, meteredTable, recordingPublisher, stackEnv, tableRef } from "#test/support/stack-deps";
import { stageNormalizedScan } from "#test/support/stage";

/**
 * Two-way Jira on the local stack: scans correlated into DynamoDB Local and S3, ticket sync against
 * the Jira stand-in (every request checked against Atlassian's OpenAPI and ADF schemas), and
 * people's changes arriving as signed webhook deliveries through the real HTTP API.
 */

const contracts = requireJiraContracts();

const alice: StandinUser = {
  accountId: "acc-alice",
  displayName: "Alice Martin",
  emailAddress: "alice@acme.example",
};
const bob: StandinUser = { accountId: "acc-bob", displayName: "Bob Stone", emailAddress: "bob@acme.example" };

let appCounter = 0;
function newApp(name: string): string {
  appCounter++;
  return `tix-${name}-${Date.now().toString(36)}-${appCounter}`;
}

async function scan(appId: string, findings: NormalizedFinding[]) {
  // scans are ordered by their time: never two in the same millisecond
  await new Promise((r) => setTimeout(r, 5));
  const scanId = await stageNormalizedScan(tableRef(), bucketRef(), findings, { appId });
  return correlateScan({ db: tableRef(), bucket: bucketRef(), events: recordingPublisher() }, scanId);
}

function deps(tracker: TicketTracker, db: TableRef = tableRef()): TicketSyncDeps {
  return { db, bucket: bucketRef(), tracker, routeFor: () => defaultRoute("SEC") };
}

function trackerOf(jira: JiraStandin, extra: Partial<Parameters<typeof jiraTracker>[0]> = {}) {
  return jiraTracker({
    baseUrl: jira.baseUrl,
    credentials: async () => ({ email: jira.email, apiToken: jira.apiToken }),
    secondMs: 5,
    timeoutMs: 2000,
    ...extra,
  });
}

/** Syncs whatever is pending into a throwaway outbox: no test leaves work for another's Jira. */
async function drain(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "aspm-drain-"));
  try {
    for (let i = 0; i < 3; i++) {
      const work = await listTicketWork(tableRef());
      // (the first sync under the current grouping and policy is a full one: it is had here, once)
      if (i > 0 && !work.changes.length && !work.tickets.length) return;
      await syncTickets(deps(outboxTracker(dir)));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function postWebhook(delivery: WebhookDelivery, headers: Record<string, string> = delivery.headers) {
  const response = await fetch(`${stackEnv().apiUrl}/v1/integrations/jira/webhook`, {
    method: "POST",
    headers,
    body: delivery.body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function findingsOf(appId: string) {
  const out = [];
  for await (const f of allFindingsOfApp(tableRef(), appId)) out.push(f);
  return out;
}

const issuesOf = (jira: JiraStandin, appId: string) =>
  [...jira.issues.values()].filter((i) => (i.fields.labels as string[]).includes(`aspm-app-${appId}`));

/** A portfolio slice: one upgrade (2 CVEs in lodash), one SQL injection file, one XSS file. */
function portfolio(): NormalizedFinding[] {
  return [
    scaFinding("CVE-2026-1001", "lodash", { version: "4.17.15", fixed: ["4.17.21"] }),
    scaFinding("CVE-2026-1002", "lodash", { version: "4.17.15", fixed: ["4.17.19"] }),
    sastFinding(1, { rule: "sqli", file: "src/orders.ts", line: 12 }),
    sastFinding(2, { rule: "sqli", file: "src/orders.ts", line: 40 }),
    sastFinding(3, { rule: "xss", file: "src/view.ts", line: 7, cwe: "CWE-79" }),
  ];
}

describe.skipIf(!contracts)("two-way Jira on the local stack", () => {
  let jira: JiraStandin;
  beforeAll(async () => {
    await drain();
  });
  afterEach(async () => {
    await jira?.close();
    await drain();
  });
  const standin = async (options: Parameters<typeof startJiraStandin>[0] = {}) => {
    jira = await startJiraStandin({
      contracts,
      users: [alice, bob],
      webhookSecret: stackEnv().jiraWebhookSecret,
      ...options,
    });
    return jira;
  };

  it("creates one ticket per fix; a run with nothing changed reads no item and makes no Jira call", async () => {
    const j = await standin();
    const appId = newApp("steady");
    await scan(appId, portfolio());
    const first = await syncTickets(deps(trackerOf(j)));
    expect(first).toMatchObject({ mode: "changed", groups: 3, created: 3, failed: 0 });
    expect(issuesOf(j, appId)).toHaveLength(3);
    const upgrade = issuesOf(j, appId).find((i) =>
      String(i.fields.summary).includes("Upgrade lodash to 4.17.21"),
    );
    expect(upgrade?.fields.summary).toMatch(/^\[P\d\] Upgrade lodash to 4\.17\.21 \(closes 2 findings\)$/);
    expect(j.violations).toEqual([]);

    const before = j.requests.length;
    const { db, meter } = meteredTable();
    meter.reset();
    const idle = await syncTickets(deps(trackerOf(j), db));
    expect(idle).toMatchObject({ groups: 0, created: 0, updated: 0, closed: 0, changes: 0 });
    expect(j.requests.length - before).toBe(0);
    // one read of the rules the tickets were grouped under (unchanged: no regroup) and one query of
    // the sparse TICKETS#SYNC index, which is empty: no finding, no ticket record read
    expect(meter.calls).toBe(2);

    // the same with the scan repeated unchanged: correlate records no change, so sync reads nothing
    await scan(appId, portfolio());
    meter.reset();
    await syncTickets(deps(trackerOf(j), db));
    expect(meter.calls).toBe(2);
    expect(j.requests.length - before).toBe(0);
  });

  it("a re-scan that fixes one group touches only that ticket, reading only that group", async () => {
    const j = await standin();
    const appId = newApp("one-group");
    await scan(appId, portfolio());
    await syncTickets(deps(trackerOf(j)));
    const xss = issuesOf(j, appId).find((i) => String(i.fields.summary).includes("view.ts"));
    expect(xss).toBeDefined();

    const before = j.requests.length;
    await scan(
      appId,
      portfolio().filter((f) => f.rule.id !== "xss"),
    );
    const { db, meter } = meteredTable();
    meter.reset();
    const run = await syncTickets(deps(trackerOf(j), db));
    expect(run).toMatchObject({ groups: 1, closed: 1, updated: 1, created: 0 });
    const calls = j.requests.slice(before);
    expect(calls.every((r) => r.path.includes(`/issue/${xss?.key}`))).toBe(true);
    expect(j.issues.get(xss?.key ?? "")?.status).toBe("Done");
    // index query, the changed finding, its ticket record, the save, the change's deletion
    expect(meter.calls).toBeLessThanOrEqual(6);
    expect(j.violations).toEqual([]);
  });

  it("no duplicates under faults: a create answered after the client's timeout, a 500, a 429 storm", async () => {
    const j = await standin();
    const appId = newApp("faults");
    await scan(appId, portfolio());
    const tracker = trackerOf(j, { timeoutMs: 300 });

    // a storm: every request throttled, longer than the retries last
    j.failAlways({ status: 429, headers: { "retry-after": "1" } });
    const stormy = await syncTickets(deps(tracker));
    expect(stormy).toMatchObject({ groups: 3, created: 0, failed: 3 });
    expect(stormy.firstError).toMatch(/answered 429/);
    expect(j.issues.size).toBe(0);
    const pending = await listTicketsOfApp(tableRef(), appId);
    expect(pending.every((t) => t.lastError && t.failures === 1)).toBe(true);
    j.failAlways(undefined);

    // then: the first create reaches Jira but its answer comes too late; the second answers 500
    // (and did not land); a few throttles in between
    j.answerLate({ method: "POST", pathPrefix: "/rest/api/3/issue" }, 1200);
    j.failNext(
      { status: 429, headers: { "retry-after": "1" }, match: { pathPrefix: "/rest/api/3/search" } },
      { status: 429, headers: { "retry-after": "1" } },
    );
    const faulty = await syncTickets(deps(tracker));
    expect(faulty.failed).toBe(0);
    expect(faulty.created).toBe(3);
    await new Promise((r) => setTimeout(r, 1300)); // the late answer lands
    j.failNext({ status: 500, match: { method: "POST", pathPrefix: "/rest/api/3/issue" } });
    await scan(appId, [
      ...portfolio(),
      sastFinding(9, { rule: "ssrf", file: "src/fetch.ts", line: 3, cwe: "CWE-918" }),
    ]);
    const uncertain = await syncTickets(deps(tracker));
    expect(uncertain).toMatchObject({ created: 0, failed: 1 });
    expect(uncertain.firstError).toMatch(/left to the next run/);
    const recovered = await syncTickets(deps(tracker));
    expect(recovered).toMatchObject({ created: 1, failed: 0 });

    const issues = issuesOf(j, appId);
    expect(issues).toHaveLength(4);
    const labels = issues.map((i) =>
      (i.fields.labels as string[]).find((l) => /^aspm-[0-9a-f]{16}$/.test(l)),
    );
    expect(new Set(labels).size).toBe(4);
    // every group's record points at its one issue
    for (const record of await listTicketsOfApp(tableRef(), appId)) {
      expect(record.lastError).toBeUndefined();
      expect(jira.issues.get(record.ticketKey ?? "")?.fields.labels).toContain(groupLabel(record.groupId));
    }
    expect(j.violations).toEqual([]);
  });

  it("rejected credentials stop the run with an error instead of failing quietly every 15 minutes", async () => {
    const j = await standin();
    const appId = newApp("auth");
    await scan(appId, portfolio());
    const wrong = jiraTracker({
      baseUrl: j.baseUrl,
      credentials: async () => ({ email: j.email, apiToken: "revoked" }),
    });
    await expect(syncTickets(deps(wrong))).rejects.toBeInstanceOf(TrackerAuthError);
    expect(j.requests.map((r) => r.status)).toEqual([401]);
    const records = await listTicketsOfApp(tableRef(), appId);
    expect(records.some((r) => r.lastError?.includes("401"))).toBe(true);
    // the work is kept: with the right token the next run does it
    expect(await syncTickets(deps(trackerOf(j)))).toMatchObject({ created: 3, failed: 0 });
  });

  it("a ticket record from before member ids were kept makes its app regroup in full, once", async () => {
    const j = await standin();
    const appId = newApp("legacy");
    await scan(appId, portfolio());
    await syncTickets(deps(trackerOf(j)));
    const sqli = (await listTicketsOfApp(tableRef(), appId)).find((r) => r.title.includes("orders.ts"));
    if (!sqli) throw new Error("no record");
    await tableRef().client.send(
      new UpdateCommand({
        TableName: tableRef().tableName,
        Key: keys.ticketGroup(appId, sqli.groupId),
        UpdateExpression: "REMOVE memberIds",
      }),
    );
    // one of the two SQL injections changes: alone, it would look like a one-finding group
    await scan(
      appId,
      portfolio().map((f) => (f.title === "Problem 1" ? { ...f, severity: "critical" } : f)),
    );
    await syncTickets(deps(trackerOf(j)));
    const issue = j.issues.get(sqli.ticketKey ?? "");
    expect(JSON.stringify(issue?.fields.description)).toContain("Closes 2 findings");
    const healed = (await listTicketsOfApp(tableRef(), appId)).find((r) => r.groupId === sqli.groupId);
    expect(healed?.memberIds).toHaveLength(2);
  });

  it("regrouping (DAST per rule): the old per-endpoint tickets close, naming the ticket that took their findings", async () => {
    const j = await standin();
    const appId = newApp("dast");
    const dast = (n: number, url: string) => ({
      ...sastFinding(n, { tool: "zap", rule: "10038" }),
      category: "dast" as const,
      title: "Content Security Policy (CSP) Header Not Set",
      location: { url, method: "GET" },
    });
    await scan(appId, [dast(1, "https://shop.example/login"), dast(2, "https://shop.example/cart")]);
    const ids = (await findingsOf(appId)).map((f) => f.findingId).sort();
    expect(ids).toHaveLength(2);
    // as the previous grouping left things: one ticket per endpoint, synced under other rules
    const tracker = trackerOf(j);
    const old: string[] = [];
    for (const [i, id] of ids.entries()) {
      const groupId = `00000000000000${i}${i}`;
      const key = await tracker.create({
        project: "SEC",
        summary: `[P3] CSP header not set on endpoint ${i}`,
        description: adf.doc(adf.paragraph("old grouping")),
        labels: [groupLabel(groupId), "aspm", `aspm-app-${appId}`],
        priority: "Medium",
      });
      old.push(key);
      await saveSyncedTicket(
        tableRef(),
        {
          groupId,
          appId,
          ticketKey: key,
          desiredHash: "old",
          pushedHash: "old",
          status: "open",
          pushedStatus: "open",
          title: "old",
          priority: "P3",
          members: 1,
          memberIds: [id],
          updatedAt: new Date().toISOString(),
        },
        {},
      );
    }
    await saveTicketRules(tableRef(), "grouping:1;min:medium", new Date().toISOString());

    const result = await syncTickets(deps(tracker));
    expect(result.mode).toBe("full");
    const records = await listTicketsOfApp(tableRef(), appId);
    const grouped = records.find((r) => r.memberIds.length === 2);
    expect(grouped?.title).toBe("Content Security Policy (CSP) Header Not Set on 2 endpoints");
    const newKey = grouped?.ticketKey ?? "";
    expect(j.issues.get(newKey)?.status).toBe("To Do");
    for (const key of old) {
      const issue = j.issues.get(key);
      expect(issue?.status).toBe("Done");
      expect(JSON.stringify(issue?.comments)).toContain(`now tracked in ${newKey}`);
    }
    // and the next run is an ordinary one again
    expect((await syncTickets(deps(tracker))).mode).toBe("changed");
    expect(j.violations).toEqual([]);
  });

  it("the ticket policy: a low group gets no ticket by default, and its ticket from a laxer policy closes with a note", async () => {
    const j = await standin();
    const appId = newApp("policy");
    await scan(appId, [
      sastFinding(1, { rule: "weak-hash", file: "src/a.ts", severity: "low" }),
      sastFinding(2, { rule: "sqli", file: "src/b.ts", severity: "high" }),
    ]);
    const tracker = trackerOf(j);
    const everything = await syncTickets({ ...deps(tracker), policy: { minSeverity: "info" } });
    expect(everything.mode).toBe("full");
    expect(issuesOf(j, appId)).toHaveLength(2);
    const low = issuesOf(j, appId).find((i) => String(i.fields.summary).includes("src/a.ts"));

    const byDefault = await syncTickets(deps(tracker));
    expect(byDefault.mode).toBe("full");
    expect(byDefault.heldBack).toBeGreaterThanOrEqual(1);
    expect(low?.status).toBe("Done");
    expect(JSON.stringify(low?.comments)).toContain("below the ticket policy's minimum severity (medium)");
    const high = issuesOf(j, appId).find((i) => String(i.fields.summary).includes("src/b.ts"));
    expect(high?.status).toBe("To Do");

    // a new app's low finding never reaches the tracker
    const other = newApp("policy-new");
    await scan(other, [sastFinding(3, { rule: "weak-hash", file: "src/c.ts", severity: "low" })]);
    await syncTickets(deps(tracker));
    expect(issuesOf(j, other)).toHaveLength(0);
    expect(j.violations).toEqual([]);
  });

  it("outbox keys never reach Jira: a real tracker re-resolves them by label", async () => {
    const j = await standin();
    const appId = newApp("outbox");
    const dir = mkdtempSync(join(tmpdir(), "aspm-outbox-"));
    try {
      await scan(appId, portfolio());
      await syncTickets(deps(outboxTracker(dir)));
      const records = await listTicketsOfApp(tableRef(), appId);
      expect(records.every((r) => r.ticketKey?.startsWith("outbox:"))).toBe(true);

      // Jira is configured; a rescan changes one group, and a full sync picks up the rest
      await scan(
        appId,
        portfolio().filter((f) => f.rule.id !== "xss"),
      );
      await syncTickets(deps(trackerOf(j)), { full: true });
      expect(j.requests.some((r) => r.path.includes("outbox"))).toBe(false);
      const after = await listTicketsOfApp(tableRef(), appId);
      expect(after.filter((r) => r.status === "open").every((r) => /^SEC-\d+$/.test(r.ticketKey ?? ""))).toBe(
        true,
      );
      expect(issuesOf(j, appId)).toHaveLength(2); // the fixed group needs no Jira ticket
      // and a full run right after has nothing to do
      const before = j.requests.length;
      expect(await syncTickets(deps(trackerOf(j)), { full: true })).toMatchObject({ created: 0, updated: 0 });
      expect(j.requests.length).toBe(before);
      expect(j.violations).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe("people's changes through the webhook", () => {
    async function ticketed(name: string) {
      const j = await standin();
      const appId = newApp(name);
      await scan(appId, portfolio());
      await syncTickets(deps(trackerOf(j)));
      const sqli = issuesOf(j, appId).find((i) => String(i.fields.summary).includes("orders.ts"));
      if (!sqli) throw new Error("no SQL injection ticket");
      return { j, appId, key: sqli.key };
    }

    it("verifies the HMAC signature, needs no bearer token, and applies a delivery once", async () => {
      const { j, key } = await ticketed("signature");
      const delivery = j.personAssigns(key, alice, bob);
      const forged = { ...delivery.headers, "x-hub-signature": `sha256=${"0".repeat(64)}` };
      expect((await postWebhook(delivery, forged)).status).toBe(401);
      const { "x-hub-signature": _, ...unsigned } = delivery.headers;
      expect((await postWebhook(delivery, unsigned)).status).toBe(401);
      // the API token is not a way in either
      expect(
        (await postWebhook(delivery, { ...unsigned, authorization: `Bearer ${stackEnv().apiToken}` })).status,
      ).toBe(401);
      const tampered = { ...delivery, body: delivery.body.replace("acc-bob", "acc-eve") };
      expect((await postWebhook(tampered, delivery.headers)).status).toBe(401);

      const first = await postWebhook(delivery);
      expect(first).toMatchObject({ status: 200, body: { outcome: "applied", actions: ["owner-override"] } });
      const again = await postWebhook(delivery);
      expect(again).toMatchObject({ status: 200, body: { outcome: "duplicate" } });
    });

    it("reassigned: the findings get an owner override that later scans keep", async () => {
      const { j, appId, key } = await ticketed("reassign");
      expect((await postWebhook(j.personAssigns(key, alice, bob))).status).toBe(200);
      const moved = (await findingsOf(appId)).filter((f) => f.rule.id === "sqli");
      expect(moved.map((f) => f.team)).toEqual(["bob@acme.example", "bob@acme.example"]);
      const first = moved[0];
      if (!first) throw new Error("no finding");
      expect((await findingHistory(tableRef(), first)).at(-1)).toMatchObject({
        action: "owner-changed",
        actor: "alice@acme.example",
        to: "bob@acme.example",
      });
      const bobs = await listOpenFindingsOfTeam(tableRef(), "bob@acme.example", 50);
      expect(bobs.findings.filter((f) => f.appId === appId)).toHaveLength(2);
      // a re-scan that changes them does not undo a person's decision
      await scan(
        appId,
        portfolio().map((f) => (f.rule.id === "sqli" ? { ...f, severity: "critical" } : f)),
      );
      expect((await findingsOf(appId)).filter((f) => f.rule.id === "sqli").map((f) => f.team)).toEqual([
        "bob@acme.example",
        "bob@acme.example",
      ]);
    });

    it("Won't Do: a risk acceptance request someone else must approve; approved, the ticket stays closed", async () => {
      const { j, appId, key } = await ticketed("wontdo");
      const response = await postWebhook(j.personResolves(key, alice, "Won't Do"));
      expect(response.body).toMatchObject({ outcome: "applied", actions: ["risk-acceptance-requested"] });
      const exceptionId = String(response.body.exceptionId);
      const stored = await getException(tableRef(), exceptionId);
      expect(stored?.exception).toMatchObject({
        state: "requested",
        requester: "alice@acme.example",
        scope: { kind: "findings", appId, ticket: key },
      });
      expect(stored?.exception.scope.kind === "findings" && stored.exception.scope.findingIds).toHaveLength(
        2,
      );

      // while it waits for a decision, sync leaves the ticket as Alice left it
      const before = j.requests.length;
      expect(await syncTickets(deps(trackerOf(j)))).toMatchObject({ waiting: 1, reopened: 0 });
      expect(j.requests.length).toBe(before);

      await expect(approve({ db: tableRef() }, exceptionId, "alice@acme.example")).rejects.toThrow(
        /someone else/,
      );
      await approve({ db: tableRef() }, exceptionId, "bob@acme.example");
      const done = await syncTickets(deps(trackerOf(j)));
      expect(done).toMatchObject({ reopened: 0, closed: 0 });
      expect(j.issues.get(key)?.status).toBe("Won't Do");
      const record = (await listTicketsOfApp(tableRef(), appId)).find((r) => r.ticketKey === key);
      expect(record).toMatchObject({ status: "done", pushedStatus: "done" });
      expect(record?.human).toBeUndefined();
      expect(j.violations).toEqual([]);
    });

    it("Done while still seen: reopened at the next scan, with a comment saying where", async () => {
      const { j, appId, key } = await ticketed("done-seen");
      expect((await postWebhook(j.personResolves(key, alice, "Done"))).body).toMatchObject({
        actions: ["closed-by-person"],
      });
      const before = j.requests.length;
      // no scan since: nothing to say yet, and no Jira call
      expect(await syncTickets(deps(trackerOf(j)))).toMatchObject({ waiting: 1, reopened: 0 });
      expect(j.requests.length).toBe(before);

      await scan(appId, portfolio()); // unchanged: the findings are still there
      expect(await syncTickets(deps(trackerOf(j)))).toMatchObject({ reopened: 1 });
      const issue = j.issues.get(key);
      expect(issue?.status).toBe("To Do");
      const comment = JSON.stringify(issue?.comments.at(-1));
      expect(comment).toContain("alice@acme.example closed this ticket as Done");
      expect(comment).toContain("src/orders.ts:12");
      // (the staged scan is one scope, named after its first finding's tool)
      expect(comment).toContain("seen by trivy (repo, branch main) in scan");
      expect(j.violations).toEqual([]);
    });

    it("Done, and the next scan agrees: nothing to reopen", async () => {
      const { j, appId, key } = await ticketed("done-fixed");
      await postWebhook(j.personResolves(key, alice, "Done"));
      await scan(
        appId,
        portfolio().filter((f) => f.rule.id !== "sqli"),
      );
      expect(await syncTickets(deps(trackerOf(j)))).toMatchObject({ reopened: 0, closed: 0 });
      expect(j.issues.get(key)?.status).toBe("Done");
      const record = (await listTicketsOfApp(tableRef(), appId)).find((r) => r.ticketKey === key);
      expect(record).toMatchObject({ status: "done", pushedStatus: "done" });
      expect(record?.human).toBeUndefined();
    });

    it("deleted: recreated at the next sync with a comment naming the deleted ticket", async () => {
      const { j, appId, key } = await ticketed("deleted");
      expect((await postWebhook(j.personDeletes(key, alice))).body).toMatchObject({ actions: ["deleted"] });
      expect(await syncTickets(deps(trackerOf(j)))).toMatchObject({ created: 1, recreated: 1 });
      const record = (await listTicketsOfApp(tableRef(), appId)).find((r) => r.title.includes("orders.ts"));
      expect(record?.ticketKey).not.toBe(key);
      const recreated = j.issues.get(record?.ticketKey ?? "");
      expect(JSON.stringify(recreated?.comments)).toContain(
        `previous ticket ${key} for this fix was deleted`,
      );
      expect(record?.human).toBeUndefined();
      expect(j.violations).toEqual([]);
    });

    it("deleted without a webhook: the 404 of the next update recreates it in the same run", async () => {
      const { j, appId, key } = await ticketed("deleted-quietly");
      j.issues.delete(key);
      // a third occurrence: the ticket's content changes, and its update answers 404
      await scan(appId, [...portfolio(), sastFinding(4, { rule: "sqli", file: "src/orders.ts", line: 77 })]);
      expect(await syncTickets(deps(trackerOf(j)))).toMatchObject({ created: 1, recreated: 1, failed: 0 });
      expect(issuesOf(j, appId)).toHaveLength(3);
    });
  });
});
