import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { z } from "zod";
import { CatalogEntities, OwnershipBinding } from "#shared/domain/catalog";
import { RoutingRules } from "#shared/domain/routing";
import { batchWrite } from "./batch-write.ts";
import { queryAll } from "./query.ts";
import { keys } from "./table.ts";
import type { TableRef } from "./table-ref.ts";

/**
 * The catalog in the single table (access patterns "catalog sources", "ownership binding by app or
 * repo", "routing rules"). Each pushed source is kept whole, in chunks below the item size limit;
 * the bindings derived from all sources are what correlate reads, a few keys per scan.
 */

/** Below DynamoDB's 400 KB item limit with room for keys and attribute names. */
const CHUNK_CHARS = 300_000;

const SourceChunk = z.object({ source: z.string(), chunk: z.number().int(), entities: z.string() });

function emptyEntities(): CatalogEntities {
  return { components: [], systems: [], groups: [], apps: [] };
}

/** Splits a source's entities into JSON chunks, each a valid CatalogEntities of its own. */
function chunkEntities(entities: CatalogEntities): string[] {
  const chunks: string[] = [];
  let current = emptyEntities();
  let size = 0;
  const flush = () => {
    chunks.push(JSON.stringify(current));
    current = emptyEntities();
    size = 0;
  };
  for (const kind of ["components", "systems", "groups", "apps"] as const) {
    for (const entity of entities[kind]) {
      const length = JSON.stringify(entity).length;
      if (size + length > CHUNK_CHARS && size > 0) flush();
      (current[kind] as unknown[]).push(entity);
      size += length;
    }
  }
  flush();
  return chunks;
}

/** Replaces one source's entities: writes its chunks, then deletes the chunks it no longer has. */
export async function putCatalogSource(
  db: TableRef,
  source: string,
  entities: CatalogEntities,
  at: string,
): Promise<void> {
  const chunks = chunkEntities(entities);
  const existing: string[] = [];
  for await (const item of queryAll(db, { pk: "CATALOG", skPrefix: keys.catalogSourcePrefix(source) }))
    existing.push(String(item.sk));
  const keep = new Set(chunks.map((_, i) => keys.catalogSource(source, i).sk));
  await batchWrite(db.client, db.tableName, [
    ...chunks.map((text, chunk) => ({
      PutRequest: {
        Item: {
          ...keys.catalogSource(source, chunk),
          entity: "catalog-source",
          source,
          chunk,
          entities: text,
          at,
        },
      },
    })),
    ...existing
      .filter((sk) => !keep.has(sk))
      .map((sk) => ({ DeleteRequest: { Key: { pk: "CATALOG", sk } } })),
  ]);
}

/** Every source's entities but `except`'s, concatenated (pattern "catalog sources": one partition, paged). */
export async function loadCatalogEntities(db: TableRef, except?: string): Promise<CatalogEntities> {
  const all = emptyEntities();
  for await (const item of queryAll(db, { pk: "CATALOG", skPrefix: "SOURCE#" })) {
    const chunk = SourceChunk.parse(item);
    if (chunk.source === except) continue;
    const entities = CatalogEntities.parse(JSON.parse(chunk.entities));
    all.components.push(...entities.components);
    all.systems.push(...entities.systems);
    all.groups.push(...entities.groups);
    all.apps.push(...entities.apps);
  }
  return all;
}

const BindingItem = z.object({ binding: OwnershipBinding });
const AliasesItem = z.object({ aliases: z.record(z.string(), z.string()) });

/**
 * Replaces the derived bindings: puts the new ones and deletes those no source produces any more.
 * Returns how many bindings there are.
 */
export async function replaceBindings(
  db: TableRef,
  bindings: {
    byApp: Map<string, OwnershipBinding>;
    byRepo: Map<string, OwnershipBinding>;
    aliases: Record<string, string>;
  },
): Promise<number> {
  const items = [
    ...[...bindings.byApp].map(([id, binding]) => ({ ...keys.ownershipBinding("APP", id), binding })),
    ...[...bindings.byRepo].map(([id, binding]) => ({ ...keys.ownershipBinding("REPO", id), binding })),
    { ...keys.ownershipAliases(), aliases: bindings.aliases },
  ];
  const keep = new Set(items.map((i) => i.sk));
  const stale: string[] = [];
  for await (const item of queryAll(db, { pk: keys.ownershipAliases().pk })) {
    const sk = String(item.sk);
    if (!keep.has(sk)) stale.push(sk);
  }
  await batchWrite(db.client, db.tableName, [
    ...items.map((Item) => ({ PutRequest: { Item: { ...Item, entity: "ownership-binding" } } })),
    ...stale.map((sk) => ({ DeleteRequest: { Key: { pk: keys.ownershipAliases().pk, sk } } })),
  ]);
  return items.length - 1;
}

/**
 * Pattern "ownership binding by app or repo": one BatchGet of the app's key, its repos' keys and the
 * aliases. Returns the bindings found and the CODEOWNERS aliases.
 */
export async function getBindings(
  db: TableRef,
  appId: string,
  repos: readonly string[],
): Promise<{ bindings: OwnershipBinding[]; aliases: Record<string, string> }> {
  const wanted = [
    keys.ownershipBinding("APP", appId),
    ...[...new Set(repos)].slice(0, 90).map((r) => keys.ownershipBinding("REPO", r)),
    keys.ownershipAliases(),
  ];
  const found: Array<Record<string, unknown>> = [];
  let request: Record<string, { Keys: Array<Record<string, unknown>> }> | undefined = {
    [db.tableName]: { Keys: wanted },
  };
  while (request) {
    const out: BatchGetCommandOutput = await db.client.send(new BatchGetCommand({ RequestItems: request }));
    found.push(...(out.Responses?.[db.tableName] ?? []));
    const unprocessed: Array<Record<string, unknown>> | undefined = out.UnprocessedKeys?.[db.tableName]?.Keys;
    request = unprocessed?.length ? { [db.tableName]: { Keys: unprocessed } } : undefined;
  }
  const bySk = new Map(found.map((item) => [String(item.sk), item]));
  const bindings = wanted
    .filter((k) => k.sk !== keys.ownershipAliases().sk)
    .map((k) => bySk.get(k.sk))
    .filter((item): item is Record<string, unknown> => !!item)
    .map((item) => BindingItem.parse(item).binding);
  const aliasItem = bySk.get(keys.ownershipAliases().sk);
  return { bindings, aliases: aliasItem ? AliasesItem.parse(aliasItem).aliases : {} };
}

/** The routing rules and the assignee emails already resolved to Jira account ids. */
export const StoredRouting = z.object({
  rules: RoutingRules,
  /** lower-cased email → account id; "" when the user search found nobody. */
  accounts: z.record(z.string(), z.string()).default({}),
  /** lower-cased email → when it was last looked up, so misses are retried daily, not every run. */
  lookedUpAt: z.record(z.string(), z.string()).default({}),
  updatedAt: z.string(),
});
export type StoredRouting = z.infer<typeof StoredRouting>;

export async function getRouting(db: TableRef): Promise<StoredRouting | undefined> {
  const out = await db.client.send(new GetCommand({ TableName: db.tableName, Key: keys.catalogRouting() }));
  return out.Item ? StoredRouting.parse(out.Item) : undefined;
}

/** Replaces the rules; resolved accounts are kept, since emails rarely change owner. */
export async function putRoutingRules(db: TableRef, rules: RoutingRules, at: string): Promise<void> {
  const previous = await getRouting(db);
  await db.client.send(
    new PutCommand({
      TableName: db.tableName,
      Item: {
        ...keys.catalogRouting(),
        entity: "routing",
        rules,
        accounts: previous?.accounts ?? {},
        lookedUpAt: previous?.lookedUpAt ?? {},
        updatedAt: at,
      },
    }),
  );
}

/** Records user-search results (hits and misses) without touching the rules. */
export async function recordAccountLookups(
  db: TableRef,
  results: Readonly<Record<string, string>>,
  at: string,
): Promise<void> {
  const entries = Object.entries(results);
  if (!entries.length) return;
  const names: Record<string, string> = { "#accounts": "accounts", "#looked": "lookedUpAt" };
  const values: Record<string, unknown> = {};
  const sets = entries.flatMap(([email, id], i) => {
    names[`#e${i}`] = email;
    values[`:a${i}`] = id;
    values[`:t${i}`] = at;
    return [`#accounts.#e${i} = :a${i}`, `#looked.#e${i} = :t${i}`];
  });
  await db.client.send(
    new UpdateCommand({
      TableName: db.tableName,
      Key: keys.catalogRouting(),
      UpdateExpression: `SET ${sets.join(", ")}`,
      ConditionExpression: "attribute_exists(pk)",
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    }),
  );
}
