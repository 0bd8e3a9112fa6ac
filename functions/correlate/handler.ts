import { processPartialResponse, SqsFifoPartialProcessorAsync } from "@aws-lambda-powertools/batch";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import middy from "@middy/core";
import type { Context, SQSEvent, SQSRecord } from "aws-lambda";
import { documentClient } from "#shared/aws/dynamodb";
import { eventBridge } from "#shared/aws/eventbridge";
import { s3 } from "#shared/aws/s3";
import { sqs } from "#shared/aws/sqs";
import { eventBridgePublisher } from "#shared/bus";
import { maxReceiveCount, requireEnv } from "#shared/config";
import { CorrelateMessage } from "#shared/events";
import { MetricUnit, observability } from "#shared/observability";
import { once } from "#shared/once";
import { cachedIntel } from "#shared/store/intel-store";
import { type CorrelateDeps, correlateScan, OutOfTime } from "#shared/usecases/correlate-scan";
import { describeError, giveUpOnScan, isLastAttempt } from "#shared/usecases/give-up-on-scan";

const { logger, metrics } = observability("correlate");

export interface CorrelateHandlerDeps extends CorrelateDeps {
  /** Re-queues a scan whose correlation stopped for time (its own queue, the app's group). */
  resume(message: CorrelateMessage): Promise<void>;
}

function defaultDeps(): CorrelateHandlerDeps {
  const env = requireEnv(["tableName", "bucketName", "eventBusName", "correlateQueueUrl"]);
  const bucket = { client: s3, bucketName: env.bucketName };
  return {
    db: { client: documentClient, tableName: env.tableName },
    bucket,
    events: eventBridgePublisher(eventBridge, env.eventBusName),
    intel: () => cachedIntel(bucket),
    resume: async (message) => {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: env.correlateQueueUrl,
          MessageBody: JSON.stringify(message),
          MessageGroupId: message.appId,
          // not the scan id: the queue would drop it as a repeat of the first delivery
          MessageDeduplicationId: `${message.scanId}-resume-${Date.now()}`,
        }),
      );
    },
  };
}

/**
 * correlate.fifo → one correlate use case call per scan, in order within each app. A failure
 * returns the rest of its app's messages (a later scan of the app never overtakes an earlier one)
 * but not other apps' (`skipGroupOnError`). The last failed attempt fails the scan with the error.
 */
export function makeHandler(getDeps: () => CorrelateHandlerDeps, receives = maxReceiveCount()) {
  const processor = new SqsFifoPartialProcessorAsync();
  let context: Context | undefined;
  const recordHandler = async (record: SQSRecord) => {
    const message = CorrelateMessage.parse(JSON.parse(record.body));
    const deps = getDeps();
    try {
      const result = await correlateScan(
        { ...deps, ...(context ? { timeLeft: () => context?.getRemainingTimeInMillis() ?? 0 } : {}) },
        message.scanId,
      );
      logger.info("correlate", { scanId: message.scanId, ...result });
      if (result.counts) {
        metrics.addMetric("findings_new", MetricUnit.Count, result.counts.new);
        metrics.addMetric("findings_resolved", MetricUnit.Count, result.counts.resolved);
      }
    } catch (error) {
      if (error instanceof OutOfTime) {
        // a very large scan: this message is done, a fresh one carries on where the writes stopped
        await deps.resume(message);
        logger.info("correlate resumes in a new invocation", { scanId: message.scanId });
        metrics.addMetric("scans_resumed", MetricUnit.Count, 1);
        return;
      }
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
  return middy(async (event: SQSEvent, lambdaContext: Context) => {
    context = lambdaContext;
    return processPartialResponse(event, recordHandler, processor, {
      context: lambdaContext,
      skipGroupOnError: true,
    });
  })
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics));
}

export const handler = makeHandler(once(defaultDeps));
