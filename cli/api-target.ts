import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import type { ApiTarget } from "./api-client.ts";
import { CliError } from "./io.ts";
import { readAdminToken } from "./local/admin-token.ts";

/** Where `aspm dev` leaves its endpoints for the other commands run in the same folder. */
export const LOCAL_DIR = ".aspm";
export const STACK_FILE = join(LOCAL_DIR, "stack.json");

export const StackFile = z.object({
  apiUrl: z.string(),
  env: z.record(z.string(), z.string()),
  pid: z.number(),
  queues: z
    .object({
      normalize: z.string(),
      normalizeDlq: z.string(),
      correlate: z.string(),
      correlateDlq: z.string(),
    })
    .optional(),
});
export type StackFile = z.infer<typeof StackFile>;

export function readStackFile(cwd = process.cwd()): StackFile | undefined {
  try {
    return StackFile.parse(JSON.parse(readFileSync(join(cwd, STACK_FILE), "utf8")));
  } catch {
    return undefined;
  }
}

function isLoopback(url: string): boolean {
  try {
    const host = new URL(url).hostname;
    return host === "127.0.0.1" || host === "localhost" || host === "[::1]";
  } catch {
    return false;
  }
}

/**
 * The API to talk to: `--api`/`--token`, else ASPM_API_URL/ASPM_API_TOKEN, else the `aspm dev`
 * running in this folder with its admin token from `.aspm/admin-token` (loopback URLs only: a
 * local token is never sent elsewhere).
 */
export function apiTarget(options: { api?: string; token?: string }, cwd = process.cwd()): ApiTarget {
  const url = options.api ?? process.env.ASPM_API_URL ?? readStackFile(cwd)?.apiUrl;
  if (!url)
    throw new CliError(
      "no API: set ASPM_API_URL (and ASPM_API_TOKEN), pass --api, or run `aspm dev` here",
      2,
    );
  const token =
    options.token ??
    process.env.ASPM_API_TOKEN ??
    (isLoopback(url) ? readAdminToken(join(cwd, LOCAL_DIR)) : undefined);
  if (!token) throw new CliError(`no token for ${url}: set ASPM_API_TOKEN or pass --token`, 2);
  return { url, token };
}
