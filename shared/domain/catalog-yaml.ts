import { parseAllDocuments } from "yaml";
import { CatalogError, MAX_CATALOG_CHARS, type ParsedCatalog, parseCatalogDocuments } from "./catalog.ts";

/**
 * The YAML side of the catalog, for the CLI and tests: the API receives the documents as JSON, so
 * its bundle carries no YAML parser.
 */
export function catalogDocuments(text: string): unknown[] {
  if (text.length > MAX_CATALOG_CHARS)
    throw new CatalogError(`catalog is ${text.length} chars; the limit is ${MAX_CATALOG_CHARS}`);
  const documents = parseAllDocuments(text);
  const list = Array.isArray(documents) ? documents : [documents];
  const firstError = list.flatMap((d) => d.errors)[0];
  if (firstError) throw new CatalogError(`catalog is not valid YAML: ${firstError.message}`);
  // the yaml package caps alias expansion, which stops entity bombs
  return list.map((d) => d.toJS({ maxAliasCount: 100 }) as unknown);
}

export function parseCatalog(text: string): ParsedCatalog {
  return parseCatalogDocuments(catalogDocuments(text));
}
