import { GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { App } from "#shared/domain/app";
import { queryAll } from "./query.ts";
import { keys } from "./table.ts";
import { isConditionalCheckFailed, type TableRef, withoutKeys } from "./table-ref.ts";

/** Access patterns: app by id, all apps. */

/** Apps are discovered from uploads: the first upload creates the app unclassified and flagged. */
export async function ensureApp(db: TableRef, appId: string, now: string, repo?: string): Promise<void> {
  const app: App = {
    appId,
    name: appId,
    unclassified: true,
    controls: [],
    repos: repo ? [repo] : [],
    createdAt: now,
  };
  try {
    await db.client.send(
      new PutCommand({
        TableName: db.tableName,
        Item: { ...keys.app(appId), ...keys.appsIndex(appId), entity: "app", ...app },
        ConditionExpression: "attribute_not_exists(pk)",
      }),
    );
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw error;
  }
}

export async function getApp(db: TableRef, appId: string): Promise<App | undefined> {
  const out = await db.client.send(new GetCommand({ TableName: db.tableName, Key: keys.app(appId) }));
  return out.Item ? App.parse(withoutKeys(out.Item)) : undefined;
}

/** Pattern "all apps": gsi1 partition APPS, paged to the end (apps number in the thousands at most). */
export async function listApps(db: TableRef): Promise<App[]> {
  const apps: App[] = [];
  for await (const item of queryAll(db, { index: "gsi1", pk: keys.appsIndex("").gsi1pk }))
    apps.push(App.parse(withoutKeys(item)));
  return apps;
}

/** Context from a catalog or the context file: a complete classification clears the unclassified flag. */
export async function classifyApp(
  db: TableRef,
  appId: string,
  patch: Partial<
    Pick<App, "team" | "criticality" | "exposure" | "data" | "environment" | "controls" | "name">
  >,
  complete = true,
): Promise<void> {
  const entries = Object.entries(patch).filter(([, v]) => v !== undefined);
  const names: Record<string, string> = { "#unclassified": "unclassified" };
  const values: Record<string, unknown> = { ":unclassified": !complete };
  const sets = ["#unclassified = :unclassified"];
  for (const [k, v] of entries) {
    names[`#${k}`] = k;
    values[`:${k}`] = v;
    sets.push(`#${k} = :${k}`);
  }
  await db.client.send(
    new UpdateCommand({
      TableName: db.tableName,
      Key: keys.app(appId),
      UpdateExpression: `SET ${sets.join(", ")}`,
      ConditionExpression: "attribute_exists(pk)",
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    }),
  );
}

export async function touchAppScan(db: TableRef, appId: string, at: string): Promise<void> {
  await db.client
    .send(
      new UpdateCommand({
        TableName: db.tableName,
        Key: keys.app(appId),
        UpdateExpression: "SET lastScanAt = :at",
        ConditionExpression:
          "attribute_exists(pk) AND (attribute_not_exists(lastScanAt) OR lastScanAt < :at)",
        ExpressionAttributeValues: { ":at": at },
      }),
    )
    .catch((error: unknown) => {
      if (!isConditionalCheckFailed(error)) throw error;
    });
}

/** Makes a tracked scan's CODEOWNERS the app's current one, unless a newer scan's already is. */
export async function setAppCodeowners(db: TableRef, appId: string, key: string, at: string): Promise<void> {
  await db.client
    .send(
      new UpdateCommand({
        TableName: db.tableName,
        Key: keys.app(appId),
        UpdateExpression: "SET codeownersKey = :key, codeownersAt = :at",
        ConditionExpression:
          "attribute_exists(pk) AND (attribute_not_exists(codeownersAt) OR codeownersAt <= :at)",
        ExpressionAttributeValues: { ":key": key, ":at": at },
      }),
    )
    .catch((error: unknown) => {
      if (!isConditionalCheckFailed(error)) throw error;
    });
}
