import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { scopeIdOf } from "#shared/domain/scan";
import { ParseError } from "#shared/parsers/parse-error";
import { parseReport } from "#shared/parsers/registry";
import { type BucketRef, getObjectBytes, ObjectTooLargeError, putJsonGz } from "#shared/store/blob-store";
import { getScan, transitionScan } from "#shared/store/scan-store";
import { objectKeys, parseRawKey } from "#shared/store/table";
import type { TableRef } from "#shared/store/table-ref";

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
}

export interface NormalizeResult {
  outcome: "normalized" | "failed" | "ignored" | "resent";
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
  if (scan.status === "normalized") {
    // a crash after the status write but before the send: send again (the FIFO dedup id absorbs repeats)
    await sendToCorrelate(deps, scan.appId, scan.scanId);
    return { outcome: "resent", scanId: scan.scanId };
  }
  if (scan.status !== "pending")
    return { outcome: "ignored", scanId: scan.scanId, reason: `scan is already ${scan.status}` };

  const fail = async (reason: string): Promise<NormalizeResult> => {
    const now = new Date().toISOString();
    await transitionScan(deps.db, scan.scanId, ["pending"], {
      status: "failed",
      failure: { reason, stage: "normalize", at: now },
      updatedAt: now,
    });
    return { outcome: "failed", scanId: scan.scanId, reason };
  };

  if (object.size !== undefined && object.size > deps.maxUploadBytes) {
    return fail(`upload of ${object.size} bytes exceeds the ${deps.maxUploadBytes} byte limit`);
  }
  let bytes: Uint8Array;
  try {
    bytes = await getObjectBytes(deps.bucket, object.key, deps.maxUploadBytes);
  } catch (error) {
    if (error instanceof ObjectTooLargeError) return fail(error.message);
    throw error;
  }

  let report: ReturnType<typeof parseReport>;
  try {
    // a gzip upload may inflate to no more than a plain upload could be
    const limits = { maxBytes: deps.maxUploadBytes, maxFindings: deps.maxFindings };
    report = parseReport(bytes, { secretSalt: deps.secretSalt, limits }, scan.formatHint);
  } catch (error) {
    if (error instanceof ParseError) return fail(error.message);
    throw error;
  }

  const target = scan.target ?? scan.repo ?? "default";
  const branch = scan.tracked ? (scan.branch ?? "main") : (scan.branch ?? "unknown");
  const scopeId = scopeIdOf(scan.appId, report.tool.name, target, branch);
  try {
    await putJsonGz(deps.bucket, objectKeys.normalized(scan.appId, scan.scanId), report);
  } catch (error) {
    // findings that repeat long texts can serialize to more than any reader could load back
    if (error instanceof ObjectTooLargeError)
      return fail(`the normalized report is too large: ${error.message}`);
    throw error;
  }
  const moved = await transitionScan(deps.db, scan.scanId, ["pending"], {
    status: "normalized",
    format: report.format,
    tool: report.tool,
    target,
    scopeId,
    rawBytes: bytes.byteLength,
    updatedAt: new Date().toISOString(),
  });
  if (!moved) return { outcome: "ignored", scanId: scan.scanId, reason: "scan moved on concurrently" };
  await sendToCorrelate(deps, scan.appId, scan.scanId);
  return { outcome: "normalized", scanId: scan.scanId, findings: report.count };
}

async function sendToCorrelate(deps: NormalizeDeps, appId: string, scanId: string): Promise<void> {
  await deps.sqs.send(
    new SendMessageCommand({
      QueueUrl: deps.correlateQueueUrl,
      MessageBody: JSON.stringify({ scanId, appId }),
      // one writer per app: FIFO order within the app's group, parallelism across apps
      MessageGroupId: appId,
      MessageDeduplicationId: scanId,
    }),
  );
}
