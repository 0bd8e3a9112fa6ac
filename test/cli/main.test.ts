import { mkdtempSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliIo, terminalSafe } from "#cli/io";
import { freePort } from "#cli/local/ports";
import { runCli } from "#cli/main";
import { reportFile } from "#test/support/ingest";

/** The CLI's contract with people and CI: help, usage errors, one-line failures, exit codes. */

function recordingIo() {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (l) => out.push(terminalSafe(l)), err: (l) => err.push(terminalSafe(l)) };
  return { io, out, err };
}

async function cli(...argv: string[]) {
  const r = recordingIo();
  const code = await runCli(r.io, argv);
  return { code, out: r.out, err: r.err };
}

// a stand-in API that records what reaches it and answers 401 to everything
let requests: string[] = [];
let server: Server;
let apiUrl = "";
beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    res.writeHead(401, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: "invalid token" }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const COMMANDS = [
  ["upload"],
  ["status"],
  ["findings"],
  ["triage"],
  ["exceptions"],
  ["exceptions", "request"],
  ["exceptions", "approve"],
  ["exceptions", "reject"],
  ["exceptions", "list"],
  ["exceptions", "show"],
  ["token"],
  ["token", "create"],
  ["token", "list"],
  ["token", "revoke"],
  ["parse"],
  ["formats"],
  ["correlate"],
  ["dev"],
  ["run"],
  ["demo"],
  ["kev-snapshot"],
  ["bench"],
];

describe("aspm --help", () => {
  it.each(COMMANDS)("prints the usage of %s %s, exits 0 and runs nothing", async (...command) => {
    requests = [];
    for (const help of ["--help", "-h"]) {
      // even with other arguments, including ones that would fail or start work
      const r = await cli(...command, help, "--api", apiUrl, "--bogus");
      expect(r.code).toBe(0);
      expect(r.err).toEqual([]);
      expect(r.out[0]).toMatch(new RegExp(`^aspm ${command.join(" ")}\\b`));
    }
    expect(requests).toEqual([]);
  });

  it("prints the overview with every command and the exit codes", async () => {
    const r = await cli("--help");
    expect(r.code).toBe(0);
    for (const [name] of COMMANDS) expect(r.out.join("\n")).toContain(`aspm ${name}`);
    expect(r.out.join("\n")).toContain("3 gate blocked");
  });
});

describe("usage errors: one line, exit 2", () => {
  it.each([
    [["nope"], "aspm: unknown command nope (see aspm --help)"],
    [["upload", "--bogus"], "aspm upload: Unknown option '--bogus' (see aspm upload --help)"],
    [["upload", "a.sarif"], "aspm upload needs FILE and --app APP"],
    [["status"], /^aspm status: missing argument/],
    [["status", "a", "b"], "aspm status: unexpected argument b (see aspm status --help)"],
    [
      ["exceptions", "frobnicate"],
      "aspm exceptions: unknown subcommand frobnicate (see aspm exceptions --help)",
    ],
    [
      ["token", "create", "--subject", "x", "--scope", "root", "--api", "http://127.0.0.1:9"],
      /--scope root is not/,
    ],
    [
      ["triage", "a:0123456789abcdef", "--reason", "x", "--api", "http://127.0.0.1:9", "--token", "t"],
      /say what changes/,
    ],
    [["dev", "--port", "eighty"], "--port eighty is not a port number"],
    // a misspelt measure once ran nothing and passed
    [["bench", "parse-dependency-chek"], /^unknown measure parse-dependency-chek; measures: parse-sarif, /],
  ])("%j", async (argv, message) => {
    const r = await cli(...argv);
    expect(r.code).toBe(2);
    expect(r.out).toEqual([]);
    expect(r.err).toHaveLength(1);
    if (typeof message === "string") expect(r.err[0]).toBe(message);
    else expect(r.err[0]).toMatch(message);
  });
});

describe("uploads are validated before a scan exists", () => {
  it("refuses a missing, empty or unreadable report with exit 2 naming the file, and calls no API", async () => {
    requests = [];
    const empty = reportFile("empty.sarif", "");
    const garbage = reportFile("garbage.json", '{"what": "not a report"}');
    for (const [file, reason] of [
      ["/no/such/report.sarif", "cannot read /no/such/report.sarif: ENOENT"],
      [empty, `${empty} is empty`],
      [garbage, `${garbage}:`],
    ] as const) {
      const r = await cli("upload", file, "--app", "a", "--api", apiUrl, "--token", "t");
      expect(r.code).toBe(2);
      expect(r.err).toHaveLength(1);
      expect(r.err[0]?.startsWith(reason)).toBe(true);
    }
    expect(requests).toEqual([]);
  });
});

describe("runtime failures: one line naming the URL, exit 1, no stack trace", () => {
  it("says which URL refused the token", async () => {
    const r = await cli("status", "01ABCDEFGHJKMNPQRSTV", "--api", apiUrl, "--token", "wrong");
    expect(r.code).toBe(1);
    expect(r.err).toEqual([`GET ${apiUrl}/v1/scans/01ABCDEFGHJKMNPQRSTV answered 401: invalid token`]);
  });

  it("says which URL it could not reach", async () => {
    const port = await freePort();
    const r = await cli(
      "findings",
      "--severity",
      "high",
      "--api",
      `http://127.0.0.1:${port}`,
      "--token",
      "t",
    );
    expect(r.code).toBe(1);
    expect(r.err).toEqual([`cannot reach http://127.0.0.1:${port}/v1/findings?severity=high: ECONNREFUSED`]);
  });

  it("adds the stack trace only with ASPM_DEBUG=1", async () => {
    process.env.ASPM_DEBUG = "1";
    try {
      const r = await cli("findings", "--api", `http://127.0.0.1:${await freePort()}`, "--token", "t");
      expect(r.code).toBe(1);
      expect(r.err.length).toBeGreaterThan(1);
      expect(r.err.slice(1).join("\n")).toMatch(/at .*api-client/);
    } finally {
      delete process.env.ASPM_DEBUG;
    }
  });

  it("needs an API to talk to (exit 2) when none is configured", async () => {
    const saved = { url: process.env.ASPM_API_URL, token: process.env.ASPM_API_TOKEN };
    delete process.env.ASPM_API_URL;
    delete process.env.ASPM_API_TOKEN;
    const cwd = process.cwd();
    process.chdir(mkdtempSync(join(tmpdir(), "aspm-nowhere-")));
    try {
      const r = await cli("findings");
      expect(r.code).toBe(2);
      expect(r.err[0]).toMatch(/^no API: set ASPM_API_URL/);
    } finally {
      process.chdir(cwd);
      if (saved.url) process.env.ASPM_API_URL = saved.url;
      if (saved.token) process.env.ASPM_API_TOKEN = saved.token;
    }
  });
});

describe("terminalSafe", () => {
  it("shows escapes, forged newlines and bidi overrides instead of interpreting them, and never cuts", () => {
    expect(terminalSafe("title\u001b[31mRED\u001b[0m\nFORGED: ok\r\u0007\u009b\u202e")).toBe(
      "title\\u001b[31mRED\\u001b[0m\\u000aFORGED: ok\\u000d\\u0007\\u009b\\u202e",
    );
    expect(terminalSafe("plain ✓ text")).toBe("plain ✓ text");
    expect(terminalSafe("x".repeat(100_000))).toHaveLength(100_000);
  });
});
