import { parse as parseYaml } from "yaml";
import { type AppContext, AppContextError, appContextsOf, MAX_YAML_CHARS } from "./app-context.ts";

/**
 * Parses the context YAML of docs/RISK.md. Kept apart from app-context.ts so that code which only
 * classifies (the Lambda bundles) does not carry a YAML parser.
 */
export function parseAppContextYaml(text: string): Map<string, AppContext> {
  if (text.length > MAX_YAML_CHARS) {
    throw new AppContextError(`context file is ${text.length} chars; the limit is ${MAX_YAML_CHARS}`);
  }
  let doc: unknown;
  try {
    // the yaml package caps alias expansion by default (maxAliasCount), which stops entity bombs
    doc = parseYaml(text);
  } catch (error) {
    throw new AppContextError(
      `context file is not valid YAML: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return appContextsOf(doc);
}
