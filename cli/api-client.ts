import { openAsBlob } from "node:fs";
import { basename } from "node:path";
import { z } from "zod";
import { catalogDocuments } from "#shared/domain/catalog-yaml";
import { Scan } from "#shared/domain/scan";

/** The HTTP API as the CLI and CI see it. */
export interface ApiTarget {
  url: string;
  token: string;
}

const UploadResponse = z.object({
  scanId: z.string(),
  upload: z.object({ url: z.string(), fields: z.record(z.string(), z.string()), maxBytes: z.number() }),
  codeowners: z
    .object({ rules: z.number(), errors: z.array(z.object({ line: z.number(), reason: z.string() })) })
    .optional(),
});
export type UploadResponse = z.infer<typeof UploadResponse>;

export class ApiError extends Error {}

async function call(api: ApiTarget, method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${api.url.replace(/\/+$/, "")}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${api.token}`,
      ...(body ? { "content-type": "application/json" } : {}),
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  if (!response.ok)
    throw new ApiError(`${method} ${path} answered ${response.status}: ${text.slice(0, 500)}`);
  return text ? JSON.parse(text) : undefined;
}

export interface UploadOptions {
  app: string;
  tool?: string;
  format?: string;
  repo?: string;
  branch?: string;
  commit?: string;
  commitTime?: string;
  target?: string;
  /** CODEOWNERS text sent with the scan. */
  codeowners?: string;
}

/**
 * Step 1: ask the API for a scan and a presigned POST; step 2: POST the file straight to S3. The
 * file never passes through the API, and nothing waits on processing.
 */
export async function uploadReport(api: ApiTarget, file: string, options: UploadOptions): Promise<string> {
  return (await uploadScan(api, file, options)).scanId;
}

/** The upload, with what the API understood of a CODEOWNERS file sent along. */
export async function uploadScan(
  api: ApiTarget,
  file: string,
  options: UploadOptions,
): Promise<Pick<UploadResponse, "scanId" | "codeowners">> {
  const created = UploadResponse.parse(await call(api, "POST", "/v1/uploads", options));
  const blob = await openAsBlob(file);
  if (blob.size > created.upload.maxBytes)
    throw new ApiError(
      `${file} is ${blob.size} bytes, above the ${created.upload.maxBytes} byte upload limit`,
    );
  const form = new FormData();
  for (const [k, v] of Object.entries(created.upload.fields)) form.append(k, v);
  form.append("file", blob, basename(file));
  const response = await fetch(created.upload.url, { method: "POST", body: form });
  if (!response.ok)
    throw new ApiError(
      `upload to storage failed with ${response.status}: ${(await response.text()).slice(0, 500)}`,
    );
  return { scanId: created.scanId, ...(created.codeowners ? { codeowners: created.codeowners } : {}) };
}

export async function getScanStatus(api: ApiTarget, scanId: string): Promise<Scan> {
  return Scan.parse(await call(api, "GET", `/v1/scans/${encodeURIComponent(scanId)}`));
}

/** Polls until the scan is processed or failed, reporting each status change. */
export async function waitForScan(
  api: ApiTarget,
  scanId: string,
  onStatus: (scan: Scan) => void,
  timeoutMs = 15 * 60_000,
): Promise<Scan> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  let delay = 200;
  for (;;) {
    const scan = await getScanStatus(api, scanId);
    if (scan.status !== last) {
      last = scan.status;
      onStatus(scan);
    }
    if (scan.status === "processed" || scan.status === "failed") return scan;
    if (Date.now() > deadline)
      throw new ApiError(`scan ${scanId} is still ${scan.status} after ${Math.round(timeoutMs / 1000)}s`);
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(2000, delay * 1.5);
  }
}

export async function apiGet(api: ApiTarget, path: string): Promise<unknown> {
  return call(api, "GET", path);
}

const PushCatalogResponse = z.object({
  source: z.string(),
  format: z.enum(["aspm", "backstage"]),
  components: z.number(),
  systems: z.number(),
  groups: z.number(),
  apps: z.number(),
  classified: z.number(),
  routing: z.boolean(),
  bindings: z.number(),
  warnings: z.array(z.string()),
});
export type PushCatalogResponse = z.infer<typeof PushCatalogResponse>;

/** PUT /v1/catalog with the YAML's documents as JSON (a malformed file throws CatalogError before any call). */
export async function pushCatalog(
  api: ApiTarget,
  yamlText: string,
  source?: string,
): Promise<PushCatalogResponse> {
  const documents = catalogDocuments(yamlText);
  return PushCatalogResponse.parse(
    await call(api, "PUT", "/v1/catalog", { documents, ...(source ? { source } : {}) }),
  );
}
