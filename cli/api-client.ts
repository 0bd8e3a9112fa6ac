import { openAsBlob } from "node:fs";
import { basename } from "node:path";
import type { z } from "zod";
import { CatalogPushed, UploadCreated } from "#shared/api-contract";
import { catalogDocuments } from "#shared/domain/catalog-yaml";
import { Scan } from "#shared/domain/scan";

/** The HTTP API as the CLI and CI see it. */
export interface ApiTarget {
  url: string;
  token: string;
}

/** A failed call, in one line that names the method and URL. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

function endpoint(api: ApiTarget, path: string): string {
  return `${api.url.replace(/\/+$/, "")}${path}`;
}

function reasonOf(text: string): string {
  try {
    const body: unknown = JSON.parse(text);
    if (body && typeof body === "object" && "error" in body && typeof body.error === "string") {
      const details = "details" in body && Array.isArray(body.details) ? body.details : [];
      const first = details[0] as { path?: unknown; message?: unknown } | undefined;
      return first
        ? `${body.error}: ${String(first.path ?? "")} ${String(first.message ?? "")}`.trim()
        : body.error;
    }
  } catch {
    // not JSON: the text itself
  }
  return text.slice(0, 200);
}

function networkReason(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : undefined;
  const code = cause && "code" in cause ? String(cause.code) : undefined;
  return code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}

export async function call<S extends z.ZodType>(
  api: ApiTarget,
  method: string,
  path: string,
  schema: S,
  body?: unknown,
): Promise<z.output<S>> {
  const url = endpoint(api, path);
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: {
        authorization: `Bearer ${api.token}`,
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch (error) {
    throw new ApiError(`cannot reach ${url}: ${networkReason(error)}`);
  }
  const text = await response.text();
  if (!response.ok)
    throw new ApiError(`${method} ${url} answered ${response.status}: ${reasonOf(text)}`, response.status);
  let value: unknown;
  try {
    value = text ? JSON.parse(text) : undefined;
  } catch {
    throw new ApiError(`${method} ${url} answered ${response.status} with a body that is not JSON`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success)
    throw new ApiError(`${method} ${url} answered with an unexpected body (a different API version?)`);
  return parsed.data;
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
  /** The repository's CODEOWNERS file (its text), so findings get their path's owners. */
  codeowners?: string;
}

/** A file blob whose stream reports bytes as the request body is sent. */
function withProgress(blob: Blob, onBytes: (sent: number, total: number) => void): Blob {
  const total = blob.size;
  class Counted extends Blob {
    override stream(): ReadableStream<Uint8Array> {
      let sent = 0;
      return blob.stream().pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            sent += chunk.byteLength;
            onBytes(sent, total);
            controller.enqueue(chunk);
          },
        }),
      );
    }
  }
  return new Counted([blob]);
}

/**
 * Step 1: ask the API for a scan and a presigned POST; step 2: POST the file straight to S3. The
 * file never passes through the API, and nothing waits on processing.
 */
export async function uploadReport(
  api: ApiTarget,
  file: string,
  options: UploadOptions,
  onProgress?: (sent: number, total: number) => void,
): Promise<string> {
  return (await uploadScan(api, file, options, onProgress)).scanId;
}

/** The upload, with what the API understood of a CODEOWNERS file sent along. */
export async function uploadScan(
  api: ApiTarget,
  file: string,
  options: UploadOptions,
  onProgress?: (sent: number, total: number) => void,
): Promise<{
  scanId: string;
  codeowners?: { rules: number; errors: Array<{ line: number; reason: string }> };
}> {
  const blob = await openAsBlob(file);
  const created = await call(api, "POST", "/v1/uploads", UploadCreated, options);
  if (blob.size > created.upload.maxBytes)
    throw new ApiError(
      `${file} is ${blob.size} bytes, above the ${created.upload.maxBytes} byte upload limit`,
    );
  const form = new FormData();
  for (const [k, v] of Object.entries(created.upload.fields)) form.append(k, v);
  form.append("file", onProgress ? withProgress(blob, onProgress) : blob, basename(file));
  let response: Response;
  try {
    response = await fetch(created.upload.url, { method: "POST", body: form });
  } catch (error) {
    throw new ApiError(`cannot reach ${created.upload.url}: ${networkReason(error)}`);
  }
  if (!response.ok)
    throw new ApiError(
      `upload to ${created.upload.url} failed with ${response.status}: ${(await response.text()).slice(0, 200)}`,
    );
  return { scanId: created.scanId, ...(created.codeowners ? { codeowners: created.codeowners } : {}) };
}

/** PUT /v1/catalog with the YAML's documents as JSON (a malformed file throws CatalogError before any call). */
export async function pushCatalog(
  api: ApiTarget,
  yamlText: string,
  source?: string,
): Promise<z.output<typeof CatalogPushed>> {
  const documents = catalogDocuments(yamlText);
  return call(api, "PUT", "/v1/catalog", CatalogPushed, { documents, ...(source ? { source } : {}) });
}

export async function getScanStatus(api: ApiTarget, scanId: string): Promise<Scan> {
  return call(api, "GET", `/v1/scans/${encodeURIComponent(scanId)}`, Scan);
}

/** Polls until the scan is processed or failed, reporting each status change and each poll. */
export async function waitForScan(
  api: ApiTarget,
  scanId: string,
  onStatus: (scan: Scan) => void,
  timeoutMs = 15 * 60_000,
  onPoll?: (scan: Scan, elapsedMs: number) => void,
): Promise<Scan> {
  const started = Date.now();
  const deadline = started + timeoutMs;
  let last = "";
  let delay = 200;
  for (;;) {
    const scan = await getScanStatus(api, scanId);
    if (scan.status !== last) {
      last = scan.status;
      onStatus(scan);
    }
    onPoll?.(scan, Date.now() - started);
    if (scan.status === "processed" || scan.status === "failed") return scan;
    if (Date.now() > deadline)
      throw new ApiError(`scan ${scanId} is still ${scan.status} after ${Math.round(timeoutMs / 1000)}s`);
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(2000, delay * 1.5);
  }
}
