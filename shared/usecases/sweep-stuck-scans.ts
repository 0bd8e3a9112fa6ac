import type { ScanStage } from "#shared/domain/scan";
import { type BucketRef, headObjectSize } from "#shared/store/blob-store";
import { failScan, scansInFlight } from "#shared/store/scan-store";
import { objectKeys } from "#shared/store/table";
import type { TableRef } from "#shared/store/table-ref";

export interface SweepDeps {
  db: TableRef;
  bucket: BucketRef;
}

export interface SweepResult {
  checked: number;
  failed: Array<{ scanId: string; appId: string; stage: ScanStage }>;
}

/**
 * Every scan ends processed or failed: one that made no progress for `deadlineMinutes` (a message
 * lost by a stand-in, a crash that outlived its retries, an upload that never came) is failed
 * with reason `timed out in <stage>`. Normalize and correlate time-outs stay retryable (a DLQ
 * replay may still finish them); an upload that never arrived cannot arrive any more (the
 * presigned POST expired), so that one is final. Reads only the sparse in-flight index.
 */
export async function sweepStuckScans(
  deps: SweepDeps,
  options: { deadlineMinutes: number; now?: Date },
): Promise<SweepResult> {
  const now = options.now ?? new Date();
  const cutoff = new Date(now.getTime() - options.deadlineMinutes * 60_000).toISOString();
  const result: SweepResult = { checked: 0, failed: [] };
  for await (const scan of scansInFlight(deps.db, cutoff)) {
    result.checked++;
    let stage: ScanStage = "correlate";
    if (scan.status === "pending") {
      const uploaded = await headObjectSize(deps.bucket, objectKeys.raw(scan.appId, scan.scanId));
      stage = uploaded === undefined ? "upload" : "normalize";
    }
    const detail =
      stage === "upload"
        ? "no report was uploaded with this scan's presigned POST"
        : `no progress for ${options.deadlineMinutes} minutes; \`aspm dlq replay\` may still process it`;
    const failed = await failScan(
      deps.db,
      scan.scanId,
      [scan.status],
      { stage, reason: `timed out in ${stage}: ${detail}`, retryable: stage !== "upload" },
      now,
    );
    if (failed) result.failed.push({ scanId: scan.scanId, appId: scan.appId, stage });
  }
  return result;
}
