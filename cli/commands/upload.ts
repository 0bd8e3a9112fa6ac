import { readFileSync } from "node:fs";
import { CODEOWNERS_MAX_BYTES } from "#shared/domain/codeowners";
import { type ApiTarget, getScanStatus, type UploadOptions, uploadScan, waitForScan } from "../api-client.ts";
import { CliError, type CliIo } from "../io.ts";

/** Reads a CODEOWNERS file for upload; a missing or oversized file is a usage error (exit 2). */
function readCodeowners(file: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    throw new CliError(`cannot read CODEOWNERS file ${file}`, 2);
  }
  if (bytes.byteLength > CODEOWNERS_MAX_BYTES)
    throw new CliError(`${file} is over GitHub's 3 MB CODEOWNERS limit`, 2);
  return bytes.toString("utf8");
}

export function apiTarget(options: { api?: string; token?: string }): ApiTarget {
  const url = options.api ?? process.env.ASPM_API_URL;
  const token = options.token ?? process.env.ASPM_API_TOKEN;
  if (!url || !token)
    throw new CliError("set ASPM_API_URL and ASPM_API_TOKEN (or pass --api and --token)", 2);
  return { url, token };
}

/** `aspm upload FILE --app A [--wait]`: presigned upload; with --wait, poll until processed or failed. */
export async function uploadCommand(
  io: CliIo,
  file: string,
  options: UploadOptions & { api?: string; token?: string; wait?: boolean; codeownersFile?: string },
): Promise<void> {
  const api = apiTarget(options);
  const { api: _a, token: _t, wait, codeownersFile, ...upload } = options;
  const codeowners = codeownersFile ? readCodeowners(codeownersFile) : undefined;
  const { scanId, codeowners: understood } = await uploadScan(api, file, {
    ...upload,
    ...(codeowners ? { codeowners } : {}),
  });
  io.out(`uploaded ${file} as scan ${scanId}`);
  if (understood) {
    io.out(
      `  CODEOWNERS: ${understood.rules} rules${understood.errors.length ? `, ${understood.errors.length} lines skipped` : ""}`,
    );
    for (const e of understood.errors.slice(0, 10)) io.err(`  ${codeownersFile}:${e.line}: ${e.reason}`);
  }
  if (!wait) return;
  const scan = await waitForScan(api, scanId, (s) =>
    io.out(`  ${s.status}${s.format ? ` (${s.format}, ${s.tool?.name ?? "?"})` : ""}`),
  );
  if (scan.status === "failed")
    throw new CliError(`scan ${scanId} failed: ${scan.failure?.reason ?? "unknown reason"}`, 1);
  const c = scan.counts;
  if (c)
    io.out(
      `  ${c.observations} observations → ${c.unique} unique: ${c.new} new, ${c.updated} updated, ${c.unchanged} unchanged, ${c.resolved} resolved, ${c.reopened} reopened`,
    );
}

export async function statusCommand(
  io: CliIo,
  scanId: string,
  options: { api?: string; token?: string; json?: boolean },
): Promise<void> {
  const scan = await getScanStatus(apiTarget(options), scanId);
  if (options.json) {
    io.out(JSON.stringify(scan));
    return;
  }
  io.out(
    `scan ${scan.scanId} (${scan.appId}): ${scan.status}${scan.failure ? ` — ${scan.failure.reason}` : ""}`,
  );
  if (scan.counts) io.out(`  ${JSON.stringify(scan.counts)}`);
}
