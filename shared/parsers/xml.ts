import { readXmlTree, type XmlNode } from "./xml-tree.ts";

export type { XmlNode };

/**
 * Reports read as one XML tree (the record lists are read one record at a time: xml-cursor.ts).
 * Safe XML: the DOCTYPE (and any internal subset with ENTITY declarations) is never read, so
 * external entities are never resolved and entity bombs have nothing to expand.
 */

export interface XmlOptions {
  /** Element names that are always arrays, even with one child (`issue`, `alertitem`, …). */
  arrays?: readonly string[];
}

export function parseXml(bytes: Buffer, format: string, options: XmlOptions = {}): XmlNode {
  return readXmlTree(bytes, format, new Set(options.arrays ?? []));
}

/** Text content of an element that may be a plain string or `{ "#text": … }` with attributes. */
export function xmlText(node: unknown): string | undefined {
  if (typeof node === "string") return node;
  if (typeof node === "number" || typeof node === "boolean") return String(node);
  if (node && typeof node === "object" && "#text" in node) {
    const text = (node as { "#text": unknown })["#text"];
    return typeof text === "string" || typeof text === "number" ? String(text) : undefined;
  }
  return undefined;
}

/** Children that may be absent, one object, or an array, as an array. */
export function xmlList(node: unknown): unknown[] {
  if (node === undefined || node === null || node === "") return [];
  return Array.isArray(node) ? node : [node];
}
