import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import middy from "@middy/core";
import { z } from "zod";
import { documentClient } from "#shared/aws/dynamodb";
import { s3 } from "#shared/aws/s3";
import { optionalEnv, requireEnv } from "#shared/config";
import { ticketPolicyFrom } from "#shared/domain/ticket-policy";
import { ticketTrackerFromEnv } from "#shared/integrations/channels";
import { secretsManagerSource } from "#shared/integrations/secrets";
import { TrackerAuthError } from "#shared/integrations/ticket-tracker";
import { METRIC, MetricUnit, observability } from "#shared/observability";
import { once } from "#shared/once";
import { syncTickets, type TicketSyncDeps } from "#shared/usecases/ticket-sync";

const { logger, metrics } = observability("ticket-sync");

function defaultDeps(): TicketSyncDeps {
  const env = requireEnv(["tableName", "bucketName"]);
  const project = optionalEnv("jiraProject") ?? "SEC";
  return {
    db: { client: documentClient, tableName: env.tableName },
    bucket: { client: s3, bucketName: env.bucketName },
    tracker: ticketTrackerFromEnv(secretsManagerSource()),
    // routes come from the catalog's routing rules; tickets no rule places go to this project
    defaultProject: project,
    // an unknown word fails the cold start, not every run quietly
    policy: ticketPolicyFrom(optionalEnv("ticketMinSeverity")),
  };
}

/** A scheduled event, or `{"detail": {"full": true}}` to regroup every app (backfill, repair). */
const SyncEvent = z.looseObject({ detail: z.looseObject({ full: z.boolean().optional() }).optional() });

/**
 * Scheduled every 15 minutes (reserved concurrency 1: never two syncs at once): reconcile the
 * changed ticket groups with Jira (or the local outbox). Failures are metrics; rejected
 * credentials fail the invocation, so the errors alarm fires on the first run, not never.
 */
export function makeHandler(getDeps: () => TicketSyncDeps) {
  return middy(async (event: unknown) => {
    const full = SyncEvent.safeParse(event).data?.detail?.full === true;
    try {
      const result = await syncTickets(getDeps(), { full });
      metrics.addMetric(METRIC.ticketGroupsFailed, MetricUnit.Count, result.failed);
      metrics.addMetric("tickets_created", MetricUnit.Count, result.created);
      metrics.addMetric("tickets_closed", MetricUnit.Count, result.closed);
      metrics.addMetric("tickets_reopened", MetricUnit.Count, result.reopened);
      if (result.failed) logger.warn("ticket-sync left groups for the next run", { ...result });
      else logger.info("ticket-sync", { ...result });
      return result;
    } catch (error) {
      if (error instanceof TrackerAuthError)
        metrics.addMetric(METRIC.trackerAuthFailures, MetricUnit.Count, 1);
      logger.error("ticket-sync stopped", { error: error as Error });
      throw error;
    }
  })
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics));
}

export const handler = makeHandler(once(defaultDeps));
