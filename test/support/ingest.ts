import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { uploadReport, waitForScan } from "#cli/api-client";
import type { Scan } from "#shared/domain/scan";
import { stackEnv } from "./stack-deps.ts";

const dir = mkdtempSync(join(tmpdir(), "aspm-reports-"));
let n = 0;

/** Writes a report to a file and sends it through the real upload path; resolves when processed or failed. */
export async function ingest(
  app: string,
  report: string,
  options: { branch?: string; token?: string; commitTime?: string } = {},
): Promise<Scan> {
  const file = join(dir, `report-${++n}.sarif`);
  writeFileSync(file, report);
  const api = { url: stackEnv().apiUrl, token: options.token ?? stackEnv().apiToken };
  const scanId = await uploadReport(api, file, {
    app,
    branch: options.branch ?? "main",
    commitTime: options.commitTime ?? new Date(Date.now() + n).toISOString(),
  });
  return waitForScan(api, scanId, () => undefined, 60_000);
}

export function reportFile(name: string, content: string): string {
  const file = join(dir, name);
  writeFileSync(file, content);
  return file;
}
