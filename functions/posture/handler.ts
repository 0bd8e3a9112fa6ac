import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import { documentClient } from "#shared/aws/dynamodb";
import { s3 } from "#shared/aws/s3";
import { requireEnv, stuckScanMinutes } from "#shared/config";
import { observability } from "#shared/observability";
import { once } from "#shared/once";
import type { BucketRef } from "#shared/store/blob-store";
import { computePosture, type PostureDeps } from "#shared/usecases/posture";
import { sweepStuckScans } from "#shared/usecases/sweep-stuck-scans";

const { logger } = observability("posture");

function defaultDeps(): PostureDeps & { bucket: BucketRef; stuckScanMinutes: number } {
  const env = requireEnv(["tableName", "bucketName"]);
  return {
    db: { client: documentClient, tableName: env.tableName },
    bucket: { client: s3, bucketName: env.bucketName },
    stuckScanMinutes: stuckScanMinutes(),
  };
}

/**
 * Scheduled daily: first fails scans stuck in flight past the deadline (every scan ends processed
 * or failed, so today's snapshot counts them), then posture snapshots per app, team and org.
 */
export function makeHandler(getDeps: () => ReturnType<typeof defaultDeps>) {
  return middy(async () => {
    const deps = getDeps();
    const swept = await sweepStuckScans(deps, { deadlineMinutes: deps.stuckScanMinutes });
    if (swept.failed.length) logger.warn("failed scans stuck in flight", { scans: swept.failed });
    const result = await computePosture(deps);
    const summary = {
      date: result.date,
      apps: result.apps.length,
      teams: result.teams.length,
      open: result.org.open,
      actionable: result.org.actionable,
      stuckScansFailed: swept.failed.length,
    };
    logger.info("posture", summary);
    return summary;
  }).use(injectLambdaContext(logger));
}

export const handler = makeHandler(once(defaultDeps));
