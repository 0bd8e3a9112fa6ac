import type { SecretRef } from "./finding.ts";
import { sha256Hex } from "./hash.ts";

/**
 * Turns a secret into what we may keep: a salted sha256 and a masked preview.
 * The salt is per installation (config), so the hash correlates re-scans without being a
 * lookup table for known secrets.
 */
export function redactSecret(secret: string, salt: string, verified?: boolean): SecretRef {
  const preview = `${[...secret].slice(0, 4).join("")}…(${secret.length})`;
  return { hash: sha256Hex(salt, secret), preview, ...(verified === undefined ? {} : { verified }) };
}

/** Masks every occurrence of the secret inside a text (a match line, a snippet) before we keep it. */
export function maskSecretIn(text: string, secret: string): string {
  if (secret.length < 4) return text;
  return text.split(secret).join(`${[...secret].slice(0, 4).join("")}****`);
}
