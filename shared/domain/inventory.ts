import { type Component, componentId, MAX_COMPONENTS } from "./component.ts";
import type { NormalizedFinding } from "./finding.ts";

/**
 * The inventory a report shows: its components, plus the packages its SCA findings name, each
 * once, at most MAX_COMPONENTS. The packages are gathered as the findings come, so the findings
 * need not all be kept.
 */
export class InventoryBuilder {
  private readonly packages = new Map<string, Component>();

  addFinding(f: NormalizedFinding): void {
    const p = f.package;
    if (!p || (f.category !== "sca" && f.category !== "container")) return;
    if (this.packages.size >= MAX_COMPONENTS) return;
    const c: Component = {
      name: p.name,
      ...(p.purl ? { purl: p.purl } : {}),
      ...(p.ecosystem ? { ecosystem: p.ecosystem } : {}),
      ...(p.version ? { version: p.version } : {}),
    };
    const id = componentId(c);
    if (!this.packages.has(id)) this.packages.set(id, c);
  }

  /** The report's own components first (an SBOM says more of a component than a package ref), then the packages. */
  components(listed: readonly Component[]): Component[] {
    const byId = new Map<string, Component>();
    for (const c of listed) {
      if (byId.size >= MAX_COMPONENTS) break;
      const id = componentId(c);
      if (!byId.has(id)) byId.set(id, c);
    }
    for (const [id, c] of this.packages) {
      if (byId.size >= MAX_COMPONENTS) break;
      if (!byId.has(id)) byId.set(id, c);
    }
    return [...byId.values()];
  }
}
