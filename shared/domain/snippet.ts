import { shortHash } from "./hash.ts";

/**
 * Hash of a code snippet with whitespace collapsed, so re-indentation and a moved line keep the
 * same value. Never applied to secrets (they get a salted hash instead).
 */
export function hashSnippet(snippet: string | undefined): string | undefined {
  if (!snippet) return undefined;
  const normalized = snippet.replace(/\s+/g, " ").trim();
  return normalized ? shortHash([normalized]) : undefined;
}
