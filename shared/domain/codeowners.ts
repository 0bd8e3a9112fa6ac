import { normalizePath } from "./path.ts";

/**
 * CODEOWNERS as GitHub reads it (docs.github.com, "About code owners"): gitignore-style patterns,
 * each followed by owners (`@user`, `@org/team` or an email); the LAST matching line wins, and a
 * matching line without owners leaves the path unowned. GitHub's exceptions to gitignore hold:
 * `!` negation and `[ ]` ranges are not supported, and `\#` does not turn a comment into a pattern.
 * Paths are case sensitive. Files over 3 MB are ignored by GitHub; we refuse them.
 */

export const CODEOWNERS_MAX_BYTES = 3 * 1024 * 1024;

export interface CodeOwnersRule {
  /** 1-based line number in the file, for explanations. */
  line: number;
  pattern: string;
  owners: string[];
  regex: RegExp;
}

export interface CodeOwners {
  rules: CodeOwnersRule[];
  /** Lines GitHub would reject, with why; they are skipped. */
  errors: Array<{ line: number; reason: string }>;
}

export interface CodeOwnersMatch {
  owners: string[];
  line: number;
  pattern: string;
}

export class CodeOwnersError extends Error {
  override readonly name = "CodeOwnersError";
}

const OWNER = /^(?:@[A-Za-z0-9](?:[A-Za-z0-9_.-]*)(?:\/[A-Za-z0-9_.-]+)?|[^@\s]+@[^@\s]+\.[^@\s]+)$/;

/** Splits a line into whitespace-separated tokens; `\ ` keeps a space inside the pattern. */
function tokens(line: string): string[] {
  const out: string[] = [];
  let current = "";
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] ?? "";
    if (ch === "\\" && i + 1 < line.length) {
      current += ch + (line[i + 1] ?? "");
      i++;
    } else if (ch === " " || ch === "\t") {
      if (current) out.push(current);
      current = "";
    } else if (ch === "#" && !current) {
      // an unescaped `#` starting a token begins an inline comment
      break;
    } else {
      current += ch;
    }
  }
  if (current) out.push(current);
  return out;
}

function escapeRegex(ch: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(ch) ? `\\${ch}` : ch;
}

/**
 * Compiles one pattern to a regex over a repo-relative file path (no leading slash).
 *
 * - A leading or middle `/` anchors the pattern at the repository root; otherwise it matches at any depth.
 * - A trailing `/` matches directories only: the path must lie inside one.
 * - Without a trailing `/`, the pattern matches a file of that name or everything under a directory of
 *   that name, except when its last segment is a lone `*` (`docs/*`): GitHub then matches direct
 *   children only, not `docs/build-app/troubleshooting.md`.
 * - `*` and `?` never cross `/`; a `**` segment spans any number of directories (leading, middle or
 *   trailing); `\x` is a literal `x`; `[` and `]` are literal.
 */
export function compilePattern(pattern: string): RegExp {
  let p = pattern;
  const directoryOnly = p.endsWith("/") && !p.endsWith("\\/");
  if (directoryOnly) p = p.replace(/\/+$/, "");
  const anchored = p.startsWith("/") || p.slice(0, -1).includes("/") || p.startsWith("**/");
  p = p.replace(/^\/+/, "");
  const segments = p.split("/");
  const lastIsLoneStar = segments.at(-1) === "*" && segments.length > 1;

  let body = "";
  for (let s = 0; s < segments.length; s++) {
    const segment = segments[s] ?? "";
    const first = s === 0;
    const last = s === segments.length - 1;
    if (segment === "**") {
      if (first && last) body += ".*";
      else if (first) body += "(?:.*/)?";
      else if (last) body += "/.*";
      else body += "/(?:.*/)?";
      continue;
    }
    if (!first && segments[s - 1] !== "**") body += "/";
    for (let i = 0; i < segment.length; i++) {
      const ch = segment[i] ?? "";
      if (ch === "\\" && i + 1 < segment.length) {
        body += escapeRegex(segment[i + 1] ?? "");
        i++;
      } else if (ch === "*") {
        // runs of `*` inside a segment are one ordinary `*`
        while (segment[i + 1] === "*") i++;
        body += "[^/]*";
      } else if (ch === "?") body += "[^/]";
      else body += escapeRegex(ch);
    }
  }
  const prefix = anchored ? "^" : "^(?:.*/)?";
  const endsWithGlobstar = segments.at(-1) === "**";
  const suffix = endsWithGlobstar ? "$" : directoryOnly ? "/.*$" : lastIsLoneStar ? "$" : "(?:/.*)?$";
  return new RegExp(prefix + body + suffix);
}

/** Parses a CODEOWNERS file; lines GitHub would reject are skipped and listed in `errors`. */
export function parseCodeOwners(text: string): CodeOwners {
  if (Buffer.byteLength(text) > CODEOWNERS_MAX_BYTES)
    throw new CodeOwnersError(`CODEOWNERS is over GitHub's ${CODEOWNERS_MAX_BYTES / 1024 / 1024} MB limit`);
  const rules: CodeOwnersRule[] = [];
  const errors: CodeOwners["errors"] = [];
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    // `\#…` is still a comment on GitHub: escaping a leading # is one of its documented exceptions
    if (!trimmed || trimmed.startsWith("#") || trimmed.startsWith("\\#")) return;
    const [pattern, ...owners] = tokens(trimmed);
    if (!pattern) return;
    if (pattern.startsWith("!")) {
      errors.push({ line, reason: `negated pattern ${pattern} is not supported by CODEOWNERS` });
      return;
    }
    // GitLab section headers (`[Section]`, `^[Section]`) are not GitHub syntax
    if (/^\^?\[[^\]]*\](\[\d+\])?$/.test(pattern)) {
      errors.push({ line, reason: `section header ${pattern} is GitLab syntax` });
      return;
    }
    const bad = owners.filter((o) => !OWNER.test(o));
    if (bad.length) {
      errors.push({ line, reason: `invalid owner ${bad.join(", ")}` });
      return;
    }
    rules.push({ line, pattern, owners, regex: compilePattern(pattern) });
  });
  return { rules, errors };
}

/** The rule that decides a path: the last one that matches. Undefined when none does. */
export function matchCodeOwners(codeowners: CodeOwners, path: string): CodeOwnersMatch | undefined {
  const file = normalizePath(path).replace(/^\/+/, "");
  if (!file) return undefined;
  for (let i = codeowners.rules.length - 1; i >= 0; i--) {
    const rule = codeowners.rules[i];
    if (rule?.regex.test(file)) return { owners: rule.owners, line: rule.line, pattern: rule.pattern };
  }
  return undefined;
}
