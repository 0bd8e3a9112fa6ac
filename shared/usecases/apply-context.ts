import { parseAppContextYaml } from "#shared/domain/app-context-yaml";
import type { TableRef } from "#shared/store/table-ref";
import { applyContexts } from "./catalog.ts";

/**
 * Loads a context file (the `apps:` YAML of docs/RISK.md) into the inventory: each listed app is
 * created if new and classified, which clears its "unclassified" flag. Returns the app ids.
 */
export async function applyContextFile(db: TableRef, yamlText: string, now = new Date()): Promise<string[]> {
  return applyContexts(db, parseAppContextYaml(yamlText), now);
}
