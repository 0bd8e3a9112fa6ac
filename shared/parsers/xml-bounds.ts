import { type JsonLimits, treeTooBig } from "./lazy-json.ts";
import { ParseError } from "./parse-error.ts";
import { readProlog } from "./xml-prolog.ts";

/**
 * What a tree needs for each part of a document: measured at fast-xml-parser's peak, which we used
 * before our own reader (xml-records.ts) and which needed more (its own node tree, then the plain
 * object; a copy of the text): about 250 bytes an element, 60 an attribute, 60 an entity reference.
 * Kept as a conservative bound. Rounded up.
 */
export const XML_BYTES = { element: 256, attribute: 64, text: 32, entity: 64 } as const;

function endOf(text: string, from: number, token: string): number {
  const at = text.indexOf(token, from);
  return at === -1 ? text.length : at + token.length;
}

/**
 * One linear pass over an XML document from its root element, before any tree is built: refuses nesting deeper than the depth bound, any text, CDATA section or attribute
 * value longer than the string bound. Returns the memory the whole tree would need, which
 * `checkXmlTree` holds to the memory bound (an element flood such as `<a/><a/>…`) for the parsers
 * that build it. Malformed XML is left for the parser.
 */
export function checkXmlBounds(text: string, rootStart: number, limits: JsonLimits): number {
  const n = text.length;
  let estimate = n;
  // the next '&' at or after the last place asked: ranges come in order, so the text is searched once
  let nextAmp = -2;
  /** Entity references (`&lt;`, `&#60;`) in text[from, to). */
  const entities = (from: number, to: number): number => {
    if (nextAmp !== -1 && nextAmp < from) nextAmp = text.indexOf("&", from);
    let count = 0;
    while (nextAmp !== -1 && nextAmp < to) {
      count++;
      nextAmp = text.indexOf("&", nextAmp + 1);
    }
    return count;
  };
  let depth = 0;
  let i = rootStart;
  const longString = (length: number, what: string, at: number): ParseError =>
    xmlStringTooLong(length, what, at, limits.maxStringBytes);
  while (i < n) {
    const lt = text.indexOf("<", i);
    const stop = lt === -1 ? n : lt;
    if (stop > i) {
      if (stop - i > limits.maxStringBytes) throw longString(stop - i, "text", i);
      estimate += XML_BYTES.text + XML_BYTES.entity * entities(i, stop);
    }
    if (lt === -1) break;
    const next = text.charCodeAt(lt + 1);
    if (next === 0x2f) {
      // </name>
      depth--;
      i = endOf(text, lt + 2, ">");
    } else if (next === 0x21) {
      // <!-- … -->, <![CDATA[ … ]]>, or a declaration
      if (text.startsWith("<!--", lt)) i = endOf(text, lt + 4, "-->");
      else if (text.startsWith("<![CDATA[", lt)) {
        i = endOf(text, lt + 9, "]]>");
        if (i - lt - 12 > limits.maxStringBytes) throw longString(i - lt - 12, "CDATA section", lt);
        estimate += XML_BYTES.text;
      } else i = endOf(text, lt + 2, ">");
    } else if (next === 0x3f) {
      i = endOf(text, lt + 2, "?>");
    } else {
      // a start tag: count its attributes (an '=' outside quotes), skip quoted values whole
      estimate += XML_BYTES.element;
      let j = lt + 1;
      let selfClosing = false;
      for (; j < n; j++) {
        const c = text.charCodeAt(j);
        if (c === 0x3e) break;
        if (c === 0x3d) estimate += XML_BYTES.attribute;
        else if (c === 0x22 || c === 0x27) {
          const close = text.indexOf(c === 0x22 ? '"' : "'", j + 1);
          if (close === -1) return estimate;
          if (close - j - 1 > limits.maxStringBytes) throw longString(close - j - 1, "attribute value", j);
          estimate += XML_BYTES.entity * entities(j + 1, close);
          j = close;
        }
      }
      selfClosing = text.charCodeAt(j - 1) === 0x2f;
      if (!selfClosing && ++depth > limits.maxJsonDepth) throw xmlTooDeep(lt, limits.maxJsonDepth);
      i = j + 1;
    }
  }
  return estimate;
}

/** The input bounds of an XML document read as one tree, its memory included. */
export function checkXmlDocument(text: string, limits: JsonLimits): void {
  const treeBytes = checkXmlBounds(text, readProlog(text).rootStart, limits);
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
