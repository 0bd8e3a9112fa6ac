import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import { call, uploadReport, waitForScan } from "#cli/api-client";
import { freePort } from "#cli/local/ports";
import { FindingPage } from "#shared/api-contract";
import type { Priority } from "#shared/domain/risk-policy";
import { bundledKev } from "#shared/intel/bundled";
import { CORPUS_DIR, REPO_ROOT, skipWithoutShared } from "#test/support/corpus";

/**
 * Issue #9: real reports uploaded to `aspm dev`, no context file, no network. The reference
 * portfolio (test/fixtures/reference, one app scanned by six tools) plus the real reports the issue
 * names: Struts with CVE-2017-5638 (Snyk), verified and unverified secrets (TruffleHog on
 * WrongSecrets), private keys and AWS keys (Gitleaks on WebGoat), SQL injection (Semgrep on Juice
 * Shop). `aspm dev` runs as the user starts it, in a child process whose every connection off this
 * machine is refused and reported (test/support/no-network.mjs).
 */

type ApiFinding = z.infer<typeof FindingPage>["findings"][number];

const REFERENCE = resolve(REPO_ROOT, "test/fixtures/reference");
const CORPUS = {
  struts: "snyk-json/snyk-test-sbt-maven-struts.json",
  wrongsecrets: "trufflehog-json/trufflehog-git-owasp-wrongsecrets.jsonl",
  webgoat: "gitleaks-json/gitleaks-86-findings-unredacted.json",
  "juice-shop": "semgrep-json/semgrep-1.154.0-juice-shop-with-errors-and-timing.json",
};
const uploads: Array<{ app: string; file: string }> = [
  ...readdirSync(REFERENCE)
    .sort()
    .map((f) => ({ app: "shop", file: join(REFERENCE, f) })),
  ...Object.entries(CORPUS).map(([app, f]) => ({ app, file: join(CORPUS_DIR, f) })),
];

const skip = skipWithoutShared(
  "priorities of the real portfolio on an offline aspm dev",
  uploads.map((u) => u.file),
);

describe.skipIf(skip)("aspm dev, offline, scores the reference portfolio with the bundled KEV", () => {
  let child: ChildProcess | undefined;
  let stderr = "";
  let api = { url: "", token: "" };
  const cwd = mkdtempSync(join(tmpdir(), "aspm-offline-"));

  beforeAll(async () => {
    const port = await freePort();
    // the child starts clean: none of the shared test stack's endpoints or settings
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !k.startsWith("ASPM_") && !k.startsWith("AWS_")),
    );
    const guard = resolve(REPO_ROOT, "test/support/no-network.mjs");
    child = spawn(
      process.execPath,
      [resolve(REPO_ROOT, "cli/bin.mjs"), "dev", "--memory", "--port", String(port)],
      {
        cwd,
        env: { ...env, NODE_OPTIONS: `${env.NODE_OPTIONS ?? ""} --import ${guard}`.trim() },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    child.stderr?.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    let stdout = "";
    await new Promise<void>((ready, fail) => {
      child?.stdout?.on("data", (d: Buffer) => {
        stdout += d.toString();
        if (stdout.includes("Upload:")) ready();
      });
      child?.once("exit", (code) => fail(new Error(`aspm dev exited ${code}: ${stderr}`)));
    });
    api = {
      url: `http://127.0.0.1:${port}`,
      token: readFileSync(join(cwd, ".aspm", "admin-token"), "utf8").trim(),
    };
  });

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child?.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    }
    rmSync(cwd, { recursive: true, force: true });
  });

  it("loads the bundled KEV at start, and nothing reaches the internet", async () => {
    expect(stderr).toContain("intel: KEV 2026.08.07 (1662 CVEs)");
    expect(stderr).not.toContain("ASPM_NETWORK_BLOCKED");
  });

  it("spreads priorities by evidence: KEV at P2 or better, live secrets P1, the rest by the table", async () => {
    const scans = [];
    for (const u of uploads) scans.push(await uploadReport(api, u.file, { app: u.app, branch: "main" }));
    for (const scanId of scans)
      expect((await waitForScan(api, scanId, () => undefined, 120_000)).status).toBe("processed");

    const findings: ApiFinding[] = [];
    for (const app of new Set(uploads.map((u) => u.app))) {
      const page = await call(api, "GET", `/v1/apps/${app}/findings?status=open&limit=500`, FindingPage);
      expect(page.cursor).toBeUndefined();
      findings.push(...page.findings);
    }
    const priority = (f: ApiFinding): Priority => {
      if (!f.score) throw new Error(`${f.ref} has no score`);
      return f.score.priority;
    };
    const spread: Record<Priority, number> = { P1: 0, P2: 0, P3: 0, P4: 0 };
    for (const f of findings) spread[priority(f)]++;
    // measured: 137 open findings, P1 3, P2 3, P3 73, P4 58
    console.log(`offline portfolio: ${findings.length} findings, ${JSON.stringify(spread)}`);

    // every level is used and none swallows the portfolio (before the fix: 100% P4)
    for (const p of ["P1", "P2", "P3", "P4"] as const) expect(spread[p], p).toBeGreaterThan(0);
    for (const p of ["P1", "P2", "P3", "P4"] as const) expect(spread[p] / findings.length).toBeLessThan(0.6);

    // KEV, looked up independently of the score: the three Struts CVEs, each P2 or better
    const kev = bundledKev().entries;
    const kevListed = findings.filter((f) =>
      [f.cve, f.vulnerability?.id, ...(f.vulnerability?.aliases ?? [])].some((id) => id && kev.has(id)),
    );
    expect(new Set(kevListed.map((f) => f.cve)).size).toBeGreaterThanOrEqual(3);
    expect(kevListed.map((f) => f.cve)).toContain("CVE-2017-5638");
    for (const f of kevListed) expect(["P1", "P2"], f.ref).toContain(priority(f));

    // secrets: live ones P1, the others never P4
    const secrets = findings.filter((f) => f.category === "secret");
    expect(secrets.length).toBeGreaterThan(50);
    const live = secrets.filter((f) => f.secret?.verified === true);
    expect(live.length).toBeGreaterThan(0);
    for (const f of live) expect(priority(f), f.ref).toBe("P1");
    for (const f of secrets) expect(["P1", "P2", "P3"], f.ref).toContain(priority(f));

    // with no exploitation evidence in an unclassified (internal) app, the table says Track: P4
    const rest = findings.filter((f) => f.category !== "secret" && !kevListed.includes(f));
    for (const f of rest) expect(priority(f), f.ref).toBe("P4");
    expect(stderr).not.toContain("ASPM_NETWORK_BLOCKED");
  });
});
