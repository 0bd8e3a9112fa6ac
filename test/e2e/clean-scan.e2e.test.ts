import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type UploadOptions, uploadReport, waitForScan } from "#cli/api-client";
import { localContext } from "#cli/local/queue-poller";
import type { Scan } from "#shared/domain/scan";
import { findingHistory } from "#shared/store/audit-store";
import { REPO_ROOT } from "#test/support/corpus";
import { stackEnv, tableRef } from "#test/support/stack-deps";

/**
 * A clean scan closes findings: a report with zero findings, uploaded with its format declared,
 * resolves the scope's open findings as a scan that fixed them one by one would, and ticket-sync
 * then closes their tickets. Through the real pipeline: API → S3 → normalize → correlate → jobs.
 */

const FIXTURES = join(REPO_ROOT, "test/fixtures/parsers");
const api = () => ({ url: stackEnv().apiUrl, token: stackEnv().apiToken });

interface ApiFinding {
  findingId: string;
  appId: string;
  firstSeenAt: string;
  openedBy?: { scanId: string; tool: string };
  rule: { id: string };
  status: string;
  resolvedAt?: string;
}

async function findingsOf(appId: string): Promise<ApiFinding[]> {
  const response = await fetch(`${stackEnv().apiUrl}/v1/apps/${appId}/findings`, {
    headers: { authorization: `Bearer ${stackEnv().apiToken}` },
  });
  return ((await response.json()) as { findings: ApiFinding[] }).findings;
}

/** A report file under the stack's scratch folder. */
function scratchFile(name: string, content: string | Buffer): string {
  const dir = join(stackEnv().outboxDir, "..", "clean-scan");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, name);
  writeFileSync(file, content);
  return file;
}

async function scan(file: string, options: UploadOptions): Promise<Scan> {
  return waitForScan(api(), await uploadReport(api(), file, options), () => undefined, 60_000);
}

async function ticketSync(): Promise<void> {
  const event = { source: "aws.scheduler", "detail-type": "Scheduled Event", detail: {} };
  await (await import("#functions/ticket-sync/handler")).handler(event, localContext("ticket-sync"));
}

/** The outbox tickets of one app: key → done, from the create requests and the label index. */
function ticketsOf(appId: string): Map<string, boolean> {
  const dir = join(stackEnv().outboxDir, "jira");
  const keys = readdirSync(dir)
    .filter((f) => f.includes("-create-"))
    .map((f) => JSON.parse(readFileSync(join(dir, f), "utf8")) as { body: { fields: { labels: string[] } } })
    .filter((r) => r.body.fields.labels.includes(`aspm-app-${appId}`))
    .map((r) => r.body.fields.labels[0] ?? "");
  const index = JSON.parse(readFileSync(join(dir, "index.json"), "utf8")) as Record<
    string,
    { key: string; done: boolean }
  >;
  return new Map(keys.map((label) => [index[label]?.key ?? label, index[label]?.done ?? false]));
}

/** What a resolved finding looks like, with its audit trail, without its ids and times. */
async function resolvedShape(f: ApiFinding) {
  const history = await findingHistory(tableRef(), f);
  return {
    status: f.status,
    resolved: f.resolvedAt !== undefined,
    trail: history.map((e) => `${e.action}:${e.from ?? ""}>${e.to ?? ""}:${e.actor}`),
    resolvedByAScan: history.at(-1)?.scanId !== undefined,
  };
}

describe("a clean scan closes findings", () => {
  it("a gitleaks `[]` with --format resolves every open finding of the scope and ticket-sync closes the tickets", async () => {
    const appId = `e2e-clean-${Date.now().toString(36)}`;
    const options = { app: appId, branch: "main", format: "gitleaks-json" };
    const first = await scan(join(FIXTURES, "gitleaks-json/unredacted.json"), options);
    expect(first).toMatchObject({ status: "processed", format: "gitleaks-json", counts: { new: 3 } });
    expect((await findingsOf(appId)).map((f) => f.status)).toEqual(["open", "open", "open"]);
    await ticketSync();
    const opened = ticketsOf(appId);
    expect(opened.size).toBeGreaterThan(0);
    expect([...opened.values()].every((done) => !done)).toBe(true);

    const clean = await scan(scratchFile("gitleaks-clean.json", "[]\n"), options);
    expect(clean).toMatchObject({ status: "processed", format: "gitleaks-json", tool: { name: "gitleaks" } });
    expect(clean.scopeId).toBe(first.scopeId);
    expect(clean.counts).toMatchObject({ observations: 0, new: 0, resolved: 3 });
    const after = await findingsOf(appId);
    expect(after.map((f) => f.status)).toEqual(["resolved", "resolved", "resolved"]);

    await ticketSync();
    const closed = ticketsOf(appId);
    expect([...closed.keys()].sort()).toEqual([...opened.keys()].sort());
    expect([...closed.values()].every((done) => done)).toBe(true);
    const files = readdirSync(join(stackEnv().outboxDir, "jira"));
    // the outbox names its files by the key with anything but [A-Za-z0-9_-] as `_`
    const fileKey = (key: string) => key.replace(/[^A-Za-z0-9_-]/g, "_");
    for (const key of closed.keys())
      expect(files.some((f) => f.endsWith(`-done-${fileKey(key)}.json`))).toBe(true);
  });

  it("resolves findings exactly as a scan that fixed them one at a time does", async () => {
    const stamp = Date.now().toString(36);
    const report = JSON.parse(
      readFileSync(join(FIXTURES, "gitleaks-json/unredacted.json"), "utf8"),
    ) as unknown[];
    const full = scratchFile("gitleaks-full.json", JSON.stringify(report));

    // one app fixes its leaks one scan at a time: 3 → 2 → 1 (the last one stays open)
    const stepwise = { app: `e2e-steps-${stamp}`, branch: "main", format: "gitleaks-json" };
    await scan(full, stepwise);
    await scan(scratchFile("gitleaks-two.json", JSON.stringify(report.slice(1))), stepwise);
    await scan(scratchFile("gitleaks-one.json", JSON.stringify(report.slice(2))), stepwise);
    const fixedOneByOne = (await findingsOf(stepwise.app)).filter((f) => f.status === "resolved");
    expect(fixedOneByOne).toHaveLength(2);

    // the other fixes all three and uploads gitleaks 8's `null`
    const atOnce = { app: `e2e-atonce-${stamp}`, branch: "main", format: "gitleaks-json" };
    await scan(full, atOnce);
    expect(await scan(scratchFile("gitleaks-null.json", "null"), atOnce)).toMatchObject({
      status: "processed",
      counts: { resolved: 3 },
    });
    const fixedAtOnce = await findingsOf(atOnce.app);
    expect(fixedAtOnce).toHaveLength(3);
    const expected = await resolvedShape(fixedOneByOne[0] as ApiFinding);
    expect(expected).toMatchObject({ status: "resolved", resolved: true, resolvedByAScan: true });
    expect(expected.trail.at(-1)).toMatch(/^resolved:open>resolved:/);
    for (const finding of [...fixedOneByOne, ...fixedAtOnce]) {
      expect(await resolvedShape(finding)).toEqual(expected);
    }
  });

  it("the presigned upload policy admits an empty file (real S3 enforces it; the local stand-in does not)", async () => {
    const response = await fetch(`${stackEnv().apiUrl}/v1/uploads`, {
      method: "POST",
      headers: { authorization: `Bearer ${stackEnv().apiToken}`, "content-type": "application/json" },
      body: JSON.stringify({ app: `e2e-policy-${Date.now().toString(36)}`, format: "nuclei-json" }),
    });
    const { upload } = (await response.json()) as {
      upload: { fields: Record<string, string>; maxBytes: number };
    };
    const policy = JSON.parse(Buffer.from(upload.fields.Policy ?? "", "base64").toString("utf8")) as {
      conditions: unknown[];
    };
    expect(policy.conditions).toContainEqual(["content-length-range", 0, upload.maxBytes]);
  });

  it("an empty file resolves a JSON Lines tool's findings, and fails for a tool that always writes a report", async () => {
    const stamp = Date.now().toString(36);
    const nuclei = { app: `e2e-nuclei-${stamp}`, branch: "main", format: "nuclei-json" };
    expect(await scan(join(FIXTURES, "nuclei-json/results-v2.jsonl"), nuclei)).toMatchObject({
      counts: { new: 3 },
    });
    const empty = scratchFile("empty.jsonl", "");
    expect(await scan(empty, nuclei)).toMatchObject({
      status: "processed",
      format: "nuclei-json",
      counts: { observations: 0, resolved: 3 },
    });
    expect((await findingsOf(nuclei.app)).every((f) => f.status === "resolved")).toBe(true);

    // an empty semgrep report means the scan did not finish: failed, nothing resolved
    const semgrep = { app: `e2e-semgrep-${stamp}`, branch: "main", format: "semgrep-json" };
    await scan(join(FIXTURES, "semgrep-json/code-and-ignored.json"), semgrep);
    const failed = await scan(empty, semgrep);
    expect(failed.status).toBe("failed");
    expect(failed.failure?.reason).toMatch(/^semgrep-json: the input is empty, .* the scan did not finish$/);
    expect((await findingsOf(semgrep.app)).every((f) => f.status === "open")).toBe(true);

    // and without --format an empty file is refused
    const undeclared = await scan(empty, { app: `e2e-undeclared-${stamp}`, branch: "main" });
    expect(undeclared.status).toBe("failed");
    expect(undeclared.failure?.reason).toMatch(/^the input is empty; pass --format/);
  });

  it("a clean run that several tools write is refused without --format, and nothing is resolved", async () => {
    const appId = `e2e-ambiguous-${Date.now().toString(36)}`;
    await scan(join(FIXTURES, "gitleaks-json/unredacted.json"), { app: appId, branch: "main" });
    const refused = await scan(scratchFile("ambiguous.json", "[]"), { app: appId, branch: "main" });
    expect(refused.status).toBe("failed");
    expect(refused.failure?.reason).toMatch(
      /^ambiguous input: a JSON array of 0 items is a report .*gitleaks-json/,
    );
    expect((await findingsOf(appId)).every((f) => f.status === "open")).toBe(true);
  });
});
