import { processPartialResponse, SqsFifoPartialProcessorAsync } from "@aws-lambda-powertools/batch";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import middy from "@middy/core";
import type { Context, SQSEvent, SQSRecord } from "aws-lambda";
import { z } from "zod";
import { documentClient } from "#shared/aws/dynamodb";
import { eventBridge } from "#shared/aws/eventbridge";
import { s3 } from "#shared/aws/s3";
import { eventBridgePublisher } from "#shared/bus";
import { requireEnv } from "#shared/config";
import { MetricUnit, observability } from "#shared/observability";
import { once } from "#shared/once";
import { cachedIntel } from "#shared/store/intel-store";
import { type CorrelateDeps, correlateScan } from "#shared/usecases/correlate-scan";

const { logger, metrics } = observability("correlate");

const CorrelateMessage = z.object({ scanId: z.string().min(1), appId: z.string().min(1) });

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
 * correlate.fifo → one correlate use case call per scan, in order within each app. A failure stops
 * the rest of the batch (FIFO processor), so a later scan of the app never overtakes an earlier one.
 */
export function makeHandler(getDeps: () => CorrelateDeps) {
  const processor = new SqsFifoPartialProcessorAsync();
  const recordHandler = async (record: SQSRecord) => {
    const message = CorrelateMessage.parse(JSON.parse(record.body));
    const result = await correlateScan(getDeps(), message.scanId);
    logger.info("correlate", { scanId: message.scanId, ...result });
    if (result.counts) {
      metrics.addMetric("findings_new", MetricUnit.Count, result.counts.new);
      metrics.addMetric("findings_resolved", MetricUnit.Count, result.counts.resolved);
    }
  };
  return middy(async (event: SQSEvent, context: Context) =>
    processPartialResponse(event, recordHandler, processor, { context }),
  )
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics));
}

export const handler = makeHandler(once(defaultDeps));
