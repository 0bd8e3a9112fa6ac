import type { ScanStage, ScanStatus } from "#shared/domain/scan";
import { failScan } from "#shared/store/scan-store";
import type { TableRef } from "#shared/store/table-ref";

/**
 * A message's last delivery failed for a reason that is not the report's (a bug, an outage, a
 * crash): SQS is about to move it to the dead-letter queue, where nothing would ever tell the
 * scan's owner. The scan ends `failed` with the error's class and message, marked retryable so
 * `aspm dlq replay` can still process it once the cause is fixed.
 */
export async function giveUpOnScan(
  db: TableRef,
  scanId: string,
  stage: Exclude<ScanStage, "upload">,
  error: unknown,
): Promise<boolean> {
  const from: readonly ScanStatus[] =
    stage === "normalize" ? ["pending", "failed"] : ["normalized", "failed"];
  return failScan(db, scanId, from, { stage, reason: describeError(error), retryable: true });
}

/** `TimeoutError: …`: the class tells an operator where to look, the message what happened. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message || "(no message)"}`;
  return `Error: ${String(error)}`;
}

/** SQS counts receives from 1; the delivery that reaches the queue's maxReceiveCount is the last. */
export function isLastAttempt(receiveCount: string | number | undefined, maxReceiveCount: number): boolean {
  return Number(receiveCount ?? 1) >= maxReceiveCount;
}
