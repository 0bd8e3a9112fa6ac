import { spawn } from "node:child_process";
import { join } from "node:path";
import { REPO_ROOT } from "./corpus.ts";
import { stackEnv } from "./stack-deps.ts";

export interface AspmRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** The real `aspm` binary against the local stack, as CI runs it (a child process, its exit code and pipes). */
export function runAspm(
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; token?: string } = {},
): Promise<AspmRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, "cli/bin.mjs"), ...args], {
      ...(options.cwd ? { cwd: options.cwd } : {}),
      env: {
        ...process.env,
        ASPM_API_URL: stackEnv().apiUrl,
        ASPM_API_TOKEN: options.token ?? stackEnv().apiToken,
        GITHUB_STEP_SUMMARY: "",
        ...options.env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => err.push(c));
    child.on("error", reject);
    child.on("close", (code) =>
      resolve({
        code: code ?? -1,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err)
          .toString("utf8")
          .replace(/^.*NodeVersionSupportWarning[\s\S]*?trace-warnings.*\n/m, ""),
      }),
    );
  });
}
