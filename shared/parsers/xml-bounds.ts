import { type JsonLimits, treeTooBig } from "./lazy-json.ts";
import { ParseError } from "./parse-error.ts";
import { readPrologOf } from "./xml-prolog.ts";

/**
 * What a tree needs for each part of a document: measured at fast-xml-parser's peak, which we used
 * before our own reader (xml-cursor.ts) and which needed more (its own node tree, then the plain
 * object; a copy of the text): about 250 bytes an element, 60 an attribute, 60 an entity reference.
 * Kept as a conservative bound. Rounded up.
 */
export const XML_BYTES = { element: 256, attribute: 64, text: 32, entity: 64 } as const;

function endOf(bytes: Buffer, from: number, token: string | number): number {
  const at = bytes.indexOf(token, from);
  return at === -1 ? bytes.length : at + (typeof token === "string" ? token.length : 1);
}

/** `bytes` holds the ASCII text `ascii` at `at`. */
export function holdsAt(bytes: Buffer, at: number, ascii: string): boolean {
  for (let k = 0; k < ascii.length; k++) if (bytes[at + k] !== ascii.charCodeAt(k)) return false;
  return true;
}

/**
 * One linear pass over an XML document's bytes from its root element, before any tree is built:
 * refuses nesting deeper than the depth bound, any text, CDATA section or attribute value longer
 * than the string bound (in bytes). Returns the memory the whole tree would need, which
 * `checkXmlDocument` holds to the memory bound (an element flood such as `<a/><a/>…`) for the
 * parsers that build it. Malformed XML is left for the parser.
 */
export function checkXmlBounds(bytes: Buffer, rootStart: number, limits: JsonLimits): number {
  const n = bytes.length;
  let estimate = n;
  // the next '&' at or after the last place asked: ranges come in order, so the text is searched once
  let nextAmp = -2;
  /** Entity references (`&lt;`, `&#60;`) in bytes[from, to). */
  const entities = (from: number, to: number): number => {
    if (nextAmp !== -1 && nextAmp < from) nextAmp = bytes.indexOf(0x26, from);
    let count = 0;
    while (nextAmp !== -1 && nextAmp < to) {
      count++;
      nextAmp = bytes.indexOf(0x26, nextAmp + 1);
    }
    return count;
  };
  let depth = 0;
  let i = rootStart;
  const longString = (length: number, what: string, at: number): ParseError =>
    xmlStringTooLong(length, what, at, limits.maxStringBytes);
  while (i < n) {
    const lt = bytes.indexOf(0x3c, i);
    const stop = lt === -1 ? n : lt;
    if (stop > i) {
      if (stop - i > limits.maxStringBytes) throw longString(stop - i, "text", i);
      estimate += XML_BYTES.text + XML_BYTES.entity * entities(i, stop);
    }
    if (lt === -1) break;
    const next = bytes[lt + 1];
    if (next === 0x2f) {
      // </name>
      depth--;
      i = endOf(bytes, lt + 2, 0x3e);
    } else if (next === 0x21) {
      // <!-- … -->, <![CDATA[ … ]]>, or a declaration
      if (holdsAt(bytes, lt, "<!--")) i = endOf(bytes, lt + 4, "-->");
      else if (holdsAt(bytes, lt, "<![CDATA[")) {
        i = endOf(bytes, lt + 9, "]]>");
        if (i - lt - 12 > limits.maxStringBytes) throw longString(i - lt - 12, "CDATA section", lt);
        estimate += XML_BYTES.text;
      } else i = endOf(bytes, lt + 2, 0x3e);
    } else if (next === 0x3f) {
      i = endOf(bytes, lt + 2, "?>");
    } else {
      // a start tag: count its attributes (an '=' outside quotes), skip quoted values whole
      estimate += XML_BYTES.element;
      let j = lt + 1;
      for (; j < n; j++) {
        const c = bytes[j];
        if (c === 0x3e) break;
        if (c === 0x3d) estimate += XML_BYTES.attribute;
        else if (c === 0x22 || c === 0x27) {
          const close = bytes.indexOf(c, j + 1);
          if (close === -1) return estimate;
          if (close - j - 1 > limits.maxStringBytes) throw longString(close - j - 1, "attribute value", j);
          estimate += XML_BYTES.entity * entities(j + 1, close);
          j = close;
        }
      }
      const selfClosing = bytes[j - 1] === 0x2f;
      if (!selfClosing && ++depth > limits.maxJsonDepth) throw xmlTooDeep(lt, limits.maxJsonDepth);
      i = j + 1;
    }
  }
  return estimate;
}

/** The input bounds of an XML document read as one tree, its memory included. */
export function checkXmlDocument(bytes: Buffer, limits: JsonLimits): void {
  const treeBytes = checkXmlBounds(bytes, readPrologOf(bytes).rootStart, limits);
  if (treeBytes > limits.maxTreeBytes) throw treeTooBig(treeBytes, limits, "the parsed XML");
}

/** The error for a text, CDATA section or attribute value longer than the string bound. */
export function xmlStringTooLong(length: number, what: string, at: number, cap: number): ParseError {
  return new ParseError(
    `an XML ${what} of ${length} chars exceeds the ${cap} cap`,
    undefined,
    `offset ${at}`,
  );
}

export function xmlTooDeep(at: number, maxDepth: number): ParseError {
  return new ParseError(`XML nesting deeper than ${maxDepth}`, undefined, `offset ${at}`);
}
