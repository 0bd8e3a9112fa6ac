import {
  type ApiTarget,
  getScanStatus,
  type UploadOptions,
  uploadReport,
  waitForScan,
} from "../api-client.ts";
import { CliError, type CliIo } from "../io.ts";

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
  options: UploadOptions & { api?: string; token?: string; wait?: boolean },
): Promise<void> {
  const api = apiTarget(options);
  const { api: _a, token: _t, wait, ...upload } = options;
  const scanId = await uploadReport(api, file, upload);
  io.out(`uploaded ${file} as scan ${scanId}`);
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
