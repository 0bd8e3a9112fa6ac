import { z } from "zod";
import { bareName, Component, componentId, packageKey } from "#shared/domain/component";
import { shortHash } from "#shared/domain/hash";
import { batchWrite } from "./batch-write.ts";
import { queryAll, queryPage } from "./query.ts";
import { keys } from "./table.ts";
import type { TableRef } from "./table-ref.ts";

/**
 * The component inventory: one item per component of each scope's latest tracked scan, under the
 * app's partition, indexed by package (gsi2, `PKG#<version-less purl>`) and by bare name (gsi1,
 * `PKGNAME#<name>`), so "who runs log4j-core?" is one query across the portfolio. A new scan of a
 * scope writes only what changed: new components are put, gone ones deleted.
 */

export const ComponentUse = Component.extend({
  appId: z.string(),
  scopeId: z.string(),
  /** The scan that first showed this component in this scope. */
  scanId: z.string(),
  since: z.string(),
});
export type ComponentUse = z.infer<typeof ComponentUse>;

function parseUse(item: Record<string, unknown>): ComponentUse {
  return ComponentUse.parse(item);
}

function itemOf(use: ComponentUse): Record<string, unknown> {
  const key = packageKey(use);
  const version = use.version ?? "";
  return {
    ...keys.component(use.appId, use.scopeId, shortHash([componentId(use)])),
    ...keys.byPackageIndex(key, use.appId, version, use.scopeId),
    ...keys.byPackageNameIndex(bareName(use), key, use.appId, version, use.scopeId),
    entity: "component",
    ...use,
  };
}

export async function replaceScopeInventory(
  db: TableRef,
  scope: { appId: string; scopeId: string; scanId: string; at: string },
  components: readonly Component[],
): Promise<{ added: number; removed: number }> {
  const existing = new Map<string, ComponentUse>();
  for await (const item of queryAll(db, {
    pk: keys.app(scope.appId).pk,
    skPrefix: keys.componentPrefix(scope.scopeId),
    limit: 1000,
  }))
    existing.set(componentId(parseUse(item)), parseUse(item));
  const wanted = new Map(components.map((c) => [componentId(c), c]));
  const puts = [...wanted].filter(([id]) => !existing.has(id));
  const deletes = [...existing].filter(([id]) => !wanted.has(id));
  await batchWrite(db.client, db.tableName, [
    ...puts.map(([, c]) => ({
      PutRequest: {
        Item: itemOf({
          ...c,
          appId: scope.appId,
          scopeId: scope.scopeId,
          scanId: scope.scanId,
          since: scope.at,
        }),
      },
    })),
    ...deletes.map(([id]) => ({
      DeleteRequest: { Key: keys.component(scope.appId, scope.scopeId, shortHash([id])) },
    })),
  ]);
  return { added: puts.length, removed: deletes.length };
}

/** Pattern "components of an app": the app's partition, sort keys COMPONENT#. */
export async function listComponentsOfApp(db: TableRef, appId: string): Promise<ComponentUse[]> {
  const out: ComponentUse[] = [];
  for await (const item of queryAll(db, {
    pk: keys.app(appId).pk,
    skPrefix: keys.componentPrefix(),
    limit: 1000,
  }))
    out.push(parseUse(item));
  return out;
}

/** At most this many uses per package answer (a package in every app of a large portfolio still fits). */
const MAX_USES = 5000;

async function collect(db: TableRef, q: Parameters<typeof queryPage>[1]): Promise<ComponentUse[]> {
  const out: ComponentUse[] = [];
  let cursor: Record<string, unknown> | undefined;
  do {
    const page = await queryPage(db, { ...q, cursor, limit: 1000 });
    out.push(...page.items.map(parseUse));
    cursor = page.cursor;
  } while (cursor && out.length < MAX_USES);
  return out;
}

/** Pattern "uses of a package across apps": by version-less purl (gsi2) or by bare name (gsi1). */
export async function findPackageUses(
  db: TableRef,
  query: { packageKey: string } | { name: string },
): Promise<ComponentUse[]> {
  return "packageKey" in query
    ? collect(db, { index: "gsi2", pk: keys.byPackageIndex(query.packageKey, "", "", "").gsi2pk })
    : collect(db, { index: "gsi1", pk: keys.byPackageNameIndex(query.name, "", "", "", "").gsi1pk });
}
