import { type BucketRef, headObjectSize } from "#shared/store/blob-store";
import { scansInFlight } from "#shared/store/scan-store";
import { objectKeys } from "#shared/store/table";
import type { TableRef } from "#shared/store/table-ref";

export interface RedriveInFlightDeps {
  db: TableRef;
  bucket: BucketRef;
  /** Hands a pending scan's raw upload to normalize again (as its S3 event would). */
  toNormalize(object: { key: string; size: number }): Promise<void>;
  /** Hands a normalized scan to correlate again. */
  toCorrelate(scan: { scanId: string; appId: string }): Promise<void>;
}

/**
 * After a restart of a stand-in that keeps no messages (local-aws-sqs), scans left `pending` with
 * their upload in place, or `normalized`, would wait forever: hand each to its next stage again.
 * Both stages are idempotent, so a scan whose message did survive is processed once.
 */
export async function redriveInFlight(
  deps: RedriveInFlightDeps,
): Promise<{ normalize: number; correlate: number; awaitingUpload: number }> {
  const out = { normalize: 0, correlate: 0, awaitingUpload: 0 };
  for await (const scan of scansInFlight(deps.db)) {
    if (scan.status === "normalized") {
      await deps.toCorrelate(scan);
      out.correlate++;
      continue;
    }
    const key = objectKeys.raw(scan.appId, scan.scanId);
    const size = await headObjectSize(deps.bucket, key);
    if (size === undefined) {
      out.awaitingUpload++;
      continue;
    }
    await deps.toNormalize({ key, size });
    out.normalize++;
  }
  return out;
}
