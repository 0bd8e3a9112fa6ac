import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { uploadReport, waitForScan } from "#cli/api-client";
import { runAspm } from "#test/support/aspm-bin";
import { sarifLog } from "#test/support/sarif";
import { stackEnv } from "#test/support/stack-deps";

/**
 * The real `aspm` binary against the local stack, as CI runs it: exit codes, pipes, terminal-safe
 * output of report content, and the merge gate from a secret on a feature branch to an approved
 * exception.
 */

const work = mkdtempSync(join(tmpdir(), "aspm-cli-"));

function aspm(args: string[], env: Record<string, string> = {}, token = stackEnv().apiToken) {
  return runAspm(args, { cwd: work, env, token });
}

function file(name: string, content: string): string {
  const path = join(work, name);
  writeFileSync(path, content);
  return path;
}

describe("pipes", () => {
  it("delivers all of a large --json output through a pipe (parse and correlate)", async () => {
    const results = Array.from({ length: 1500 }, (_, i) => ({
      rule: `rule-${i % 13}`,
      file: `src/module-${i}.ts`,
      line: i + 1,
      message: `finding number ${i} with enough words to make the output large`,
      snippet: `call(${i})`,
    }));
    const big = file("big.sarif", sarifLog("Semgrep OSS", results));
    for (const args of [
      ["parse", big, "--json"],
      ["correlate", "--app", "pipe-app", big, "--json"],
    ]) {
      const r = await aspm(args);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.length).toBeGreaterThan(256 * 1024);
      const parsed = JSON.parse(r.stdout) as Record<string, unknown>;
      expect(parsed).toBeTypeOf("object");
    }
  });
});

describe("report content on the terminal", () => {
  const ESC = "\u001b";

  it("shows a crafted report's escapes and forged lines as text, in upload and in status", async () => {
    const crafted = file(
      "crafted.json",
      `{"\\u001b[2J\\u001b]0;owned\\u0007\\nscan 1 processed: 0 findings": 1}`,
    );
    const upload = await aspm(["upload", crafted, "--app", "crafted", "--format", "trivy-json", "--wait"]);
    expect(upload.code).toBe(2);
    expect(upload.stderr.trim().split("\n")).toHaveLength(1);
    expect(upload.stderr).not.toContain(ESC);
    expect(upload.stderr).toContain("\\u001b[2J");

    // the same report sent past the CLI's check fails in normalize, with the keys in its reason
    const api = { url: stackEnv().apiUrl, token: stackEnv().apiToken };
    const scanId = await uploadReport(api, crafted, { app: "crafted", format: "trivy-json" });
    const scan = await waitForScan(api, scanId, () => undefined, 60_000);
    expect(scan.status).toBe("failed");
    const status = await aspm(["status", scanId]);
    expect(status.code).toBe(0);
    expect(status.stdout).not.toContain(ESC);
    expect(status.stdout).not.toContain("\u0007");
    const lines = status.stdout.trim().split("\n");
    expect(lines[0]).toBe(`scan ${scanId} of crafted on main: failed`);
    expect(lines.filter((l) => l.includes("scan 1 processed"))).toEqual([
      expect.stringMatching(/^ {2}reason: .*\\u000a/),
    ]);
    const json = await aspm(["status", scanId, "--json"]);
    expect(JSON.parse(json.stdout)).toMatchObject({ scanId, status: "failed" });
  });
});

describe("the merge gate in CI", () => {
  const app = `gate-${Date.now().toString(36)}`;
  const secretReport = sarifLog("gitleaks", [
    {
      rule: "aws-access-token",
      level: "error",
      file: "config/deploy.yml",
      line: 7,
      snippet: "aws_access_key_id: AKIAIOSFODNN7EXAMPLE",
    },
  ]);

  // a dozen real CLI processes, each starting Node and the TypeScript loader: minutes on a busy machine
  it("blocks a feature branch that adds a secret (exit 3), and passes it once an exception is approved", {
    timeout: 400_000,
  }, async () => {
    const admin = stackEnv().apiToken;
    // CI's token may upload for this app only; people's tokens request and approve exceptions
    const ciToken = JSON.parse(
      (
        await aspm([
          "token",
          "create",
          "--subject",
          "ci",
          "--scope",
          `upload:${app}`,
          "--days",
          "1",
          "--json",
        ])
      ).stdout,
    ).token as string;
    const dev = JSON.parse(
      (await aspm(["token", "create", "--subject", "dev@example.com", "--scope", "triage:*", "--json"]))
        .stdout,
    ).token as string;
    const lead = JSON.parse(
      (await aspm(["token", "create", "--subject", "lead@example.com", "--scope", "triage:*", "--json"]))
        .stdout,
    ).token as string;

    const main = await aspm(
      ["upload", file("clean.sarif", sarifLog("gitleaks", [])), "--app", app, "--wait"],
      {},
      ciToken,
    );
    expect(main.code, main.stderr).toBe(0);

    const summary = file("summary.md", "");
    const env = {
      GITHUB_STEP_SUMMARY: summary,
      GITHUB_SERVER_URL: "https://github.example",
      GITHUB_REPOSITORY: "acme/payments",
      GITHUB_SHA: "abc123",
    };
    const pr = file("pr.sarif", secretReport);
    const blocked = await aspm(
      ["upload", pr, "--app", app, "--branch", "feature/deploy", "--gate"],
      env,
      ciToken,
    );
    expect(blocked.code, blocked.stderr).toBe(3);
    expect(blocked.stderr.trim()).toBe("gate blocked: 1 new finding(s) break the policy");
    expect(blocked.stdout).toContain("### ❌ aspm gate: blocked");
    expect(blocked.stdout).toContain("1 new, 0 fixed, 0 excepted");
    expect(blocked.stdout).toContain(
      "[config/deploy.yml:7](https://github.example/acme/payments/blob/abc123/config/deploy.yml#L7)",
    );
    expect(blocked.stdout).toContain("new-secret");
    expect(blocked.stdout).not.toContain("AKIAIOSFODNN7EXAMPLE");
    expect(readFileSync(summary, "utf8")).toContain("#### Blocking (1)");

    const requested = await aspm(
      [
        "exceptions",
        "request",
        "--rule",
        "aws-access-token",
        "--app",
        app,
        "--reason",
        "example key from the AWS docs",
        "--days",
        "30",
        "--json",
      ],
      {},
      dev,
    );
    expect(requested.code, requested.stderr).toBe(0);
    const id = JSON.parse(requested.stdout).id as string;
    const self = await aspm(["exceptions", "approve", id], {}, dev);
    expect(self.code).toBe(1);
    expect(self.stderr).toContain("someone else");
    const approved = await aspm(["exceptions", "approve", id, "--note", "verified"], {}, lead);
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toContain(`${id} active`);

    const passed = await aspm(
      ["upload", pr, "--app", app, "--branch", "feature/deploy", "--gate"],
      env,
      ciToken,
    );
    expect(passed.code, passed.stderr).toBe(0);
    expect(passed.stdout).toContain("### ✅ aspm gate: passed");
    expect(passed.stdout).toContain("0 new, 0 fixed, 1 excepted");
    expect(passed.stdout).toContain(`exception ${id} (example key from the AWS docs)`);

    // a stricter policy file in the repo: a warn-only rule in its grace period does not block
    const since = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    file(
      "aspm-policy.yaml",
      `default:\n  rules:\n    - id: medium-up\n      when: { severity: [medium, high, critical] }\n      mode: block\n      grace: { since: ${since}, days: 14 }\n`,
    );
    const sast = file(
      "sast.sarif",
      sarifLog("Semgrep OSS", [{ rule: "xss", level: "error", file: "web.ts", line: 3 }]),
    );
    const grace = await aspm(["upload", sast, "--app", app, "--branch", "feature/ui", "--gate"], {}, admin);
    expect(grace.code, grace.stderr).toBe(0);
    expect(grace.stdout).toContain("passed with warnings");
    expect(grace.stdout).toContain("medium-up (grace)");

    // the CI token cannot reach another app
    const other = await aspm(["upload", pr, "--app", "someone-else", "--wait"], {}, ciToken);
    expect(other.code).toBe(1);
    expect(other.stderr.trim()).toMatch(
      /^POST http:\/\/127\.0\.0\.1:\d+\/v1\/uploads answered 403: this token may not upload for app someone-else$/,
    );
  });
});
