import { type Component, componentId, MAX_COMPONENTS } from "./component.ts";
import type { NormalizedFinding } from "./finding.ts";

/** The inventory a report shows: its components, plus the packages its SCA findings name. */
export function inventoryOf(
  components: readonly Component[],
  findings: readonly NormalizedFinding[],
): Component[] {
  const byId = new Map<string, Component>();
  const add = (c: Component) => {
    if (byId.size >= MAX_COMPONENTS) return;
    const id = componentId(c);
    if (!byId.has(id)) byId.set(id, c);
  };
  for (const c of components) add(c);
  for (const f of findings) {
    const p = f.package;
    if (!p || (f.category !== "sca" && f.category !== "container")) continue;
    add({
      name: p.name,
      ...(p.purl ? { purl: p.purl } : {}),
      ...(p.ecosystem ? { ecosystem: p.ecosystem } : {}),
      ...(p.version ? { version: p.version } : {}),
    });
  }
  return [...byId.values()];
}
