import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import middy from "@middy/core";
import { documentClient } from "#shared/aws/dynamodb";
import { eventBridge } from "#shared/aws/eventbridge";
import { s3 } from "#shared/aws/s3";
import { eventBridgePublisher } from "#shared/bus";
import { optionalEnv, requireEnv } from "#shared/config";
import { MetricUnit, observability } from "#shared/observability";
import { type IntelDeps, type IntelSource, refreshIntel } from "#shared/usecases/refresh-intel";

const { logger, metrics } = observability("intel");

export const DEFAULT_KEV_URL =
  "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json";
export const DEFAULT_EPSS_URL = "https://epss.empiricalsecurity.com/epss_scores-current.csv.gz";

async function download(url: string): Promise<Uint8Array> {
  const response = await fetch(url, { signal: AbortSignal.timeout(60_000) });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** A folder with the KEV JSON and an EPSS CSV (plain or .gz): the local stack and tests. */
export function directorySource(dir: string): IntelSource {
  const pick = (test: RegExp) => {
    const name = readdirSync(dir)
      .sort()
      .find((f) => test.test(f));
    if (!name) throw new Error(`no file matching ${test} in ${dir}`);
    return join(dir, name);
  };
  return {
    kev: async () => readFileSync(pick(/^known_exploited_vulnerabilities\.json$|kev.*\.json$/i), "utf8"),
    epss: async () => new Uint8Array(readFileSync(pick(/epss.*\.csv(\.gz)?$/i))),
  };
}

export function urlSource(kevUrl: string, epssUrl: string): IntelSource {
  return {
    kev: async () => Buffer.from(await download(kevUrl)).toString("utf8"),
    epss: () => download(epssUrl),
  };
}

let deps: IntelDeps | undefined;
function defaultDeps(): IntelDeps {
  const env = requireEnv(["tableName", "bucketName", "eventBusName"]);
  const dir = optionalEnv("intelDir");
  return {
    db: { client: documentClient, tableName: env.tableName },
    bucket: { client: s3, bucketName: env.bucketName },
    events: eventBridgePublisher(eventBridge, env.eventBusName),
    source: dir
      ? directorySource(dir)
      : urlSource(optionalEnv("kevUrl") ?? DEFAULT_KEV_URL, optionalEnv("epssUrl") ?? DEFAULT_EPSS_URL),
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

export const handler = makeHandler(() => {
  deps ??= defaultDeps();
  return deps;
});
