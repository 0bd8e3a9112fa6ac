import { type JsonLimits, treeTooBig } from "./lazy-json.ts";
import { ParseError } from "./parse-error.ts";
import { XML_BYTES, xmlStringTooLong, xmlTooDeep } from "./xml-bounds.ts";
import { readProlog } from "./xml-prolog.ts";

/**
 * A one-pass XML reader for reports that are a long list of records (Dependency-Check's
 * `<dependency>`s): each record is built as a small tree, handed to the caller and dropped, so a
 * 200 MB report never becomes one 1 GB tree, and the subtrees the mapper never reads
 * (`<evidenceCollected>`, hashes) are stepped over without building anything.
 *
 * `readXmlTree` reads a whole document the same way, for the reports that are not record lists.
 * The trees have the shape our mappers were written against (fast-xml-parser's, with `ignoreAttributes:
 * false`, `removeNSPrefix`, `trimValues`, no value parsing): attributes as `@_name`, an element with only text as its trimmed string (`""` when
 * empty), text beside attributes or children as `#text`, a repeated child as an array (always one
 * for the names in `arrays`), namespace prefixes removed and `xmlns` attributes dropped.
 *
 * Safe: parsing starts at the root element, so the DOCTYPE and any entity it declares are never
 * read (no external entity is resolved, no entity bomb expands); a DOCTYPE after the root is
 * refused. XML's five predefined entities, character references and a fixed table of common HTML
 * names are decoded; any other `&name;` is left as written.
 */
export type XmlNode = Record<string, unknown>;

export interface XmlRecordsOptions {
  /** Element names from the root to a record, e.g. `["analysis", "dependencies", "dependency"]`. */
  records: readonly string[];
  /** Elements whose subtrees are never built, wherever they are (nothing reads them). */
  skip?: ReadonlySet<string>;
  /** Element names that are always arrays, even with one child. */
  arrays?: ReadonlySet<string>;
  /**
   * A single record, or the document outside the records, may need at most `maxTreeBytes` of
   * memory; nesting and the texts, CDATA sections and attribute values built are bounded as the
   * document is read, where the limits are given (a tree reader's document was checked before).
   */
  limits: Pick<JsonLimits, "maxTreeBytes"> & Partial<JsonLimits>;
}

interface Frame {
  name: string;
  /** The name as written, prefix included. */
  raw: string;
  node: XmlNode | undefined;
  text: string;
}

/** XML's five, and the common HTML names that hand-written or HTML-exporting tools put in reports. */
const NAMED: Record<string, string> = {
  lt: "<",
  gt: ">",
  amp: "&",
  quot: '"',
  apos: "'",
  nbsp: "\u00a0",
  copy: "\u00a9",
  reg: "\u00ae",
  trade: "\u2122",
  mdash: "\u2014",
  ndash: "\u2013",
  hellip: "\u2026",
  laquo: "\u00ab",
  raquo: "\u00bb",
  lsquo: "\u2018",
  rsquo: "\u2019",
  ldquo: "\u201c",
  rdquo: "\u201d",
  bull: "\u2022",
  para: "\u00b6",
  sect: "\u00a7",
  deg: "\u00b0",
  frac12: "\u00bd",
  frac14: "\u00bc",
  frac34: "\u00be",
  cent: "\u00a2",
  pound: "\u00a3",
  yen: "\u00a5",
  euro: "\u20ac",
  curren: "\u00a4",
  dollar: "$",
};
const ENTITY = /&(#[xX][0-9a-fA-F]+|#[0-9]+|[A-Za-z][A-Za-z0-9]*);/g;

function decodeEntity(whole: string, body: string): string {
  if (body.charCodeAt(0) !== 0x23) return Object.hasOwn(NAMED, body) ? (NAMED[body] ?? whole) : whole;
  const hex = body.charCodeAt(1) === 0x78 || body.charCodeAt(1) === 0x58;
  const code = Number.parseInt(body.slice(hex ? 2 : 1), hex ? 16 : 10);
  return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
}

/** Entity and character references decoded; text with no `&` is returned as it is. */
export function decodeXmlText(raw: string): string {
  return raw.indexOf("&") === -1 ? raw : raw.replace(ENTITY, decodeEntity);
}

/** `ns:name` → `name` (removeNSPrefix). */
function localName(name: string): string {
  const colon = name.indexOf(":");
  return colon === -1 ? name : name.slice(colon + 1);
}

function isNameEnd(c: number): boolean {
  // blank, '/', '>' (or the end: NaN)
  return c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d || c === 0x2f || c === 0x3e || Number.isNaN(c);
}

function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;
}

function invalid(what: string, at: number, format: string): ParseError {
  return new ParseError(`invalid XML: ${what}`, format, `offset ${at}`);
}

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
function attach(
  parent: XmlNode,
  name: string,
  value: unknown,
  arrays: ReadonlySet<string> | undefined,
): void {
  const existing = Object.hasOwn(parent, name) ? parent[name] : undefined;
  if (existing === undefined) setOwn(parent, name, arrays?.has(name) ? [value] : value);
  else if (Array.isArray(existing)) existing.push(value);
  else setOwn(parent, name, [existing, value]);
}

/**
 * Reads `text` (a whole XML document) once, calling `visit` with each record in document order
 * and the root element read so far (without its records: what comes before them, such as a
 * header, is complete). Returns the whole document without its records, as `{ [root]: … }`.
 */
export function forEachXmlRecord(
  text: string,
  format: string,
  options: XmlRecordsOptions,
  visit: (record: unknown, index: number, root: XmlNode) => void,
): XmlNode {
  const { records, skip, arrays } = options;
  const maxBytes = options.limits.maxTreeBytes;
  const maxDepth = options.limits.maxJsonDepth ?? Number.POSITIVE_INFINITY;
  const maxString = options.limits.maxStringBytes ?? Number.POSITIVE_INFINITY;
  const tooLong = (length: number, what: string, at: number): void => {
    if (length > maxString) throw xmlStringTooLong(length, what, at, maxString);
  };
  // no record path: nothing is a record, the whole document is built
  const recordDepth = records.length || -1;
  const document: XmlNode = {};
  const stack: Frame[] = [];
  // the open elements' names matched the record path up to this depth
  let onPath = 0;
  let recordIndex = 0;
  let documentBytes = 0;
  let recordBytes = 0;
  const n = text.length;
  let i = readProlog(text).rootStart;

  let recordStart = 0;
  const grow = (bytes: number, at: number): void => {
    if (onPath === recordDepth) {
      if (recordBytes === 0) recordStart = at;
      recordBytes += bytes;
      if (recordBytes > maxBytes)
        throw treeTooBig(recordBytes, options.limits, `the <${records.at(-1)}> at offset ${recordStart}`);
    } else {
      documentBytes += bytes;
      if (documentBytes > maxBytes) throw treeTooBig(documentBytes, options.limits, "the parsed XML");
    }
  };

  /** The end of a quoted attribute value opening at `q`. */
  const quoteEnd = (q: number): number => {
    const close = text.indexOf(text[q] === '"' ? '"' : "'", q + 1);
    if (close === -1) throw invalid("unterminated attribute value", q, format);
    return close;
  };

  /** The index of the `>` closing the start tag that began before `from`. */
  const tagEnd = (from: number): number => {
    for (let j = from; j < n; j++) {
      const c = text.charCodeAt(j);
      if (c === 0x3e) return j;
      if (c === 0x22 || c === 0x27) j = quoteEnd(j);
    }
    throw invalid("unterminated start tag", from, format);
  };

  /** Past a comment, CDATA section, or processing instruction at `lt`; refuses a DOCTYPE. */
  const pastSpecial = (lt: number): number => {
    if (text.startsWith("<!--", lt)) {
      const end = text.indexOf("-->", lt + 4);
      if (end === -1) throw invalid("unterminated comment", lt, format);
      return end + 3;
    }
    if (text.startsWith("<![CDATA[", lt)) {
      const end = text.indexOf("]]>", lt + 9);
      if (end === -1) throw invalid("unterminated CDATA section", lt, format);
      return end + 3;
    }
    if (text.charCodeAt(lt + 1) === 0x3f) {
      const end = text.indexOf("?>", lt + 2);
      if (end === -1) throw invalid("unterminated processing instruction", lt, format);
      return end + 2;
    }
    if (/^<!DOCTYPE/i.test(text.slice(lt, lt + 9)))
      throw new ParseError("XML input has a DOCTYPE after its root element", format, `offset ${lt}`);
    throw invalid("unknown markup declaration", lt, format);
  };

  /** Past the subtree whose start tag ends at `gt` (not self-closing), building nothing. */
  const skipSubtree = (gt: number): number => {
    let depth = 1;
    let j = gt + 1;
    while (depth > 0) {
      const lt = text.indexOf("<", j);
      if (lt === -1) throw invalid("unclosed element", gt, format);
      const c = text.charCodeAt(lt + 1);
      if (c === 0x2f) {
        depth--;
        j = text.indexOf(">", lt + 2);
        if (j === -1) throw invalid("unterminated end tag", lt, format);
        j++;
      } else if (c === 0x21 || c === 0x3f) j = pastSpecial(lt);
      else {
        const end = tagEnd(lt + 1);
        if (text.charCodeAt(end - 1) !== 0x2f && stack.length + ++depth > maxDepth)
          throw xmlTooDeep(lt, maxDepth);
        j = end + 1;
      }
    }
    return j;
  };

  /** The attributes of a start tag, text[from, end), onto `node`; their count. */
  const readAttributes = (from: number, end: number, node: XmlNode): number => {
    let count = 0;
    let j = from;
    while (j < end) {
      const c = text.charCodeAt(j);
      if (isBlank(c) || c === 0x2f) {
        j++;
        continue;
      }
      const eq = text.indexOf("=", j);
      if (eq === -1 || eq >= end) throw invalid("attribute without a value", j, format);
      const name = text.slice(j, eq).trim();
      let q = eq + 1;
      while (isBlank(text.charCodeAt(q))) q++;
      const quote = text.charCodeAt(q);
      if (quote !== 0x22 && quote !== 0x27) throw invalid(`attribute ${name} is not quoted`, q, format);
      const close = quoteEnd(q);
      tooLong(close - q - 1, "attribute value", q);
      const local = localName(name);
      if (name !== "xmlns" && !name.startsWith("xmlns:")) {
        setOwn(node, `@_${local}`, decodeXmlText(text.slice(q + 1, close)));
        count++;
      }
      j = close + 1;
    }
    return count;
  };

  /** The value fast-xml-parser gives an element: its text alone, or its object. */
  const elementValue = (frame: Frame): unknown => {
    if (frame.node === undefined) return frame.text;
    if (frame.text) frame.node["#text"] = frame.text;
    return frame.node;
  };

  const close = (at: number): void => {
    const frame = stack.pop();
    if (!frame) throw invalid("end tag with no element open", at, format);
    const value = elementValue(frame);
    const depth = stack.length; // the closed element's depth, from 0
    if (depth + 1 === recordDepth && onPath === recordDepth) {
      const root = stack[0];
      if (root) root.node ??= {};
      visit(value, recordIndex++, root?.node ?? {});
      recordBytes = 0;
      onPath--;
      return;
    }
    if (onPath > depth) onPath = depth;
    const parent = stack[stack.length - 1];
    if (!parent) {
      setOwn(document, frame.name, value);
      return;
    }
    parent.node ??= {};
    attach(parent.node, frame.name, value, arrays);
  };

  while (i < n) {
    const lt = text.indexOf("<", i);
    const stop = lt === -1 ? n : lt;
    if (stop > i) {
      tooLong(stop - i, "text", i);
      // blanks between tags (pretty-printed reports) are most text segments: never copied
      let k = i;
      while (k < stop && isBlank(text.charCodeAt(k))) k++;
      if (k < stop) {
        const top = stack[stack.length - 1];
        if (!top) throw invalid("text outside the root element", i, format);
        // as fast-xml-parser: each text segment trimmed, then decoded; CDATA kept as written
        top.text += decodeXmlText(text.slice(k, stop).trimEnd());
      }
    }
    if (lt === -1) break;
    const c = text.charCodeAt(lt + 1);
    if (c === 0x2f) {
      const gt = text.indexOf(">", lt + 2);
      if (gt === -1) throw invalid("unterminated end tag", lt, format);
      const top = stack[stack.length - 1];
      // the end tag repeats its start tag's name as written: compared in place, nothing copied
      const after = lt + 2 + (top?.raw.length ?? 0);
      if (!top || !text.startsWith(top.raw, lt + 2) || (after !== gt && text.slice(after, gt).trim())) {
        const name = localName(text.slice(lt + 2, gt).trim());
        throw invalid(`</${name}> does not close <${top?.name ?? "nothing"}>`, lt, format);
      }
      close(lt);
      i = gt + 1;
      if (stack.length === 0) break;
      continue;
    }
    if (c === 0x21 || c === 0x3f) {
      if (text.startsWith("<![CDATA[", lt)) {
        const end = pastSpecial(lt);
        tooLong(end - lt - 12, "CDATA section", lt);
        const top = stack[stack.length - 1];
        if (top) top.text += text.slice(lt + 9, end - 3);
        i = end;
      } else i = pastSpecial(lt);
      continue;
    }
    // a start tag
    let j = lt + 1;
    while (!isNameEnd(text.charCodeAt(j))) j++;
    if (j === lt + 1) throw invalid("a '<' that starts no tag", lt, format);
    const raw = text.slice(lt + 1, j);
    const name = localName(raw);
    const gt = tagEnd(j);
    const selfClosing = text.charCodeAt(gt - 1) === 0x2f;
    const depth = stack.length;
    if (!selfClosing && depth + 1 > maxDepth) throw xmlTooDeep(lt, maxDepth);
    if (skip?.has(name)) {
      i = selfClosing ? gt + 1 : skipSubtree(gt);
      continue;
    }
    if (onPath === depth && records[depth] === name) onPath = depth + 1;
    let node: XmlNode | undefined;
    const attrEnd = selfClosing ? gt - 1 : gt;
    if (j < attrEnd) {
      const attributes: XmlNode = {};
      const count = readAttributes(j, attrEnd, attributes);
      if (count > 0) node = attributes;
      grow(XML_BYTES.element + count * XML_BYTES.attribute, lt);
    } else grow(XML_BYTES.element, lt);
    stack.push({ name, raw, node, text: "" });
    if (selfClosing) close(lt);
    i = gt + 1;
    if (stack.length === 0) break;
  }
  if (stack.length) throw invalid(`<${stack[stack.length - 1]?.name}> is never closed`, n, format);
  if (!Object.keys(document).length) throw invalid("no document element", 0, format);
  return document;
}

/** A whole XML document as one tree, `{ [root]: … }` (the `limits` were checked on the text first). */
export function readXmlTree(text: string, format: string, arrays?: ReadonlySet<string>): XmlNode {
  const limits = { maxTreeBytes: Number.POSITIVE_INFINITY };
  return forEachXmlRecord(text, format, { records: [], arrays, limits }, () => {});
}
