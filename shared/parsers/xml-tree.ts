import { XmlCursor } from "./xml-cursor.ts";

/**
 * A whole XML document as one tree, read with our cursor (xml-cursor.ts), in the shape our
 * mappers were written against (fast-xml-parser's, with `ignoreAttributes: false`,
 * `removeNSPrefix`, `trimValues`, no value parsing): attributes as `@_name`, an element with only
 * text as its trimmed string (`""` when empty), text beside attributes or children as `#text`, a
 * repeated child as an array (always one for the names in `arrays`), namespace prefixes removed
 * and `xmlns` attributes dropped.
 *
 * The registry checks the document's bounds (xml-bounds.ts) before a tree is built.
 */
export type XmlNode = Record<string, unknown>;

/**
 * Sets an own property, whatever the name: an element named `__proto__` must not become the
 * node's prototype, nor one named `constructor` meet the inherited one.
 */
function setOwn(node: XmlNode, name: string, value: unknown): void {
  if (name === "__proto__")
    Object.defineProperty(node, name, { value, enumerable: true, writable: true, configurable: true });
  else node[name] = value;
}

/** Adds a child's value under its name, turning a repeated name into an array. */
function attach(parent: XmlNode, name: string, value: unknown, arrays: ReadonlySet<string>): void {
  const existing = Object.hasOwn(parent, name) ? parent[name] : undefined;
  if (existing === undefined) setOwn(parent, name, arrays.has(name) ? [value] : value);
  else if (Array.isArray(existing)) existing.push(value);
  else setOwn(parent, name, [existing, value]);
}

/** The value fast-xml-parser gives the element the cursor stands on: its text alone, or its object. */
function elementValue(cursor: XmlCursor, arrays: ReadonlySet<string>): unknown {
  let node: XmlNode | undefined;
  cursor.attributes((name, value) => {
    node ??= {};
    setOwn(node, `@_${name}`, value);
  });
  let text = "";
  while (cursor.next()) {
    text += cursor.text;
    const name = cursor.name;
    const value = elementValue(cursor, arrays);
    node ??= {};
    attach(node, name, value, arrays);
  }
  text += cursor.text;
  if (node === undefined) return text;
  if (text) node["#text"] = text;
  return node;
}

/** A whole XML document (its UTF-8 bytes) as one tree, `{ [root]: … }`. */
export function readXmlTree(bytes: Buffer, format: string, arrays: ReadonlySet<string> = new Set()): XmlNode {
  const cursor = new XmlCursor(bytes, format);
  const document: XmlNode = {};
  cursor.next();
  setOwn(document, cursor.name, elementValue(cursor, arrays));
  return document;
}
