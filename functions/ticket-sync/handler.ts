import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import { documentClient } from "#shared/aws/dynamodb";
import { optionalEnv, requireEnv } from "#shared/config";
import { ticketTrackerFromEnv } from "#shared/integrations/channels";
import { observability } from "#shared/observability";
import { once } from "#shared/once";
import { syncTickets, type TicketSyncDeps } from "#shared/usecases/ticket-sync";

const { logger } = observability("ticket-sync");

function defaultDeps(): TicketSyncDeps {
  const env = requireEnv(["tableName"]);
  const project = optionalEnv("jiraProject") ?? "SEC";
  return {
    db: { client: documentClient, tableName: env.tableName },
    tracker: ticketTrackerFromEnv().tracker,
    projectFor: () => project,
  };
}

/** Scheduled every 15 minutes: reconcile ticket groups with Jira (or the outbox). */
export function makeHandler(getDeps: () => TicketSyncDeps) {
  return middy(async () => {
    const result = await syncTickets(getDeps());
    logger.info("ticket-sync", { ...result });
    return result;
  }).use(injectLambdaContext(logger));
}

export const handler = makeHandler(once(defaultDeps));
