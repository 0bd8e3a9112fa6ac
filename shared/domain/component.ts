import { z } from "zod";
import { parsePurl } from "./purl.ts";

/**
 * A software component an app ships, as an SBOM or an SCA report names it: the inventory behind
 * "which apps run log4j-core, which versions".
 */
export const Component = z.object({
  purl: z.string().max(1024).optional(),
  /** The purl type (npm, maven, pypi, deb, …) when known. */
  ecosystem: z.string().max(50).optional(),
  name: z.string().min(1).max(1024),
  version: z.string().max(200).optional(),
});
export type Component = z.infer<typeof Component>;

/** At most this many components per report: an SBOM larger than this is cut, not stored whole. */
export const MAX_COMPONENTS = 100_000;

/** A package's version-less identity, lower case: `pkg:maven/org.apache.logging.log4j/log4j-core`. */
export function packageKey(c: Pick<Component, "purl" | "ecosystem" | "name">): string {
  const parts = c.purl ? parsePurl(c.purl) : undefined;
  if (parts)
    return `pkg:${parts.type}/${parts.namespace ? `${parts.namespace}/` : ""}${parts.name}`.toLowerCase();
  return `${c.ecosystem ?? "generic"}/${c.name}`.toLowerCase();
}

/** The bare name people search for: `log4j-core` for Maven's `org.apache.logging.log4j:log4j-core`. */
export function bareName(c: Pick<Component, "purl" | "name">): string {
  const parts = c.purl ? parsePurl(c.purl) : undefined;
  const name = parts?.name ?? c.name.split(/[:/]/).at(-1) ?? c.name;
  return name.toLowerCase();
}

export function componentId(c: Component): string {
  return `${packageKey(c)}@${c.version ?? ""}`;
}
