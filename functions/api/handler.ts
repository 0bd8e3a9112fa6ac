import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import { documentClient } from "#shared/aws/dynamodb";
import { s3 } from "#shared/aws/s3";
import { maxUploadBytes, optionalEnv, requireEnv, trackedBranches } from "#shared/config";
import { secretsManagerSource } from "#shared/integrations/secrets";
import { METRIC, MetricUnit, observability } from "#shared/observability";
import { once } from "#shared/once";
import type { ApiDeps } from "./route.ts";
import { buildRouter, errorResponse } from "./router.ts";
import { ROUTES } from "./routes.ts";

const { logger, metrics } = observability("api");

/** Secrets (the bootstrap admin token, Jira's webhook secret) are read at run time, cached 5 minutes. */
function defaultDeps(): ApiDeps {
  const env = requireEnv(["tableName", "bucketName"]);
  const secretName = optionalEnv("adminTokenSecretArn");
  const webhookSecret = optionalEnv("jiraWebhookSecretArn");
  const secrets = secretsManagerSource();
  return {
    ...(webhookSecret
      ? {
          jiraWebhook: {
            secret: () => secrets.text(webhookSecret),
            rejected: (why: string) => {
              logger.warn("webhook delivery refused", { reason: why });
              metrics.addMetric(METRIC.webhookRejected, MetricUnit.Count, 1);
              metrics.publishStoredMetrics();
            },
          },
        }
      : {}),
    db: { client: documentClient, tableName: env.tableName },
    bucket: { client: s3, bucketName: env.bucketName },
    maxUploadBytes: maxUploadBytes(),
    trackedBranches: trackedBranches(),
    adminToken: async () => (secretName ? secrets.text(secretName) : undefined),
  };
}

/** HTTP API adapter: the route table on the Powertools router; a failure outside it is still JSON. */
export function makeHandler(getDeps: () => ApiDeps) {
  const router = buildRouter(ROUTES, getDeps, logger);
  return middy(async (event: APIGatewayProxyEventV2, context: Context) => {
    try {
      return (await router.resolve(event, context)) as APIGatewayProxyStructuredResultV2;
    } catch (error) {
      // the router throws only for events it cannot read as a request (e.g. a malformed Host)
      const response = errorResponse(error, logger);
      return {
        statusCode: response.status,
        headers: Object.fromEntries(response.headers),
        body: await response.text(),
      } satisfies APIGatewayProxyStructuredResultV2;
    }
  }).use(injectLambdaContext(logger));
}

export const handler = makeHandler(once(defaultDeps));
