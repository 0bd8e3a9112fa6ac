import { z } from "zod";
import { APP_ID_PATTERN } from "./app.ts";
import { type AppContext, appContextsOf } from "./app-context.ts";
import { parseRoutingSection, type RoutingRules } from "./routing.ts";

/**
 * The service catalog (DESIGN §8): who owns which app, component and system, and which CODEOWNERS
 * handles name which team. Two spellings are read:
 *
 * - ours: the app context YAML (`apps:`, docs/RISK.md) extended with `systems:`, `components:`,
 *   `groups:` and `routing:`;
 * - Backstage `catalog-info.yaml` (one or many `---` documents) with kinds Component, System and
 *   Group: `spec.owner`, `spec.system`, and the repo annotations `github.com/project-slug`,
 *   `gitlab.com/project-slug` and `backstage.io/source-location` (whose sub-path makes a component
 *   own part of a monorepo). `github.com/team-slug` on a Group maps CODEOWNERS teams to it.
 *
 * Parsing is pure; the store keeps the entities and the per-app bindings derived from them.
 */

export const MAX_CATALOG_CHARS = 4_000_000;
export const MAX_ENTITIES = 20_000;

const Name = z.string().trim().min(1).max(200);

export const CatalogComponent = z.object({
  name: Name,
  owner: Name.optional(),
  system: Name.optional(),
  /** App ids the component belongs to (explicit, or its own name when that is a valid app id). */
  apps: z.array(z.string()),
  /** Repo slugs (`org/repo`, lower-case, no host). */
  repos: z.array(z.string()),
  /** Part of the repo the component owns (`services/ledger/`); the whole repo when absent. */
  path: z.string().optional(),
});
export type CatalogComponent = z.infer<typeof CatalogComponent>;

export const CatalogSystem = z.object({ name: Name, owner: Name.optional() });
export type CatalogSystem = z.infer<typeof CatalogSystem>;

export const CatalogGroup = z.object({
  name: Name,
  /** CODEOWNERS handles (`@org/team`, `@user`, emails) that mean this team, lower-cased. */
  aliases: z.array(z.string()),
});
export type CatalogGroup = z.infer<typeof CatalogGroup>;

/** The ownership part of an app entry of our YAML (classification goes to the inventory). */
export const CatalogApp = z.object({
  id: z.string(),
  team: Name.optional(),
  system: Name.optional(),
  repos: z.array(z.string()),
});
export type CatalogApp = z.infer<typeof CatalogApp>;

export const CatalogEntities = z.object({
  components: z.array(CatalogComponent),
  systems: z.array(CatalogSystem),
  groups: z.array(CatalogGroup),
  apps: z.array(CatalogApp),
});
export type CatalogEntities = z.infer<typeof CatalogEntities>;

export interface ParsedCatalog extends CatalogEntities {
  format: "aspm" | "backstage";
  /** App classification from our YAML (criticality, exposure, …), for the inventory. */
  contexts: Map<string, AppContext>;
  routing?: RoutingRules;
  /** Entities skipped, with why: the push reports them instead of failing on them. */
  warnings: string[];
}

export class CatalogError extends Error {
  override readonly name = "CatalogError";
}

/** `https://github.com/Acme/Pay.git`, `git@github.com:acme/pay`, `github.com/acme/pay`, `acme/pay` → `acme/pay`. */
export function repoSlug(raw: string): string | undefined {
  let s = raw.trim();
  if (!s) return undefined;
  s = s.replace(/^url:/, "");
  s = s.replace(/^[a-z+]+:\/\/(?:[^@/]+@)?[^/]+\//i, "");
  s = s.replace(/^[^@\s/]+@[^:\s/]+:/, "");
  s = s.replace(/^(?:github\.com|gitlab\.com|bitbucket\.org)\//i, "");
  s = s.replace(/\.git$/i, "").replace(/\/+$/, "");
  const parts = s.split("/").filter(Boolean);
  if (parts.length < 2) return undefined;
  return parts.join("/").toLowerCase();
}

/**
 * A Backstage source location: the repo and, when it points into the tree, the sub-path
 * (`url:https://github.com/acme/mono/tree/main/services/ledger/` → acme/mono, `services/ledger/`).
 */
export function sourceLocation(raw: string): { repo: string; path?: string } | undefined {
  const text = raw.trim().replace(/^url:/, "");
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    const repo = repoSlug(text);
    return repo ? { repo } : undefined;
  }
  const parts = url.pathname.split("/").filter(Boolean);
  // GitLab: group/…/project/-/tree/branch/path; GitHub: org/repo/tree/branch/path
  const dash = parts.indexOf("-");
  const repoParts = dash > 0 ? parts.slice(0, dash) : parts.slice(0, 2);
  const rest = dash > 0 ? parts.slice(dash + 1) : parts.slice(2);
  const repo = repoSlug(repoParts.join("/"));
  if (!repo) return undefined;
  if ((rest[0] === "tree" || rest[0] === "blob") && rest.length > 2) {
    const path = rest.slice(2).map(decodeURIComponent).join("/");
    return { repo, path: `${path.replace(/\/+$/, "")}/` };
  }
  return { repo };
}

/** `group:default/payments` → `payments`; `user:default/jo` → `user:jo`; other namespaces are kept. */
export function ownerRef(raw: string): string {
  const match = /^(?:([a-z]+):)?(?:([^/]+)\/)?(.+)$/i.exec(raw.trim());
  if (!match) return raw.trim();
  const kind = (match[1] ?? "group").toLowerCase();
  const namespace = match[2] && match[2] !== "default" ? `${match[2]}/` : "";
  const name = `${namespace}${match[3] ?? ""}`;
  return kind === "group" ? name : `${kind}:${name}`;
}

function appIdFrom(name: string): string | undefined {
  const id = name.trim().toLowerCase();
  return APP_ID_PATTERN.test(id) ? id : undefined;
}

function normalizePathPrefix(path: string | undefined): string | undefined {
  if (!path) return undefined;
  const p = path
    .trim()
    .replace(/^\.?\/+/, "")
    .replace(/\/+$/, "");
  return p ? `${p}/` : undefined;
}

const Annotations = z.record(z.string(), z.unknown()).optional();
const BackstageEntity = z.looseObject({
  apiVersion: z.string().regex(/^backstage\.io\//),
  kind: z.string(),
  metadata: z.looseObject({ name: Name, namespace: z.string().optional(), annotations: Annotations }),
  spec: z.looseObject({ owner: z.string().optional(), system: z.string().optional() }).optional(),
});

function annotation(annotations: Record<string, unknown> | undefined, key: string): string | undefined {
  const value = annotations?.[key];
  return typeof value === "string" && value.trim() ? value.trim() : undefined;
}

function parseBackstage(docs: unknown[]): ParsedCatalog {
  const out: ParsedCatalog = {
    format: "backstage",
    components: [],
    systems: [],
    groups: [],
    apps: [],
    contexts: new Map(),
    warnings: [],
  };
  docs.forEach((doc, index) => {
    if (doc === null || doc === undefined) return;
    const parsed = BackstageEntity.safeParse(doc);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      out.warnings.push(
        `document ${index + 1}: not a Backstage entity (${issue?.path.join(".") || "(root)"}: ${issue?.message})`,
      );
      return;
    }
    const { kind, metadata, spec } = parsed.data;
    const a = metadata.annotations;
    switch (kind) {
      case "Component": {
        const repos = new Set<string>();
        let path: string | undefined;
        for (const key of ["github.com/project-slug", "gitlab.com/project-slug"]) {
          const slug = annotation(a, key);
          const repo = slug ? repoSlug(slug) : undefined;
          if (repo) repos.add(repo);
        }
        const location = annotation(a, "backstage.io/source-location");
        const located = location ? sourceLocation(location) : undefined;
        if (located) {
          repos.add(located.repo);
          path = located.path;
        }
        const explicit = annotation(a, "aspm.io/app");
        const app = appIdFrom(explicit ?? metadata.name);
        out.components.push({
          name: metadata.name,
          ...(spec?.owner ? { owner: ownerRef(spec.owner) } : {}),
          ...(spec?.system ? { system: ownerRef(spec.system) } : {}),
          apps: app ? [app] : [],
          repos: [...repos],
          ...(path ? { path } : {}),
        });
        return;
      }
      case "System":
        out.systems.push({ name: metadata.name, ...(spec?.owner ? { owner: ownerRef(spec.owner) } : {}) });
        return;
      case "Group": {
        const slug = annotation(a, "github.com/team-slug");
        out.groups.push({ name: metadata.name, aliases: slug ? [`@${slug.toLowerCase()}`] : [] });
        return;
      }
      default:
        out.warnings.push(`document ${index + 1}: kind ${kind} is not used for ownership`);
    }
  });
  return out;
}

const StringList = z.union([z.string().transform((s) => [s]), z.array(z.string())]).optional();

const OurApp = z.looseObject({
  id: z.string(),
  team: z.string().optional(),
  owner: z.string().optional(),
  system: z.string().optional(),
  repos: StringList,
  repo: z.string().optional(),
});
const OurComponent = z.object({
  name: Name,
  owner: Name.optional(),
  system: Name.optional(),
  app: z.string().optional(),
  repo: z.string().optional(),
  path: z.string().optional(),
});
const OurFile = z.looseObject({
  apps: z.array(OurApp).optional(),
  systems: z.array(z.object({ name: Name, owner: Name.optional() })).optional(),
  components: z.array(OurComponent).optional(),
  groups: z.array(z.object({ name: Name, aliases: StringList })).optional(),
  routing: z.unknown().optional(),
});

function parseOurs(doc: unknown): ParsedCatalog {
  const parsed = OurFile.safeParse(doc ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CatalogError(`catalog: ${issue?.path.join(".") || "(root)"}: ${issue?.message ?? "invalid"}`);
  }
  const file = parsed.data;
  // classification and duplicate ids: the context file rules, so both files mean the same thing
  const contexts = file.apps?.length ? appContextsOf(doc) : new Map<string, AppContext>();
  const out: ParsedCatalog = {
    format: "aspm",
    components: [],
    systems: (file.systems ?? []).map((s) => ({ name: s.name, ...(s.owner ? { owner: s.owner } : {}) })),
    groups: (file.groups ?? []).map((g) => ({
      name: g.name,
      aliases: (g.aliases ?? []).map((x) => x.trim().toLowerCase()),
    })),
    apps: [],
    contexts,
    warnings: [],
  };
  for (const app of file.apps ?? []) {
    const id = app.id.trim();
    const team = app.team ?? app.owner;
    const repos = [...(app.repos ?? []), ...(app.repo ? [app.repo] : [])]
      .map(repoSlug)
      .filter((r): r is string => !!r);
    out.apps.push({
      id,
      ...(team ? { team: team.trim() } : {}),
      ...(app.system ? { system: app.system.trim() } : {}),
      repos,
    });
  }
  for (const c of file.components ?? []) {
    const app = c.app ? appIdFrom(c.app) : undefined;
    if (c.app && !app) {
      out.warnings.push(`component ${c.name}: app "${c.app}" is not a valid app id`);
      continue;
    }
    const repo = c.repo ? repoSlug(c.repo) : undefined;
    if (!app && !repo) {
      out.warnings.push(`component ${c.name}: names neither an app nor a repo, so it owns nothing`);
      continue;
    }
    const path = normalizePathPrefix(c.path);
    out.components.push({
      name: c.name,
      ...(c.owner ? { owner: c.owner } : {}),
      ...(c.system ? { system: c.system } : {}),
      apps: app ? [app] : [],
      repos: repo ? [repo] : [],
      ...(path ? { path } : {}),
    });
  }
  if (file.routing !== undefined) out.routing = parseRoutingSection(file.routing);
  return out;
}

/**
 * Parses catalog documents (the YAML's documents, as the API receives them in JSON): Backstage when
 * they carry `apiVersion: backstage.io/…`, ours otherwise. An invalid file throws a CatalogError;
 * entities that cannot own anything are skipped with a warning.
 */
export function parseCatalogDocuments(docs: readonly unknown[]): ParsedCatalog {
  const isBackstage = docs.some(
    (d) =>
      typeof d === "object" &&
      d !== null &&
      typeof (d as { apiVersion?: unknown }).apiVersion === "string" &&
      (d as { apiVersion: string }).apiVersion.startsWith("backstage.io/"),
  );
  if (!isBackstage && docs.length > 1)
    throw new CatalogError("catalog: our format is one YAML document; several were found");
  const catalog = isBackstage ? parseBackstage([...docs]) : parseOurs(docs[0]);
  const count =
    catalog.components.length + catalog.systems.length + catalog.groups.length + catalog.apps.length;
  if (count > MAX_ENTITIES)
    throw new CatalogError(`catalog has ${count} entities; the limit is ${MAX_ENTITIES}`);
  return catalog;
}

/**
 * What correlate needs to know about one app: the components bound to it (by app id or repo),
 * the owners of the systems they or the app belong to, and the app's own system.
 */
export const OwnershipBinding = z.object({
  components: z.array(CatalogComponent),
  systemOwners: z.record(z.string(), z.string()),
  appSystem: z.string().optional(),
});
export type OwnershipBinding = z.infer<typeof OwnershipBinding>;

/**
 * Derives the bindings stored for lookup: one per app id and one per repo slug, so correlate finds
 * an app's catalog entries with a couple of key reads, whichever of the two the catalog names.
 */
export function catalogBindings(entities: CatalogEntities): {
  byApp: Map<string, OwnershipBinding>;
  byRepo: Map<string, OwnershipBinding>;
  aliases: Record<string, string>;
} {
  const systemOwners = new Map(
    entities.systems.filter((s) => s.owner).map((s) => [s.name, s.owner as string]),
  );
  const byApp = new Map<string, OwnershipBinding>();
  const byRepo = new Map<string, OwnershipBinding>();
  const binding = (map: Map<string, OwnershipBinding>, key: string) => {
    let b = map.get(key);
    if (!b) {
      b = { components: [], systemOwners: {} };
      map.set(key, b);
    }
    return b;
  };
  const addSystem = (b: OwnershipBinding, system: string | undefined) => {
    const owner = system ? systemOwners.get(system) : undefined;
    if (system && owner) b.systemOwners[system] = owner;
  };
  for (const c of entities.components) {
    for (const app of c.apps) {
      const b = binding(byApp, app);
      b.components.push(c);
      addSystem(b, c.system);
    }
    for (const repo of c.repos) {
      const b = binding(byRepo, repo);
      b.components.push(c);
      addSystem(b, c.system);
    }
  }
  for (const app of entities.apps) {
    // an app of ours that names its repos gets the components a Backstage catalog puts there
    const viaRepos = app.repos.map((r) => byRepo.get(r)).filter((b): b is OwnershipBinding => !!b);
    if (!app.system && !viaRepos.length) continue;
    const b = binding(byApp, app.id);
    const merged = mergeBindings([b, ...viaRepos]);
    b.components = merged.components;
    b.systemOwners = merged.systemOwners;
    if (app.system) {
      b.appSystem = app.system;
      addSystem(b, app.system);
    }
  }
  const aliases: Record<string, string> = {};
  for (const g of entities.groups) for (const alias of g.aliases) aliases[alias.toLowerCase()] = g.name;
  return { byApp, byRepo, aliases };
}

/** Merges the bindings found for one app (its id and each of its repos), without repeats. */
export function mergeBindings(list: readonly OwnershipBinding[]): OwnershipBinding {
  const merged: OwnershipBinding = { components: [], systemOwners: {} };
  const seen = new Set<string>();
  for (const b of list) {
    for (const c of b.components) {
      const key = `${c.name}|${c.path ?? ""}`;
      if (seen.has(key)) continue;
      seen.add(key);
      merged.components.push(c);
    }
    Object.assign(merged.systemOwners, b.systemOwners);
    if (b.appSystem && !merged.appSystem) merged.appSystem = b.appSystem;
  }
  return merged;
}
