import { hash } from "node:crypto";

/** Hex sha256 of the parts joined by a separator that cannot occur in ids (one-shot: no Hash object per call). */
export function sha256Hex(...parts: string[]): string {
  return hash("sha256", parts.length === 1 ? (parts[0] ?? "") : parts.join("\u001f"), "hex");
}

/** A short, stable id: the first `length` hex chars of sha256 (64 bits by default). */
export function shortHash(parts: string[], length = 16): string {
  return sha256Hex(...parts).slice(0, length);
}
