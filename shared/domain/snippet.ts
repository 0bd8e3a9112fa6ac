import { shortHash } from "./hash.ts";

/**
 * Hash of a code snippet with whitespace collapsed, so re-indentation and a moved line keep the
 * same value. Never applied to secrets (they get a salted hash instead).
 */
export function hashSnippet(snippet: string | undefined): string | undefined {
  if (!snippet) return undefined;
  const known = recent.get(snippet);
  if (known !== undefined) return known || undefined;
  const normalized = snippet.replace(/\s+/g, " ").trim();
  const hash = normalized ? shortHash([normalized]) : undefined;
  if (snippet.length <= 512) {
    // a big report repeats its snippets (one line flagged by several rules, templated code)
    if (recent.size >= 8192) recent.clear();
    recent.set(snippet, hash ?? "");
  }
  return hash;
}

/** Snippets hashed lately → their hash ("" for none): a pure function's memo, bounded. */
const recent = new Map<string, string>();
