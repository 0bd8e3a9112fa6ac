import { readFileSync } from "node:fs";
import { CatalogError } from "#shared/domain/catalog";
import { pushCatalog } from "../api-client.ts";
import { apiTarget } from "../api-target.ts";
import { CliError, type CliIo } from "../io.ts";

export const CATALOG_USAGE = `usage: aspm catalog push FILE [--source NAME] [--json]

Pushes a catalog to the API (ASPM_API_URL, ASPM_API_TOKEN): our YAML (apps, systems, components,
groups, routing) or Backstage catalog-info.yaml documents (Component, System, Group). A push
replaces what the same source said before; the source defaults to the format (aspm or backstage).`;

/** `aspm catalog push FILE`: one PUT /v1/catalog; warnings go to stderr, the summary to stdout. */
export async function catalogPushCommand(
  io: CliIo,
  file: string,
  options: { source?: string; api?: string; token?: string; json?: boolean },
): Promise<void> {
  let content: string;
  try {
    content = readFileSync(file, "utf8");
  } catch {
    throw new CliError(`cannot read catalog file ${file}`, 2);
  }
  const api = apiTarget(options);
  let result: Awaited<ReturnType<typeof pushCatalog>>;
  try {
    result = await pushCatalog(api, content, options.source);
  } catch (error) {
    // a file that does not parse, or a 400, is the file's fault: bad input, exit 2
    const message = error instanceof Error ? error.message : String(error);
    const badInput = error instanceof CatalogError || / answered 400/.test(message);
    throw new CliError(`catalog push failed: ${message}`, badInput ? 2 : 1);
  }
  if (options.json) {
    io.out(JSON.stringify(result));
    return;
  }
  io.out(
    `catalog ${result.source} (${result.format}): ${result.components} components, ${result.systems} systems, ${result.groups} groups, ${result.apps} apps${result.routing ? ", routing rules" : ""}; ${result.bindings} ownership bindings`,
  );
  for (const w of result.warnings) io.err(`  warning: ${w}`);
}
