import { randomUUID } from "node:crypto";
import type { App } from "#shared/domain/app";
import { bareName, type Component, packageKey } from "#shared/domain/component";
import { parsePurl } from "#shared/domain/purl";
import { cycloneDx16 } from "#shared/domain/sbom";
import { allows, type Principal } from "#shared/domain/token";
import { listApps } from "#shared/store/app-store";
import { allFindingsOfApp } from "#shared/store/finding-store";
import { findPackageUses, listComponentsOfApp, replaceScopeInventory } from "#shared/store/inventory-store";
import type { TableRef } from "#shared/store/table-ref";
import { invalid } from "./errors.ts";
import { readableApp } from "./query-findings.ts";

/**
 * The component inventory: written from each tracked scan (SBOM components and SCA findings'
 * packages), read as "which apps run this package, which versions" and as an app's SBOM.
 */

export interface InventoryDeps {
  db: TableRef;
  now?: () => Date;
}

/**
 * After a tracked scan is normalized: its scope's inventory becomes what this report shows (its
 * components and its SCA findings' packages: `InventoryBuilder`).
 */
export async function recordInventory(
  deps: InventoryDeps,
  scan: { appId: string; scanId: string; scopeId: string; at: string },
  components: Component[],
): Promise<{ added: number; removed: number }> {
  return replaceScopeInventory(deps.db, scan, components);
}

export interface PackageAnswer {
  query: string;
  apps: Array<{ appId: string; versions: string[] }>;
  uses: Array<{
    appId: string;
    purl?: string;
    ecosystem?: string;
    name: string;
    version?: string;
    lastSeenAt: string;
    sources: string[];
  }>;
}

/** `log4j-core`, `pkg:maven/org.apache.logging.log4j/log4j-core` or the same `@2.14.1`: who uses it, which versions. */
export async function packageUses(
  deps: InventoryDeps,
  principal: Principal,
  query: string,
): Promise<PackageAnswer> {
  const q = query.trim();
  if (!q || q.length > 1000) throw invalid("name a package: a name like log4j-core or a purl");
  let uses: Awaited<ReturnType<typeof findPackageUses>>;
  let version: string | undefined;
  if (q.startsWith("pkg:")) {
    const parts = parsePurl(q);
    if (!parts) throw invalid(`${q} is not a valid purl`);
    version = parts.version;
    uses = await findPackageUses(deps.db, { packageKey: packageKey({ purl: q, name: parts.name }) });
  } else {
    uses = await findPackageUses(deps.db, { name: bareName({ name: q }) });
  }
  if (version) uses = uses.filter((u) => u.version === version);
  const apps = new Map<string, App>((await listApps(deps.db)).map((a) => [a.appId, a]));
  uses = uses.filter((u) =>
    allows(principal, "read", { app: u.appId, team: apps.get(u.appId)?.team ?? "unowned" }),
  );

  // one line per app, package and version, whichever scopes saw it
  const merged = new Map<string, PackageAnswer["uses"][number]>();
  for (const u of uses) {
    const key = `${u.appId}|${packageKey(u)}|${u.version ?? ""}`;
    const line = merged.get(key);
    if (line) {
      line.sources.push(u.scopeId);
      if (u.since > line.lastSeenAt) line.lastSeenAt = u.since;
    } else {
      merged.set(key, {
        appId: u.appId,
        name: u.name,
        ...(u.purl ? { purl: u.purl } : {}),
        ...(u.ecosystem ? { ecosystem: u.ecosystem } : {}),
        ...(u.version ? { version: u.version } : {}),
        lastSeenAt: u.since,
        sources: [u.scopeId],
      });
    }
  }
  const byApp = new Map<string, Set<string>>();
  for (const u of merged.values()) {
    const versions = byApp.get(u.appId) ?? new Set<string>();
    versions.add(u.version ?? "unknown");
    byApp.set(u.appId, versions);
  }
  return {
    query: q,
    apps: [...byApp]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([appId, v]) => ({ appId, versions: [...v].sort() })),
    uses: [...merged.values()],
  };
}

/** The app's CycloneDX 1.6 SBOM with VEX from triage and exceptions. */
export async function appSbom(
  deps: InventoryDeps,
  principal: Principal,
  appId: string,
): Promise<Record<string, unknown>> {
  const app = await readableApp(deps.db, principal, appId);
  const components = await listComponentsOfApp(deps.db, appId);
  const findings = [];
  for await (const f of allFindingsOfApp(deps.db, appId))
    if (f.category === "sca" || f.category === "container") findings.push(f);
  return cycloneDx16({
    appId,
    appName: app.name,
    components,
    findings,
    now: (deps.now ?? (() => new Date()))(),
    serial: randomUUID(),
  });
}
