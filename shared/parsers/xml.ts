import { XMLParser } from "fast-xml-parser";
import { ParseError } from "./parse-error.ts";
import { withoutDoctype } from "./xml-prolog.ts";

/**
 * Safe XML: the DOCTYPE (and any internal subset with ENTITY declarations) is cut out before
 * parsing, so external entities are never resolved and entity bombs have nothing to expand.
 * Only predefined entities and character references are decoded.
 */

export type XmlNode = Record<string, unknown>;

export interface XmlOptions {
  /** Element names that are always arrays, even with one child (`issue`, `alertitem`, …). */
  arrays?: readonly string[];
}

export function parseXml(text: string, format: string, options: XmlOptions = {}): XmlNode {
  const arrays = new Set(options.arrays ?? []);
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: "@_",
    textNodeName: "#text",
    processEntities: true,
    htmlEntities: true, // numeric character references and the fixed HTML table; never DTD-defined ones
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
    removeNSPrefix: true,
    isArray: (name) => arrays.has(name),
  });
  try {
    const value: unknown = parser.parse(withoutDoctype(text));
    if (typeof value !== "object" || value === null) throw new Error("no document element");
    return value as XmlNode;
  } catch (error) {
    if (error instanceof ParseError) throw new ParseError(error.message, format, error.where);
    throw new ParseError(`invalid XML: ${(error as Error).message.split("\n")[0]}`, format);
  }
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
