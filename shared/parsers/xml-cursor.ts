import { type JsonLimits, treeTooBig } from "./lazy-json.ts";
import { ParseError } from "./parse-error.ts";
import { holdsAt, XML_BYTES, xmlStringTooLong, xmlTooDeep } from "./xml-bounds.ts";
import { readPrologOf } from "./xml-prolog.ts";

/**
 * Our one XML tokenizer: a pull cursor over a whole document's UTF-8 bytes, element by element,
 * that builds nothing the caller does not ask for: the document is never decoded whole (a 50 MB
 * string costs more to make than most of the reading), only the texts and names read become
 * strings. A mapper walks it by recursive descent (the
 * Dependency-Check reader); `readXmlTree` (xml-tree.ts) builds a whole tree with it.
 *
 * ```ts
 * cursor.next();                       // onto the root element
 * while (cursor.next()) {              // each child of the element last returned, in order
 *   if (cursor.name === "title") title = cursor.readText();   // its text, children skipped
 *   else if (cursor.name === "items") readItems(cursor);     // descend: its own `while (next())`
 *   else cursor.skip();                                       // stepped over, nothing built
 * }
 * ```
 *
 * Safe: reading starts at the root element, so the DOCTYPE and any entity it declares are never
 * read (no external entity is resolved, no entity bomb expands); a DOCTYPE after the root is
 * refused. XML's five predefined entities, character references and a fixed table of common HTML
 * names are decoded; any other `&name;` is left as written. Nesting, and the length of the texts
 * and attribute values read, are held to the bounds given as the document is read. Offsets in
 * errors are byte offsets.
 *
 * Element and attribute names are namespace-local (`ns:a` is `a`) and interned: the names of a
 * document are a few dozen strings, compared in place rather than copied for each tag.
 */

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

function isBlank(c: number | undefined): boolean {
  return c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;
}

function isNameEnd(c: number | undefined): boolean {
  // blank, '/', '>' (or the end)
  return c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d || c === 0x2f || c === 0x3e || c === undefined;
}

/** The limits a cursor holds what it reads to; a missing one is unbounded. */
export type XmlCursorLimits = Partial<Pick<JsonLimits, "maxJsonDepth" | "maxStringBytes">>;

const NAME_SLOTS = 512;
const VALUE_SLOTS = 1024;
/** Longer texts are rarely repeated (a description, a URL): looking them up would be wasted. */
const MAX_SHARED = 64;
const LT = 0x3c;
const GT = 0x3e;
const SLASH = 0x2f;

export class XmlCursor {
  /** The local name of the element last returned by `next`. */
  name = "";
  /** Where that element's `<` is. */
  at = 0;
  /**
   * The element's own text that the last `next` passed over (before the child it returned, or
   * before the end tag): each segment trimmed and decoded, CDATA as written, concatenated.
   */
  text = "";

  private readonly n: number;
  private readonly maxDepth: number;
  private readonly maxString: number;
  private pos: number;
  /** The open elements' names as written (prefix included): where each starts, and its length. */
  private readonly openAt: number[] = [];
  private readonly openLength: number[] = [];
  /** The last returned element's name as written, its attributes' span, and its form. */
  private nameAt = 0;
  private nameLength = 0;
  private attrFrom = 0;
  private attrTo = 0;
  private selfClosing = false;
  /** The last returned element is neither read nor skipped: the next `next` descends into it. */
  private pending = false;
  private done = false;
  private readonly names: Array<string | undefined> = new Array(NAME_SLOTS);
  private readonly values: Array<string | undefined> = new Array(VALUE_SLOTS);
  /** Elements returned since `meter` (with its bound): what a mapper builds from them is bounded. */
  private weight = 0;
  private maxWeight = Number.POSITIVE_INFINITY;
  private meterLimits: Pick<JsonLimits, "maxTreeBytes"> | undefined;
  /** The metered element, for the error (its message is only built when thrown). */
  private meterName = "";
  private meterAt = 0;

  constructor(
    private readonly bytes: Buffer,
    private readonly format: string,
    limits: XmlCursorLimits = {},
  ) {
    this.n = bytes.length;
    this.maxDepth = limits.maxJsonDepth ?? Number.POSITIVE_INFINITY;
    this.maxString = limits.maxStringBytes ?? Number.POSITIVE_INFINITY;
    this.pos = readPrologOf(bytes).rootStart;
  }

  /**
   * Holds what is read of the element last returned to `limits.maxTreeBytes`, counted per element
   * returned, as a tree of them would need; the error names that element and its offset.
   */
  meter(limits: Pick<JsonLimits, "maxTreeBytes">): void {
    this.weight = 0;
    this.maxWeight = limits.maxTreeBytes;
    this.meterLimits = limits;
    this.meterName = this.name;
    this.meterAt = this.at;
  }

  /**
   * The next child element of the element last returned (descending into it unless it was read
   * or skipped), or of the enclosing one; false at that element's end tag, which is consumed.
   * The first call returns the root element.
   */
  next(): boolean {
    if (this.pending) {
      this.pending = false;
      if (this.selfClosing) {
        this.text = "";
        return false;
      }
      this.openAt.push(this.nameAt);
      this.openLength.push(this.nameLength);
    } else if (this.done) return false;
    const bytes = this.bytes;
    let own = "";
    for (;;) {
      const from = this.pos;
      const lt = bytes.indexOf(LT, from);
      const stop = lt === -1 ? this.n : lt;
      if (stop > from) own = this.passText(own, from, stop);
      if (lt === -1) {
        const depth = this.openAt.length;
        throw this.invalid(
          depth ? `<${this.openName(depth - 1)}> is never closed` : "no document element",
          this.n,
        );
      }
      const c = bytes[lt + 1];
      if (c === SLASH) {
        this.closeAt(lt);
        this.text = own;
        return false;
      }
      if (c === 0x21 || c === 0x3f) {
        if (holdsAt(bytes, lt, "<![CDATA[")) {
          const end = this.pastSpecial(lt);
          this.bound(end - lt - 12, "CDATA section", lt);
          if (!this.openAt.length) throw this.invalid("text outside the root element", lt);
          own += this.string(lt + 9, end - 3);
          this.pos = end;
        } else this.pos = this.pastSpecial(lt);
        continue;
      }
      this.startAt(lt);
      this.text = own;
      if (++this.weight * XML_BYTES.element > this.maxWeight && this.meterLimits)
        throw treeTooBig(
          this.weight * XML_BYTES.element,
          this.meterLimits,
          `the <${this.meterName}> at offset ${this.meterAt}`,
        );
      return true;
    }
  }

  /**
   * The element last returned read as its own text (its children skipped); "" when it has none.
   * `shared`: the text is one of a small vocabulary (a severity, a CVSS metric): the same string
   * is returned each time it is met, made once.
   */
  readText(shared = false): string {
    if (!this.pending) throw new Error("readText: no element to read");
    this.pending = false;
    if (this.selfClosing) return "";
    const bytes = this.bytes;
    // the common case, text then this element's end tag: one string, no loop
    const lt = bytes.indexOf(LT, this.pos);
    const after = lt + 2 + this.nameLength;
    if (
      lt !== -1 &&
      bytes[lt + 1] === SLASH &&
      bytes[after] === GT &&
      this.sameName(lt + 2, this.nameAt, this.nameLength)
    ) {
      const own = lt > this.pos ? this.passText("", this.pos, lt, shared) : "";
      this.pos = after + 1;
      return own;
    }
    this.openAt.push(this.nameAt);
    this.openLength.push(this.nameLength);
    let own = "";
    while (this.next()) {
      own += this.text;
      this.skip();
    }
    return own + this.text;
  }

  /**
   * The element last returned read as a number: undefined when it has no text. A plain decimal
   * (`7.5`) is read from the bytes, anything else through `Number`; what is not a number fails,
   * naming `where` and the text.
   */
  readNumber(where: string): number | undefined {
    if (!this.pending) throw new Error("readNumber: no element to read");
    const bytes = this.bytes;
    // digits, at most one '.', then this element's end tag: no string made
    let mantissa = 0;
    let digits = 0;
    let scale = -1;
    let j = this.pos;
    for (let c = bytes[j]; c !== LT; c = bytes[++j]) {
      if (c !== undefined && c >= 0x30 && c <= 0x39) {
        mantissa = mantissa * 10 + (c - 0x30);
        digits++;
        if (scale >= 0) scale++;
      } else if (c === 0x2e && scale < 0) scale = 0;
      else break;
    }
    const after = j + 2 + this.nameLength;
    if (
      !this.selfClosing &&
      digits > 0 &&
      digits <= 15 &&
      bytes[j] === LT &&
      bytes[j + 1] === SLASH &&
      bytes[after] === GT &&
      this.sameName(j + 2, this.nameAt, this.nameLength)
    ) {
      this.pending = false;
      this.pos = after + 1;
      // both exact below 2^53 and 10^22, so one division rounds as parsing the text would
      return scale > 0 ? mantissa / 10 ** scale : mantissa;
    }
    const text = this.readText();
    if (!text) return undefined;
    const value = Number(text);
    if (Number.isNaN(value))
      throw new ParseError(
        `unexpected report shape: expected a number, got ${JSON.stringify(text.slice(0, 40))}`,
        this.format,
        where,
      );
    return value;
  }

  /** Steps over the element last returned and everything in it, building nothing. */
  skip(): void {
    if (!this.pending) throw new Error("skip: no element to skip");
    this.pending = false;
    if (this.selfClosing) return;
    const bytes = this.bytes;
    let depth = 1;
    let j = this.pos;
    while (depth > 0) {
      const lt = bytes.indexOf(LT, j);
      if (lt === -1) throw this.invalid(`<${this.name}> is never closed`, this.n);
      const c = bytes[lt + 1];
      if (c === SLASH) {
        depth--;
        j = bytes.indexOf(GT, lt + 2);
        if (j === -1) throw this.invalid("unterminated end tag", lt);
        j++;
      } else if (c === 0x21 || c === 0x3f) j = this.pastSpecial(lt);
      else {
        const end = this.tagEnd(lt + 1);
        if (bytes[end - 1] !== SLASH && this.openAt.length + ++depth > this.maxDepth)
          throw xmlTooDeep(lt, this.maxDepth);
        j = end + 1;
      }
    }
    this.pos = j;
  }

  /**
   * The value of the last returned element's attribute `local` (namespace prefix ignored); only
   * its value is made into a string (`shared`: as `readText`'s).
   */
  attr(local: string, shared = false): string | undefined {
    let found: string | undefined;
    this.readAttributes((from, to, q, close) => {
      if (to - from === local.length && holdsAt(this.bytes, from, local))
        found = shared ? this.shared(q + 1, close) : decodeXmlText(this.string(q + 1, close));
    });
    return found;
  }

  /** Each attribute of the element last returned, by local name; `xmlns` declarations left out. */
  attributes(visit: (name: string, value: string) => void): number {
    return this.readAttributes((from, to, q, close) =>
      visit(this.intern(from, to), decodeXmlText(this.string(q + 1, close))),
    );
  }

  /**
   * Each attribute's local name, bytes[from, to), and the quotes around its value, `q` and `close`
   * (the value is held to the string bound); their count.
   */
  private readAttributes(visit: (from: number, to: number, q: number, close: number) => void): number {
    const bytes = this.bytes;
    const end = this.attrTo;
    let count = 0;
    let j = this.attrFrom;
    while (j < end) {
      const c = bytes[j];
      if (isBlank(c) || c === SLASH) {
        j++;
        continue;
      }
      const eq = bytes.indexOf(0x3d, j);
      if (eq === -1 || eq >= end) throw this.invalid("attribute without a value", j);
      let nameEnd = eq;
      while (nameEnd > j && isBlank(bytes[nameEnd - 1])) nameEnd--;
      let q = eq + 1;
      while (isBlank(bytes[q])) q++;
      const quote = bytes[q];
      if (quote !== 0x22 && quote !== 0x27)
        throw this.invalid(`attribute ${this.string(j, nameEnd)} is not quoted`, q);
      const close = this.quoteEnd(q);
      this.bound(close - q - 1, "attribute value", q);
      const isXmlns = holdsAt(bytes, j, "xmlns") && (nameEnd === j + 5 || bytes[j + 5] === 0x3a);
      if (!isXmlns) {
        let local = j;
        for (let k = j; k < nameEnd && local === j; k++) if (bytes[k] === 0x3a) local = k + 1;
        visit(local, nameEnd, q, close);
        count++;
      }
      j = close + 1;
    }
    return count;
  }

  /** A start tag at `lt`: its name, attributes' span and end; the cursor then stands on it. */
  private startAt(lt: number): void {
    const bytes = this.bytes;
    let j = lt + 1;
    let colon = -1;
    for (let c = bytes[j]; !isNameEnd(c); c = bytes[++j]) if (c === 0x3a && colon === -1) colon = j;
    if (j === lt + 1) throw this.invalid("a '<' that starts no tag", lt);
    const gt = this.tagEnd(j);
    this.selfClosing = bytes[gt - 1] === SLASH;
    if (!this.selfClosing && this.openAt.length + 1 > this.maxDepth) throw xmlTooDeep(lt, this.maxDepth);
    this.nameAt = lt + 1;
    this.nameLength = j - lt - 1;
    this.name = this.intern(colon === -1 ? lt + 1 : colon + 1, j);
    this.at = lt;
    this.attrFrom = j;
    this.attrTo = this.selfClosing ? gt - 1 : gt;
    this.pending = true;
    this.pos = gt + 1;
  }

  /** The end tag at `lt` closes the innermost open element, or the document is malformed. */
  private closeAt(lt: number): void {
    const bytes = this.bytes;
    const gt = bytes.indexOf(GT, lt + 2);
    if (gt === -1) throw this.invalid("unterminated end tag", lt);
    const top = this.openAt.length - 1;
    const at = this.openAt[top] ?? 0;
    const length = this.openLength[top] ?? 0;
    // the end tag repeats its start tag's name as written: compared in place, nothing copied
    let k = lt + 2 + length;
    while (k < gt && isBlank(bytes[k])) k++;
    if (top < 0 || k !== gt || !this.sameName(lt + 2, at, length)) {
      const name = localName(this.string(lt + 2, gt).trim());
      throw this.invalid(`</${name}> does not close <${top < 0 ? "nothing" : this.openName(top)}>`, lt);
    }
    this.openAt.pop();
    this.openLength.pop();
    this.pos = gt + 1;
    if (!this.openAt.length) this.done = true;
  }

  /** The bytes at `a` repeat the `length` bytes of the name at `b`. */
  private sameName(a: number, b: number, length: number): boolean {
    const bytes = this.bytes;
    for (let k = 0; k < length; k++) if (bytes[a + k] !== bytes[b + k]) return false;
    return true;
  }

  /** The local name of the open element at `index`, for errors. */
  private openName(index: number): string {
    const at = this.openAt[index] ?? 0;
    return localName(this.string(at, at + (this.openLength[index] ?? 0)));
  }

  /** `own` with the text segment [from, to) appended, when it is not only blanks. */
  private passText(own: string, from: number, to: number, shared = false): string {
    const bytes = this.bytes;
    this.bound(to - from, "text", from);
    // blanks between tags (pretty-printed reports) are most text segments: never decoded
    let k = from;
    while (k < to && isBlank(bytes[k])) k++;
    if (k === to) return own;
    if (!this.openAt.length) throw this.invalid("text outside the root element", from);
    let end = to;
    while (isBlank(bytes[end - 1])) end--;
    // as fast-xml-parser: each text segment trimmed, then decoded
    const segment = shared ? this.shared(k, end) : decodeXmlText(this.string(k, end));
    return own ? own + segment : segment;
  }

  private string(from: number, to: number): string {
    return this.bytes.toString("utf8", from, to);
  }

  private bound(length: number, what: string, at: number): void {
    if (length > this.maxString) throw xmlStringTooLong(length, what, at, this.maxString);
  }

  /**
   * bytes[from, to) as a string, the same one each time it is met: names are looked up by their
   * length and three of their bytes, and checked in place.
   */
  private intern(from: number, to: number): string {
    const bytes = this.bytes;
    const length = to - from;
    const slot =
      (length * 7 + (bytes[from] ?? 0) * 31 + (bytes[to - 1] ?? 0) * 3 + (bytes[(from + to) >> 1] ?? 0)) &
      (NAME_SLOTS - 1);
    const known = this.names[slot];
    if (known !== undefined && known.length === length && holdsAt(bytes, from, known)) return known;
    const name = this.string(from, to);
    this.names[slot] = name;
    return name;
  }

  /**
   * The decoded text of bytes[from, to), made once for a short text met again (values are looked
   * up as names are, in a table of their own); a long one each time.
   */
  private shared(from: number, to: number): string {
    const bytes = this.bytes;
    const length = to - from;
    if (length > MAX_SHARED) return decodeXmlText(this.string(from, to));
    const slot =
      (length * 7 +
        (bytes[from] ?? 0) * 31 +
        (bytes[to - 1] ?? 0) * 3 +
        (bytes[(from + to) >> 1] ?? 0) * 17 +
        (bytes[from + (length >> 2)] ?? 0)) &
      (VALUE_SLOTS - 1);
    const known = this.values[slot];
    if (known !== undefined && known.length === length && holdsAt(bytes, from, known)) return known;
    const value = decodeXmlText(this.string(from, to));
    // a value whose text is not its bytes (a reference, beyond ASCII) is never matched: not kept
    if (value.length === length) this.values[slot] = value;
    return value;
  }

  /** The end of a quoted attribute value opening at `q`. */
  private quoteEnd(q: number): number {
    const close = this.bytes.indexOf(this.bytes[q] ?? 0x22, q + 1);
    if (close === -1) throw this.invalid("unterminated attribute value", q);
    return close;
  }

  /** The index of the `>` closing the start tag that began before `from`. */
  private tagEnd(from: number): number {
    const bytes = this.bytes;
    for (let j = from; j < this.n; j++) {
      const c = bytes[j];
      if (c === GT) return j;
      if (c === 0x22 || c === 0x27) j = this.quoteEnd(j);
    }
    throw this.invalid("unterminated start tag", from);
  }

  /** Past a comment, CDATA section, or processing instruction at `lt`; refuses a DOCTYPE. */
  private pastSpecial(lt: number): number {
    const bytes = this.bytes;
    if (holdsAt(bytes, lt, "<!--")) {
      const end = bytes.indexOf("-->", lt + 4);
      if (end === -1) throw this.invalid("unterminated comment", lt);
      return end + 3;
    }
    if (holdsAt(bytes, lt, "<![CDATA[")) {
      const end = bytes.indexOf("]]>", lt + 9);
      if (end === -1) throw this.invalid("unterminated CDATA section", lt);
      return end + 3;
    }
    if (bytes[lt + 1] === 0x3f) {
      const end = bytes.indexOf("?>", lt + 2);
      if (end === -1) throw this.invalid("unterminated processing instruction", lt);
      return end + 2;
    }
    if (/^<!DOCTYPE/i.test(bytes.toString("latin1", lt, lt + 9)))
      throw new ParseError("XML input has a DOCTYPE after its root element", this.format, `offset ${lt}`);
    throw this.invalid("unknown markup declaration", lt);
  }

  private invalid(what: string, at: number): ParseError {
    return new ParseError(`invalid XML: ${what}`, this.format, `offset ${at}`);
  }
}

/** `ns:name` → `name` (removeNSPrefix). */
function localName(name: string): string {
  const colon = name.indexOf(":");
  return colon === -1 ? name : name.slice(colon + 1);
}
