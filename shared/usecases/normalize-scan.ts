import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { NormalizedFinding } from "#shared/domain/finding";
import { InventoryBuilder } from "#shared/domain/inventory";
import { printable } from "#shared/domain/printable";
import { retryableAt, type Scan, scopeIdOf } from "#shared/domain/scan";
import type { CorrelateMessage } from "#shared/events";
import { ParseError } from "#shared/parsers/parse-error";
import { parseReportTo, type ReportSummary } from "#shared/parsers/registry";
import {
  type BucketRef,
  GzipJsonArrayWriter,
  getObjectBytes,
  isPreconditionFailed,
  ObjectTooLargeError,
  putGzippedJson,
} from "#shared/store/blob-store";
import { failScan, flagRawOverwrite, getScan, transitionScan } from "#shared/store/scan-store";
import { objectKeys, parseRawKey } from "#shared/store/table";
import type { TableRef } from "#shared/store/table-ref";
import { recordInventory } from "./inventory.ts";

export interface NormalizeDeps {
  db: TableRef;
  bucket: BucketRef;
  sqs: SQSClient;
  correlateQueueUrl: string;
  maxUploadBytes: number;
  /** Findings cap a report (ASPM_MAX_FINDINGS); the parser's default when absent. */
  maxFindings?: number;
  secretSalt: string;
}

export interface UploadedObject {
  bucket: string;
  key: string;
  size?: number;
  /** From the S3 event: which upload this is (the presigned POST can be reused until it expires). */
  etag?: string;
  versionId?: string;
}

export interface NormalizeResult {
  outcome: "normalized" | "failed" | "ignored" | "resent" | "overwrite-flagged";
  scanId?: string;
  reason?: string;
  findings?: number;
}

/**
 * Raw upload → normalized findings (DESIGN §2). Bad input is the user's problem to fix, not the
 * queue's: an unparseable or oversized report marks the scan `failed` with the reason and keeps the
 * raw object, and the message is consumed. Only infrastructure errors throw (and are retried).
 */
export async function normalizeScan(deps: NormalizeDeps, object: UploadedObject): Promise<NormalizeResult> {
  const parts = parseRawKey(object.key);
  if (object.bucket !== deps.bucket.bucketName || !parts) {
    return { outcome: "ignored", reason: `not an upload key: ${object.bucket}/${object.key}` };
  }
  const scan = await getScan(deps.db, parts.scanId);
  // the key is fixed by the server at upload time; a key whose app does not match its scan was not made by us
  if (!scan || scan.appId !== parts.appId) {
    return { outcome: "ignored", scanId: parts.scanId, reason: "no scan was created for this key" };
  }
  const eventEtag = unquote(object.etag);
  if (scan.raw && scan.status !== "pending" && isOtherUpload(scan.raw, object, eventEtag)) {
    // the presigned POST was used again after we read the report: keep what was processed, say so
    await flagRawOverwrite(deps.db, scan.scanId, new Date().toISOString());
    return {
      outcome: "overwrite-flagged",
      scanId: scan.scanId,
      reason: "a later upload replaced the raw report after it was processed; the processed version is kept",
    };
  }
  if (scan.status === "normalized") {
    // a crash after the status write but before the send: send again (the FIFO dedup id absorbs repeats)
    await sendToCorrelate(deps, scan.appId, scan.scanId);
    return { outcome: "resent", scanId: scan.scanId };
  }
  if (scan.status !== "pending" && !retryableAt(scan, "normalize"))
    return { outcome: "ignored", scanId: scan.scanId, reason: `scan is already ${scan.status}` };

  const fail = async (reason: string, raw?: Scan["raw"]): Promise<NormalizeResult> => {
    await failScan(
      deps.db,
      scan.scanId,
      ["pending", "failed"],
      { stage: "normalize", reason, retryable: false },
      new Date(),
      raw ? { raw } : {},
    );
    return { outcome: "failed", scanId: scan.scanId, reason: printable(reason) };
  };

  if (object.size !== undefined && object.size > deps.maxUploadBytes) {
    return fail(`upload of ${object.size} bytes exceeds the ${deps.maxUploadBytes} byte limit`);
  }
  let read: Awaited<ReturnType<typeof getObjectBytes>>;
  try {
    read = await getObjectBytes(deps.bucket, object.key, deps.maxUploadBytes, {
      ...(object.versionId ? { versionId: object.versionId } : {}),
      ...(object.etag ? { etag: object.etag } : {}),
    });
  } catch (error) {
    if (error instanceof ObjectTooLargeError) return fail(error.message);
    if (isPreconditionFailed(error)) return superseded(scan.scanId);
    throw error;
  }
  const readEtag = unquote(read.version.etag);
  // a stand-in without If-Match (or versions) hands back the newest upload: this event is not about it
  if (eventEtag && readEtag && eventEtag !== readEtag) return superseded(scan.scanId);
  const bytes = read.bytes;
  const raw = {
    ...(readEtag ? { etag: readEtag } : {}),
    ...(read.version.versionId ? { versionId: read.version.versionId } : {}),
  };

  // the findings are written out and their packages gathered as they are parsed, never all held
  const normalized = new GzipJsonArrayWriter<NormalizedFinding>("findings");
  const inventory = new InventoryBuilder();
  let report: ReportSummary;
  let body: Buffer;
  try {
    // a gzip upload may inflate to no more than a plain upload could be
    const limits = { maxBytes: deps.maxUploadBytes, maxFindings: deps.maxFindings };
    const ctx = { secretSalt: deps.secretSalt, limits };
    report = parseReportTo(
      bytes,
      ctx,
      (finding) => {
        normalized.add(finding);
        if (scan.tracked) inventory.addFinding(finding);
      },
      scan.formatHint,
    );
    body = normalized.finish(report);
  } catch (error) {
    if (error instanceof ParseError) return fail(error.message, raw);
    // findings that repeat long texts can serialize to more than any reader could load back
    if (error instanceof ObjectTooLargeError)
      return fail(`the normalized report is too large: ${error.message}`, raw);
    throw error;
  }

  const target = scan.target ?? scan.repo ?? "default";
  const branch = scan.tracked ? (scan.branch ?? "main") : (scan.branch ?? "unknown");
  const scopeId = scopeIdOf({
    appId: scan.appId,
    toolName: report.tool.name,
    format: report.format,
    artifact: report.artifact,
    target,
    branch,
  });
  await putGzippedJson(deps.bucket, objectKeys.normalized(scan.appId, scan.scanId), body);
  // what a tracked branch ships is the app's inventory (idempotent: a retry writes nothing new)
  if (scan.tracked)
    await recordInventory(
      deps,
      { appId: scan.appId, scanId: scan.scanId, scopeId, at: scan.createdAt },
      inventory.components(report.components ?? []),
    );
  const moved = await transitionScan(deps.db, scan.scanId, ["pending", "failed"], {
    status: "normalized",
    format: report.format,
    tool: report.tool,
    target,
    ...(report.artifact ? { artifact: report.artifact } : {}),
    scopeId,
    rawBytes: bytes.byteLength,
    raw,
    updatedAt: new Date().toISOString(),
  });
  if (!moved) return { outcome: "ignored", scanId: scan.scanId, reason: "scan moved on concurrently" };
  await sendToCorrelate(deps, scan.appId, scan.scanId);
  return { outcome: "normalized", scanId: scan.scanId, findings: report.count };
}

function unquote(etag: string | undefined): string | undefined {
  const bare = etag?.replace(/^"|"$/g, "");
  return bare ? bare : undefined;
}

/** The event names an upload other than the one normalize read (by version id, else by ETag). */
function isOtherUpload(
  raw: NonNullable<Scan["raw"]>,
  object: UploadedObject,
  eventEtag: string | undefined,
): boolean {
  if (raw.versionId && object.versionId) return raw.versionId !== object.versionId;
  return !!raw.etag && !!eventEtag && raw.etag !== eventEtag;
}

function superseded(scanId: string): NormalizeResult {
  return { outcome: "ignored", scanId, reason: "superseded by a later upload to the same scan" };
}

async function sendToCorrelate(deps: NormalizeDeps, appId: string, scanId: string): Promise<void> {
  await deps.sqs.send(
    new SendMessageCommand({
      QueueUrl: deps.correlateQueueUrl,
      MessageBody: JSON.stringify({ scanId, appId } satisfies CorrelateMessage),
      // one writer per app: FIFO order within the app's group, parallelism across apps
      MessageGroupId: appId,
      MessageDeduplicationId: scanId,
    }),
  );
}
