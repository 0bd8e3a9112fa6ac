import { z } from "zod";
import { type AppContext, AppContextError } from "#shared/domain/app-context";
import { CatalogError, catalogBindings, MAX_ENTITIES, parseCatalogDocuments } from "#shared/domain/catalog";
import { RoutingError } from "#shared/domain/routing";
import { classifyApp, ensureApp } from "#shared/store/app-store";
import {
  loadCatalogEntities,
  putCatalogSource,
  putRoutingRules,
  replaceBindings,
} from "#shared/store/catalog-store";
import type { TableRef } from "#shared/store/table-ref";

export const PushCatalogRequest = z.object({
  /**
   * The catalog file's YAML documents as JSON: our catalog format (one document) or Backstage
   * catalog-info.yaml documents. `aspm catalog push FILE` converts the YAML.
   */
  documents: z.array(z.unknown()).min(1).max(MAX_ENTITIES),
  /** Which source this push replaces; defaults to the format (`aspm` or `backstage`). */
  source: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]{0,49}$/, "sources are lower-case letters, digits, '.', '_' or '-'")
    .optional(),
});
export type PushCatalogRequest = z.infer<typeof PushCatalogRequest>;

export interface PushCatalogResult {
  source: string;
  format: "aspm" | "backstage";
  components: number;
  systems: number;
  groups: number;
  apps: number;
  classified: number;
  routing: boolean;
  /** Bindings (app ids and repo slugs with catalog entries) derived from every source. */
  bindings: number;
  warnings: string[];
}

/** A binding is one item: a repo with more components than this is a catalog to split. */
const MAX_COMPONENTS_PER_BINDING = 1000;

/**
 * `PUT /v1/catalog` and `aspm catalog push`: stores a catalog source in the table (replacing what
 * that source said before), classifies the apps our format lists, stores routing rules when the
 * file has them, and rebuilds the ownership bindings correlate reads. Invalid input throws a
 * CatalogError (or RoutingError / AppContextError) before anything is written.
 */
export async function pushCatalog(
  deps: { db: TableRef; now?: () => Date },
  request: PushCatalogRequest,
): Promise<PushCatalogResult> {
  const now = (deps.now ?? (() => new Date()))();
  const catalog = parseCatalogDocuments(request.documents);
  const source = request.source ?? catalog.format;
  const entities = {
    components: catalog.components,
    systems: catalog.systems,
    groups: catalog.groups,
    apps: catalog.apps,
  };
  const others = await loadCatalogEntities(deps.db, source);
  const bindings = catalogBindings({
    components: [...others.components, ...entities.components],
    systems: [...others.systems, ...entities.systems],
    groups: [...others.groups, ...entities.groups],
    apps: [...others.apps, ...entities.apps],
  });
  for (const [kind, map] of [
    ["app", bindings.byApp],
    ["repo", bindings.byRepo],
  ] as const) {
    for (const [id, b] of map) {
      if (b.components.length > MAX_COMPONENTS_PER_BINDING)
        throw new CatalogError(
          `${kind} ${id} has ${b.components.length} catalog components; the limit is ${MAX_COMPONENTS_PER_BINDING}`,
        );
    }
  }
  await putCatalogSource(deps.db, source, entities, now.toISOString());
  const classified = await applyContexts(deps.db, catalog.contexts, now);
  if (catalog.routing) await putRoutingRules(deps.db, catalog.routing, now.toISOString());
  const count = await replaceBindings(deps.db, bindings);
  return {
    source,
    format: catalog.format,
    components: catalog.components.length,
    systems: catalog.systems.length,
    groups: catalog.groups.length,
    apps: catalog.apps.length,
    classified: classified.length,
    routing: !!catalog.routing,
    bindings: count,
    warnings: catalog.warnings,
  };
}

/** Errors that mean "fix your file" (a 400), as opposed to an outage. */
export function isCatalogInputError(error: unknown): error is Error {
  return error instanceof CatalogError || error instanceof RoutingError || error instanceof AppContextError;
}

/** Applies parsed app contexts (from a catalog push or the context file) to the inventory. */
export async function applyContexts(
  db: TableRef,
  contexts: ReadonlyMap<string, AppContext>,
  now = new Date(),
): Promise<string[]> {
  for (const [appId, ctx] of contexts) {
    await ensureApp(db, appId, now.toISOString());
    await classifyApp(
      db,
      appId,
      {
        ...(ctx.defaulted.includes("criticality") ? {} : { criticality: ctx.criticality }),
        ...(ctx.defaulted.includes("exposure") ? {} : { exposure: ctx.exposure }),
        ...(ctx.defaulted.includes("data") ? {} : { data: ctx.data }),
        ...(ctx.defaulted.includes("environment") ? {} : { environment: ctx.environment }),
        controls: ctx.controls,
        ...(ctx.team ? { team: ctx.team } : {}),
      },
      !ctx.unclassified,
    );
  }
  return [...contexts.keys()];
}
