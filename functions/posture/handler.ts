import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import { documentClient } from "#shared/aws/dynamodb";
import { requireEnv } from "#shared/config";
import { observability } from "#shared/observability";
import { once } from "#shared/once";
import { computePosture, type PostureDeps } from "#shared/usecases/posture";

const { logger } = observability("posture");

function defaultDeps(): PostureDeps {
  const env = requireEnv(["tableName"]);
  return { db: { client: documentClient, tableName: env.tableName } };
}

/** Scheduled daily: posture snapshots per app, team and org. */
export function makeHandler(getDeps: () => PostureDeps) {
  return middy(async () => {
    const result = await computePosture(getDeps());
    const summary = {
      date: result.date,
      apps: result.apps.length,
      teams: result.teams.length,
      open: result.org.open,
      actionable: result.org.actionable,
    };
    logger.info("posture", summary);
    return summary;
  }).use(injectLambdaContext(logger));
}

export const handler = makeHandler(once(defaultDeps));
