import { type AppContext, parseAppContextYaml } from "#shared/domain/app-context";
import { classifyApp, ensureApp } from "#shared/store/app-store";
import type { TableRef } from "#shared/store/table-ref";

/**
 * Loads a context file (the `apps:` YAML of docs/RISK.md) into the inventory: each listed app is
 * created if new and classified, which clears its "unclassified" flag. Returns the app ids.
 */
export async function applyContextFile(db: TableRef, yamlText: string, now = new Date()): Promise<string[]> {
  return applyContexts(db, parseAppContextYaml(yamlText), now);
}

/** Applies parsed contexts (from the context file or a catalog push) to the inventory. */
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
