import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import { documentClient } from "#shared/aws/dynamodb";
import { requireEnv } from "#shared/config";
import { digestChannelsFromEnv } from "#shared/integrations/channels";
import { secretsManagerSource } from "#shared/integrations/secrets";
import { observability } from "#shared/observability";
import { once } from "#shared/once";
import { type DigestDeps, sendDigest } from "#shared/usecases/digest";

const { logger } = observability("digest");

function defaultDeps(): DigestDeps {
  const env = requireEnv(["tableName"]);
  return {
    db: { client: documentClient, tableName: env.tableName },
    channels: digestChannelsFromEnv(secretsManagerSource()),
  };
}

/** Scheduled weekly: the leader digest to Slack and email (or their outbox files). */
export function makeHandler(getDeps: () => DigestDeps) {
  return middy(async () => {
    const result = await sendDigest(getDeps());
    logger.info("digest", { ...result });
    if (result.failed.length && !result.delivered.length)
      throw new Error(`digest delivery failed: ${result.failed.map((f) => f.error).join("; ")}`);
    return result;
  }).use(injectLambdaContext(logger));
}

export const handler = makeHandler(once(defaultDeps));
