import {
  BatchProcessor,
  EventType,
  type ParsedRecord,
  processPartialResponse,
} from "@aws-lambda-powertools/batch";
import { parser } from "@aws-lambda-powertools/batch/parser";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import middy from "@middy/core";
import type { Context, SQSEvent, SQSRecord } from "aws-lambda";
import { documentClient } from "#shared/aws/dynamodb";
import { s3 } from "#shared/aws/s3";
import { sqs } from "#shared/aws/sqs";
import { maxReceiveCount, maxUploadBytes, requireEnv } from "#shared/config";
import { ObjectCreatedEvent } from "#shared/events";
import { MetricUnit, observability } from "#shared/observability";
import { once } from "#shared/once";
import { parseRawKey } from "#shared/store/table";
import { describeError, giveUpOnScan, isLastAttempt } from "#shared/usecases/give-up-on-scan";
import { type NormalizeDeps, normalizeScan } from "#shared/usecases/normalize-scan";

const { logger, metrics } = observability("normalize");

function defaultDeps(): NormalizeDeps {
  const env = requireEnv(["tableName", "bucketName", "correlateQueueUrl", "secretSalt"]);
  return {
    db: { client: documentClient, tableName: env.tableName },
    bucket: { client: s3, bucketName: env.bucketName },
    sqs,
    correlateQueueUrl: env.correlateQueueUrl,
    maxUploadBytes: maxUploadBytes(),
    secretSalt: env.secretSalt,
  };
}

/**
 * S3 "Object Created" (via EventBridge → SQS) → one normalize use case call per record, one record
 * at a time (the event source sends batches of one: a hostile report must not take nine others
 * down with it). A failure is logged with its attempt; the last one fails the scan with the error.
 */
export function makeHandler(getDeps: () => NormalizeDeps, receives = maxReceiveCount()) {
  const processor = new BatchProcessor(EventType.SQS, {
    parser,
    innerSchema: ObjectCreatedEvent,
    transformer: "json",
    logger,
  });
  const recordHandler = async (record: ParsedRecord<SQSRecord, ObjectCreatedEvent>) => {
    const detail = record.body.detail;
    const deps = getDeps();
    try {
      const result = await normalizeScan(deps, {
        bucket: detail.bucket.name,
        key: detail.object.key,
        size: detail.object.size,
        ...(detail.object.etag ? { etag: detail.object.etag } : {}),
        ...(detail.object["version-id"] ? { versionId: detail.object["version-id"] } : {}),
      });
      logger.info("normalize", { ...result });
      metrics.addMetric(`scans_${result.outcome}`, MetricUnit.Count, 1);
      if (result.findings !== undefined)
        metrics.addMetric("findings_normalized", MetricUnit.Count, result.findings);
    } catch (error) {
      const scanId = parseRawKey(detail.object.key)?.scanId;
      const attempt = record.attributes.ApproximateReceiveCount;
      const last = isLastAttempt(attempt, receives);
      logger.error("normalize failed", { scanId, attempt, lastAttempt: last, error: describeError(error) });
      if (last && scanId && (await giveUpOnScan(deps.db, scanId, "normalize", error)))
        metrics.addMetric("scans_given_up", MetricUnit.Count, 1);
      throw error;
    }
  };
  return middy(async (event: SQSEvent, context: Context) =>
    processPartialResponse(event, recordHandler, processor, { context, processInParallel: false }),
  )
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics));
}

export const handler = makeHandler(once(defaultDeps));
