import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import middy from "@middy/core";
import { documentClient } from "#shared/aws/dynamodb";
import { eventBridge } from "#shared/aws/eventbridge";
import { s3 } from "#shared/aws/s3";
import { eventBridgePublisher } from "#shared/bus";
import { optionalEnv, requireEnv } from "#shared/config";
import { intelSourceFor } from "#shared/integrations/intel-feeds";
import { MetricUnit, observability } from "#shared/observability";
import { once } from "#shared/once";
import { type IntelDeps, refreshIntel } from "#shared/usecases/refresh-intel";

const { logger, metrics } = observability("intel");

function defaultDeps(): IntelDeps {
  const env = requireEnv(["tableName", "bucketName", "eventBusName"]);
  const dir = optionalEnv("intelDir");
  const kevUrl = optionalEnv("kevUrl");
  const epssUrl = optionalEnv("epssUrl");
  const source = intelSourceFor({
    online: optionalEnv("intelOnline") === "true",
    ...(dir ? { dir } : {}),
    ...(kevUrl ? { kevUrl } : {}),
    ...(epssUrl ? { epssUrl } : {}),
  });
  logger.info("intel source", { source: source.describe });
  return {
    db: { client: documentClient, tableName: env.tableName },
    bucket: { client: s3, bucketName: env.bucketName },
    events: eventBridgePublisher(eventBridge, env.eventBusName),
    source,
  };
}

/** Scheduled daily: refresh KEV and EPSS, rescore affected findings; a failed feed raises a metric. */
export function makeHandler(getDeps: () => IntelDeps) {
  return middy(async () => {
    const result = await refreshIntel(getDeps());
    metrics.addMetric("intel_feed_failures", MetricUnit.Count, result.errors.length);
    metrics.addMetric("findings_rescored", MetricUnit.Count, result.findingsRescored);
    if (result.errors.length)
      logger.error("intel feed failed; previous snapshot kept", { errors: result.errors });
    logger.info("intel", { ...result });
    return result;
  })
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics));
}

export const handler = makeHandler(once(defaultDeps));
