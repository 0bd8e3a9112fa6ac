import { processPartialResponse, SqsFifoPartialProcessorAsync } from "@aws-lambda-powertools/batch";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import middy from "@middy/core";
import type { Context, SQSEvent, SQSRecord } from "aws-lambda";
import { documentClient } from "#shared/aws/dynamodb";
import { eventBridge } from "#shared/aws/eventbridge";
import { s3 } from "#shared/aws/s3";
import { eventBridgePublisher } from "#shared/bus";
import { maxReceiveCount, requireEnv } from "#shared/config";
import { CorrelateMessage } from "#shared/events";
import { MetricUnit, observability } from "#shared/observability";
import { once } from "#shared/once";
import { cachedIntel } from "#shared/store/intel-store";
import { type CorrelateDeps, correlateScan } from "#shared/usecases/correlate-scan";
import { describeError, giveUpOnScan, isLastAttempt } from "#shared/usecases/give-up-on-scan";

const { logger, metrics } = observability("correlate");

function defaultDeps(): CorrelateDeps {
  const env = requireEnv(["tableName", "bucketName", "eventBusName"]);
  const bucket = { client: s3, bucketName: env.bucketName };
  return {
    db: { client: documentClient, tableName: env.tableName },
    bucket,
    events: eventBridgePublisher(eventBridge, env.eventBusName),
    intel: () => cachedIntel(bucket),
  };
}

/**
 * correlate.fifo → one correlate use case call per scan, in order within each app. A failure
 * returns the rest of its app's messages (a later scan of the app never overtakes an earlier one)
 * but not other apps' (`skipGroupOnError`). The last failed attempt fails the scan with the error.
 */
export function makeHandler(getDeps: () => CorrelateDeps, receives = maxReceiveCount()) {
  const processor = new SqsFifoPartialProcessorAsync();
  const recordHandler = async (record: SQSRecord) => {
    const message = CorrelateMessage.parse(JSON.parse(record.body));
    const deps = getDeps();
    try {
      const result = await correlateScan(deps, message.scanId);
      logger.info("correlate", { scanId: message.scanId, ...result });
      if (result.counts) {
        metrics.addMetric("findings_new", MetricUnit.Count, result.counts.new);
        metrics.addMetric("findings_resolved", MetricUnit.Count, result.counts.resolved);
      }
    } catch (error) {
      const attempt = record.attributes.ApproximateReceiveCount;
      const last = isLastAttempt(attempt, receives);
      logger.error("correlate failed", {
        scanId: message.scanId,
        attempt,
        lastAttempt: last,
        error: describeError(error),
      });
      if (last && (await giveUpOnScan(deps.db, message.scanId, "correlate", error)))
        metrics.addMetric("scans_given_up", MetricUnit.Count, 1);
      throw error;
    }
  };
  return middy(async (event: SQSEvent, context: Context) =>
    processPartialResponse(event, recordHandler, processor, { context, skipGroupOnError: true }),
  )
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics));
}

export const handler = makeHandler(once(defaultDeps));
