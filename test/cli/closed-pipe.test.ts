import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { sarifReport } from "#cli/bench/generate";
import { REPO_ROOT } from "#test/support/corpus";

const dir = mkdtempSync(join(tmpdir(), "aspm-pipe-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("a reader that stops early (`aspm parse … --json | head`)", () => {
  it("ends the command quietly with exit 0, no EPIPE crash and no stack trace", async () => {
    const file = join(dir, "big.sarif");
    // far more JSON than a pipe buffers, so the CLI is still writing when the reader leaves
    writeFileSync(file, sarifReport(0, 3, 5_000));
    const child = spawn(process.execPath, [join(REPO_ROOT, "cli/bin.mjs"), "parse", file, "--json"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString("utf8");
    });
    let read = 0;
    child.stdout.on("data", (c: Buffer) => {
      read += c.length;
      child.stdout.destroy(); // the reader has what it wanted
    });
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(read).toBeGreaterThan(0);
    expect(stderr).not.toMatch(/EPIPE|at .*\(/);
    expect(code).toBe(0);
  });
});
