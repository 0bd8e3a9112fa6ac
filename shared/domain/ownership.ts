import type { OwnershipBinding } from "./catalog.ts";
import { type CodeOwners, matchCodeOwners } from "./codeowners.ts";
import { normalizePath } from "./path.ts";
import { UNOWNED } from "./routing.ts";

/**
 * Who owns a finding (DESIGN §8), first answer wins:
 *   1. a person's owner override (triage),
 *   2. the scan's CODEOWNERS (the last matching line for the finding's file),
 *   3. the owner of the catalog component the finding lies in (most specific path first),
 *   4. the owner of that component's system, or of the app's system,
 *   5. the app's team,
 *   6. `unowned`, the queue digests show and triage routes.
 * The finding records the source that won, so a wrong owner can be traced to the file to fix.
 */

export const OWNER_SOURCES = [
  "triage",
  "codeowners",
  "catalog-component",
  "catalog-system",
  "app",
  "none",
] as const;
export type OwnerSource = (typeof OWNER_SOURCES)[number];

export interface Ownership {
  owner: string;
  source: OwnerSource;
}

export interface OwnershipContext {
  codeowners?: CodeOwners;
  binding?: OwnershipBinding;
  /** CODEOWNERS handle (lower-case) → team, from catalog groups. */
  aliases?: Readonly<Record<string, string>>;
  appTeam?: string;
}

export interface OwnedSubject {
  file?: string;
  triageOwner?: string;
}

/** `@acme/payments-team` → `payments-team`, `@jo` → `jo`; emails stay as they are. */
function handleToTeam(handle: string): string {
  const h = handle.replace(/^@/, "");
  const slash = h.indexOf("/");
  return slash >= 0 ? h.slice(slash + 1) : h;
}

/** The team a CODEOWNERS line names: the first owner the catalog knows, else the first owner. */
export function teamOfOwners(
  owners: readonly string[],
  aliases: Readonly<Record<string, string>> = {},
): string {
  for (const o of owners) {
    const known = aliases[o.toLowerCase()];
    if (known) return known;
  }
  const first = owners[0];
  return first ? handleToTeam(first) : UNOWNED;
}

/**
 * Builds the resolver for one app and scan. Pure: the same context and subject always give the same
 * owner. Component matches are precomputed longest path first, so a monorepo's `services/ledger/`
 * component beats the whole-repo component.
 */
export function ownershipResolver(ctx: OwnershipContext): (subject: OwnedSubject) => Ownership {
  const components = [...(ctx.binding?.components ?? [])].sort(
    (a, b) => (b.path?.length ?? 0) - (a.path?.length ?? 0) || (a.name < b.name ? -1 : 1),
  );
  const systemOwners = ctx.binding?.systemOwners ?? {};
  const aliases = ctx.aliases ?? {};
  const byFile = new Map<string, Ownership>();

  const fromCatalog = (file: string | undefined): Ownership | undefined => {
    const component = components.find((c) => !c.path || file?.startsWith(c.path) === true);
    if (component?.owner) return { owner: component.owner, source: "catalog-component" };
    const system = component?.system ?? ctx.binding?.appSystem;
    const systemOwner = system ? systemOwners[system] : undefined;
    if (systemOwner) return { owner: systemOwner, source: "catalog-system" };
    return undefined;
  };

  const resolveFile = (file: string | undefined): Ownership => {
    if (file && ctx.codeowners) {
      const match = matchCodeOwners(ctx.codeowners, file);
      // a matching line without owners means "nobody here": fall through to the catalog
      if (match?.owners.length) return { owner: teamOfOwners(match.owners, aliases), source: "codeowners" };
    }
    return (
      fromCatalog(file) ??
      (ctx.appTeam ? { owner: ctx.appTeam, source: "app" } : { owner: UNOWNED, source: "none" })
    );
  };

  return (subject) => {
    if (subject.triageOwner) return { owner: subject.triageOwner, source: "triage" };
    const file = subject.file ? normalizePath(subject.file).replace(/^\/+/, "") : undefined;
    const key = file ?? "";
    let found = byFile.get(key);
    if (!found) {
      found = resolveFile(file);
      byFile.set(key, found);
    }
    return found;
  };
}
