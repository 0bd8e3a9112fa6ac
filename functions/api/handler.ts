import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import { documentClient } from "#shared/aws/dynamodb";
import { s3 } from "#shared/aws/s3";
import { maxUploadBytes, optionalEnv, requireEnv, trackedBranches } from "#shared/config";
import { secretsManagerSource } from "#shared/integrations/secrets";
import { METRIC, MetricUnit, observability } from "#shared/observability";
import { once } from "#shared/once";
import { authenticate } from "./auth.ts";
import { HttpError, json } from "./http.ts";
import { type ApiDeps, dispatch, isSignedRoute } from "./routes.ts";

const { logger, metrics } = observability("api");

function defaultDeps(): ApiDeps {
  const env = requireEnv(["tableName", "bucketName", "apiTokenSha256"]);
  const webhookSecret = optionalEnv("jiraWebhookSecretArn");
  const secrets = secretsManagerSource();
  return {
    ...(webhookSecret ? { jiraWebhook: { secret: () => secrets.text(webhookSecret) } } : {}),
    db: { client: documentClient, tableName: env.tableName },
    bucket: { client: s3, bucketName: env.bucketName },
    apiTokenSha256: env.apiTokenSha256,
    maxUploadBytes: maxUploadBytes(),
    trackedBranches: trackedBranches(),
  };
}

/** Maps errors to responses: HttpError keeps its status; anything else is a logged 500 with no detail leaked. */
const errorMapper: middy.MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2> = {
  onError: async (request) => {
    const error = request.error;
    if (error instanceof HttpError) {
      if (error.statusCode === 401 && isSignedRoute(request.event)) {
        logger.warn("webhook delivery refused", { path: request.event.rawPath, reason: error.message });
        metrics.addMetric(METRIC.webhookRejected, MetricUnit.Count, 1);
        metrics.publishStoredMetrics();
      }
      request.response = json(error.statusCode, {
        error: error.message,
        ...(error.details ? { details: error.details } : {}),
      });
      return;
    }
    logger.error("unhandled API error", { error: error as Error });
    request.response = json(500, { error: "internal error" });
  },
};

/** HTTP API adapter: authenticate, route, map out. Every route needs a token. */
export function makeHandler(getDeps: () => ApiDeps) {
  return middy(async (event: APIGatewayProxyEventV2, _context: Context) => {
    const d = getDeps();
    // the Jira webhook carries an HMAC signature instead, checked by its route
    if (!isSignedRoute(event)) authenticate(event, d.apiTokenSha256);
    return dispatch(d, event);
  })
    .use(injectLambdaContext(logger))
    .use(errorMapper);
}

export const handler = makeHandler(once(defaultDeps));
