import type { SecretRef } from "./finding.ts";
import { sha256Hex } from "./hash.ts";

/** Secrets shorter than this get no preview at all: 4 characters of an 8-character password is half of it. */
export const PREVIEW_MIN_LENGTH = 16;
/** Characters a preview shows of a secret long enough to have one. */
export const PREVIEW_CHARS = 4;

/** The first characters of a long secret and its length (`AKIA…(20)`), only the length of a short one (`…(8)`). */
export function secretPreview(secret: string): string {
  const chars = [...secret];
  const shown = chars.length >= PREVIEW_MIN_LENGTH ? chars.slice(0, PREVIEW_CHARS).join("") : "";
  return `${shown}…(${chars.length})`;
}

/**
 * Turns a secret into what we may keep: a salted sha256 and a masked preview.
 * The salt is per installation (config), so the hash correlates re-scans without being a
 * lookup table for known secrets.
 */
export function redactSecret(secret: string, salt: string, verified?: boolean): SecretRef {
  return {
    hash: sha256Hex(salt, secret),
    preview: secretPreview(secret),
    ...(verified === undefined ? {} : { verified }),
  };
}

/**
 * Masks every occurrence of the secret inside a text (a match line, a snippet) before we keep it,
 * with the same preview a long secret gets and none for a short one. Even a secret of a character
 * or two is masked (the text may suffer, the secret may not); callers that can should rather drop
 * such a text.
 */
export function maskSecretIn(text: string, secret: string): string {
  if (!secret) return text;
  const chars = [...secret];
  const shown = chars.length >= PREVIEW_MIN_LENGTH ? chars.slice(0, PREVIEW_CHARS).join("") : "";
  return text.split(secret).join(`${shown}****`);
}

/** Chars that end a URL's authority (`user:pass@host:port`) or the URL itself in running text. */
function endsAuthority(c: number): boolean {
  return (
    c <= 0x20 || // blanks and control chars
    c === 0x2f || // /
    c === 0x3f || // ?
    c === 0x23 || // #
    c === 0x22 || // "
    c === 0x27 || // '
    c === 0x3c || // <
    c === 0x3e || // >
    c === 0x60 || // `
    c === 0x5c // \
  );
}

/**
 * Replaces the user info of every URL in a text (`https://user:token@host/…`, `postgres://u:p@db`)
 * with `***`: a credential embedded in a repository URL, a link or a connection string is a secret
 * too. One linear pass (the text may be long and hostile): no backtracking regex.
 */
export function redactUrlCredentials(text: string): string {
  if (!text.includes("@")) return text;
  let out = "";
  let kept = 0;
  for (let at = text.indexOf("://"); at !== -1; ) {
    const authority = at + 3;
    let end = authority;
    let lastAt = -1;
    for (; end < text.length; end++) {
      const c = text.charCodeAt(end);
      if (endsAuthority(c)) break;
      if (c === 0x40) lastAt = end;
    }
    if (lastAt !== -1) {
      out += `${text.slice(kept, authority)}***`;
      kept = lastAt;
    }
    at = text.indexOf("://", end);
  }
  return kept === 0 ? text : out + text.slice(kept);
}
