import { constants } from "node:buffer";
import { gunzipSync } from "node:zlib";
import { DEFAULT_MAX_FINDINGS, DEFAULT_MAX_UPLOAD_BYTES } from "#shared/config";
import { checkCsvBounds, csvDelimiter } from "./csv.ts";
import { type JsonLimits, parseScanned, scanJson, treeTooBig } from "./lazy-json.ts";
import { ParseError } from "./parse-error.ts";
import { readPrologOf } from "./xml-prolog.ts";

export interface InputLimits extends JsonLimits {
  /** Inflated size cap for gzip input and raw size cap for plain input. */
  maxBytes: number;
}

/**
 * Input bounds. A report beyond them is refused with a ParseError naming the bound, never half-read,
 * and the checks run before the memory they protect is allocated: the size while inflating, the
 * counts and the memory estimate in one scan of the text before the parse. Together they keep a
 * normalize of any input up to the size cap under 1.5 GB of RSS (`npm run bench bad-input`).
 */
export const INPUT_LIMITS: Readonly<InputLimits> = {
  /** The upload cap: a gzip upload may not inflate to more than a plain one could be. */
  maxBytes: DEFAULT_MAX_UPLOAD_BYTES,
  /** JSON and XML nesting depth: real reports stay under 30; a deeper one is hostile or broken. */
  maxJsonDepth: 128,
  /** Longest single JSON string or XML text (a base64 HTTP response in a DAST report can be a few MB). */
  maxStringBytes: 32 * 1024 * 1024,
  /** Findings a report, elements of any one JSON array, JSON Lines records (ASPM_MAX_FINDINGS). */
  maxFindings: DEFAULT_MAX_FINDINGS,
  /**
   * Estimated memory of the parsed tree. With the text (up to the size cap, twice that when it is
   * not Latin-1) and the findings, this keeps the peak under 1.5 GB.
   */
  maxTreeBytes: 640 * 1024 * 1024,
};

/**
 * The V8 heap the bounds are sized for: normalize runs with it (a 2 GB Lambda, the rest left to
 * the raw upload's buffer and the runtime), and the bad-input bench measures with it.
 */
export const NORMALIZE_HEAP_MB = 1536;

/** The bounds with some overridden (ASPM_MAX_UPLOAD_BYTES, ASPM_MAX_FINDINGS, tests). */
export function inputLimits(over: Partial<InputLimits> = {}): InputLimits {
  const limits = { ...INPUT_LIMITS };
  for (const [key, value] of Object.entries(over) as Array<[keyof InputLimits, number | undefined]>)
    if (value !== undefined && Number.isSafeInteger(value) && value > 0) limits[key] = value;
  return limits;
}

/** JSON documents from this size (UTF-8 bytes) on are parsed with lazy big arrays (see lazy-json.ts). */
export const LAZY_DOCUMENT_BYTES = 8 * 1024 * 1024;

export type ReportDocument =
  | {
      syntax: "json";
      value: unknown;
      /** With lazy arrays: the estimated memory of the tree once they are all parsed (lazy-json.ts). */
      fullBytes?: number;
    }
  | {
      syntax: "jsonl";
      /** Big reports' records are LazyLines: parsed as a parser that reads them lazily walks them. */
      values: unknown[] | LazyLines;
    }
  /**
   * XML is read from its UTF-8 bytes (xml-cursor.ts), never decoded whole; `head` is its start.
   * Bounded once its format is known (registry.ts): a record reader bounds what it reads itself.
   */
  | { syntax: "xml"; root: string; head: string; bytes: Buffer }
  | { syntax: "csv"; head: string; text: string };

export type Syntax = ReportDocument["syntax"];

function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * The byte cap that applies: the asked one, and never more than V8's longest string (~512 MiB),
 * which text beyond could not even be decoded into.
 */
export function byteCap(maxBytes: number): number {
  return Math.min(maxBytes, constants.MAX_STRING_LENGTH);
}

function capName(maxBytes: number): string {
  return maxBytes > constants.MAX_STRING_LENGTH
    ? `${constants.MAX_STRING_LENGTH} byte cap (the longest string V8 can hold)`
    : `${maxBytes} byte cap (ASPM_MAX_UPLOAD_BYTES)`;
}

/** Bytes (plain or gzip) to text, with the inflated size capped while inflating, before decoding. */
export function decodeReport(bytes: Uint8Array, maxBytes: number = INPUT_LIMITS.maxBytes): string {
  return reportBytes(bytes, maxBytes).toString("utf8");
}

/**
 * Bytes (plain or gzip) to the report's UTF-8 bytes: inflated with the size capped while
 * inflating, the byte order mark dropped, UTF-16 re-encoded. UTF-8 input is not copied: big JSON
 * is read from these bytes a batch at a time (lazy-json.ts), never decoded whole.
 */
export function reportBytes(bytes: Uint8Array, maxBytes: number = INPUT_LIMITS.maxBytes): Buffer {
  const cap = byteCap(maxBytes);
  let plain: Uint8Array = bytes;
  if (isGzip(bytes)) {
    try {
      plain = gunzipSync(bytes, { maxOutputLength: cap });
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (
        code === "ERR_BUFFER_TOO_LARGE" ||
        (error instanceof RangeError && /larger than/i.test(error.message))
      ) {
        throw new ParseError(`gzip input inflates beyond the ${capName(maxBytes)}`);
      }
      throw new ParseError(`gzip input is corrupt: ${(error as Error).message}`);
    }
  } else if (bytes.length > cap) {
    throw new ParseError(`input of ${bytes.length} bytes exceeds the ${capName(maxBytes)}`);
  }
  return utf8Of(Buffer.from(plain.buffer, plain.byteOffset, plain.byteLength));
}

/**
 * Which Unicode encoding the bytes are in, from the byte order mark, else from the NUL pattern of
 * the first two characters: every report starts with ASCII (`{`, `[`, `<`, a CSV header or
 * blanks), which UTF-16 writes as one NUL byte and one ASCII byte, and UTF-8 text never holds NUL.
 */
function encodingOf(b: Buffer): { encoding: "utf8" | "utf16le" | "utf16be"; skip: number } {
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return { encoding: "utf8", skip: 3 };
  if (b[0] === 0xff && b[1] === 0xfe) {
    if (b[2] === 0 && b[3] === 0) throw new ParseError("the input is UTF-32, which is not supported");
    return { encoding: "utf16le", skip: 2 };
  }
  if (b[0] === 0xfe && b[1] === 0xff) return { encoding: "utf16be", skip: 2 };
  if (b.length >= 4 && b[0] !== 0 && b[1] === 0 && b[2] !== 0 && b[3] === 0)
    return { encoding: "utf16le", skip: 0 };
  if (b.length >= 4 && b[0] === 0 && b[1] !== 0 && b[2] === 0 && b[3] !== 0)
    return { encoding: "utf16be", skip: 0 };
  return { encoding: "utf8", skip: 0 };
}

/** UTF-8 (BOM or not) and UTF-16 LE/BE (BOM or not; PowerShell's `>` writes UTF-16 LE) to UTF-8. */
function utf8Of(bytes: Buffer): Buffer {
  const { encoding, skip } = encodingOf(bytes);
  const body = bytes.subarray(skip);
  if (encoding === "utf8") return body;
  if (body.length % 2 !== 0)
    throw new ParseError(
      `the input looks like ${encoding === "utf16le" ? "UTF-16 LE" : "UTF-16 BE"} but has an odd number of bytes`,
    );
  // Node decodes UTF-16 LE only: swap a copy of big-endian input into little-endian first
  return Buffer.from(
    (encoding === "utf16le" ? body : Buffer.from(body).swap16()).toString("utf16le"),
    "utf8",
  );
}

/**
 * One pass over JSON text that enforces the depth, string, element and memory bounds before
 * JSON.parse builds anything. Skips string bodies with indexOf, so it costs a fraction of the parse.
 */
export function checkJsonBounds(json: string | Uint8Array, limits: JsonLimits = INPUT_LIMITS): void {
  const scan = scanJson(typeof json === "string" ? Buffer.from(json, "utf8") : json, limits, false);
  if (scan.eagerBytes > limits.maxTreeBytes) throw treeTooBig(scan.eagerBytes, limits);
}

function jsonError(error: unknown, where?: string): ParseError {
  const message = error instanceof Error ? error.message : String(error);
  return new ParseError(`invalid JSON: ${message}`, undefined, where);
}

function firstNonSpace(text: string): string {
  const match = /\S/.exec(text);
  return match ? match[0] : "";
}

/**
 * Each non-blank line, trimmed, with its number. Walks the text (or the UTF-8 bytes, decoding one
 * line at a time, so a big JSON Lines report is never decoded whole) with indexOf: no array of
 * every line (a text of blank lines would make hundreds of millions of empty strings). `head`
 * decodes only a line's first chars: enough to see how it starts.
 */
function* nonBlankLines(
  source: string | Buffer,
  head = Number.POSITIVE_INFINITY,
): Generator<{ line: string; lineNo: number }> {
  let lineNo = 0;
  for (let at = 0; at <= source.length; ) {
    let end = typeof source === "string" ? source.indexOf("\n", at) : source.indexOf(0x0a, at);
    if (end === -1) end = source.length;
    lineNo++;
    let line = lineOf(source, at, Math.min(end, at + head)).trim();
    // a line blank in its first chars may still hold a value further on
    if (!line && end > at + head) line = lineOf(source, at, end).trim();
    if (line) yield { line, lineNo };
    at = end + 1;
  }
}

function lineOf(source: string | Buffer, from: number, to: number): string {
  return typeof source === "string" ? source.slice(from, to) : source.toString("utf8", from, to);
}

/** Several top-level objects, one per line: JSON Lines (a line that starts otherwise is not). */
function looksLikeJsonLines(source: string | Buffer): boolean {
  let lines = 0;
  for (const { line } of nonBlankLines(source, 64)) {
    if (!line.startsWith("{")) return false;
    lines++;
  }
  return lines > 1;
}

function parseJsonLines(source: string | Buffer): unknown[] {
  const values: unknown[] = [];
  for (const { line, lineNo } of nonBlankLines(source)) {
    if (!line.startsWith("{") && !line.startsWith("[")) {
      throw new ParseError("a JSON Lines record does not start with '{'", undefined, `line ${lineNo}`);
    }
    try {
      values.push(JSON.parse(line));
    } catch (error) {
      throw jsonError(error, `line ${lineNo}`);
    }
  }
  return values;
}

/**
 * The records of a big JSON Lines report, each parsed when it is visited and then dropped: a
 * parser that maps records one by one never holds all their trees (see lazy-json.ts for JSON).
 * Each visit parses again. The registry hands them parsed (`materialize`) to parsers that read
 * plain arrays, and to detection.
 */
export class LazyLines implements Iterable<unknown> {
  constructor(
    private readonly source: Buffer,
    /** [start, end, line number] of each non-blank line. */
    private readonly lines: Int32Array,
  ) {}

  get length(): number {
    return this.lines.length / 3;
  }

  private parse(k: number): unknown {
    const lines = this.lines;
    const line = this.source.toString("utf8", lines[k * 3] ?? 0, lines[k * 3 + 1] ?? 0).trim();
    try {
      return JSON.parse(line);
    } catch (error) {
      throw jsonError(error, `line ${lines[k * 3 + 2]}`);
    }
  }

  /** The first `count` records, parsed. */
  head(count: number): unknown[] {
    const out: unknown[] = [];
    for (let k = 0; k < Math.min(count, this.length); k++) out.push(this.parse(k));
    return out;
  }

  *[Symbol.iterator](): Iterator<unknown> {
    for (let k = 0; k < this.length; k++) yield this.parse(k);
  }

  materialize(): unknown[] {
    return this.head(this.length);
  }
}

function isAsciiBlank(b: number): boolean {
  return b === 0x20 || (b >= 0x09 && b <= 0x0d);
}

/**
 * The non-blank lines of JSON Lines bytes for LazyLines, when they are what `looksLikeJsonLines`
 * asks (two or more, each starting with '{'), else undefined. Reads only each line's first bytes
 * (a line is decoded only when it starts with a byte that is not ASCII, which may be a Unicode blank).
 */
function jsonLineSpans(utf8: Buffer): Int32Array | undefined {
  let lines = new Int32Array(3 * 1024);
  let n = 0;
  let lineNo = 0;
  for (let at = 0; at <= utf8.length; ) {
    let end = utf8.indexOf(0x0a, at);
    if (end === -1) end = utf8.length;
    lineNo++;
    let i = at;
    while (i < end && isAsciiBlank(utf8[i] ?? 0)) i++;
    let first = i < end ? (utf8[i] ?? 0) : -1;
    if (first >= 0x80) first = utf8.toString("utf8", at, end).trim().charCodeAt(0) || -1;
    if (first !== -1) {
      if (first !== 0x7b) return undefined;
      if (n + 3 > lines.length) {
        const grown = new Int32Array(2 * lines.length);
        grown.set(lines);
        lines = grown;
      }
      lines[n++] = at;
      lines[n++] = end;
      lines[n++] = lineNo;
    }
    at = end + 1;
  }
  return n >= 6 ? lines.slice(0, n) : undefined;
}

/**
 * Text to a document of one syntax. JSON is tried before JSON Lines: a one-line JSONL file is
 * also a JSON object, and formats that read records accept both (see `recordsOf`).
 */
export function readDocument(text: string, limits: InputLimits = INPUT_LIMITS): ReportDocument {
  const first = firstNonSpace(text);
  if (first === "{" || first === "[") return readJson(Buffer.from(text, "utf8"), limits, () => text);
  if (first === "<") return readXml(Buffer.from(text, "utf8"));
  return readMarkup(text, first, limits);
}

/**
 * The report's UTF-8 bytes (`reportBytes`) to a document: what `readDocument` does with their
 * text, but JSON is scanned and, when big, parsed from the bytes, so its text is never held whole.
 */
export function readReport(utf8: Buffer, limits: InputLimits = INPUT_LIMITS): ReportDocument {
  const first = utf8[firstNonBlankByte(utf8)];
  if (first === 0x7b || first === 0x5b) return readJson(utf8, limits, () => utf8.toString("utf8"));
  if (first === 0x3c) return readXml(utf8);
  return readDocument(utf8.toString("utf8"), limits);
}

function readXml(utf8: Buffer): ReportDocument {
  return { syntax: "xml", root: readPrologOf(utf8).root, head: utf8.toString("utf8", 0, 4096), bytes: utf8 };
}

/** The index of the first byte that is not an ASCII blank (tab to carriage return, space), or -1. */
function firstNonBlankByte(utf8: Uint8Array): number {
  for (let i = 0; i < utf8.length; i++) {
    const b = utf8[i] ?? 0;
    if (b !== 0x20 && (b < 0x09 || b > 0x0d)) return i;
  }
  return -1;
}

/** Only blanks, Unicode ones included (the text is decoded only when a byte is not ASCII). */
export function isBlankReport(utf8: Buffer): boolean {
  const at = firstNonBlankByte(utf8);
  if (at === -1) return true;
  return (utf8[at] ?? 0) >= 0x80 && !/\S/.test(utf8.toString("utf8", at));
}

function readJson(utf8: Buffer, limits: InputLimits, text: () => string): ReportDocument {
  try {
    if (utf8.length >= LAZY_DOCUMENT_BYTES) {
      const scan = scanJson(utf8, limits, true);
      if (scan.eagerBytes > limits.maxTreeBytes) throw treeTooBig(scan.eagerBytes, limits);
      // several top-level values are no JSON document: JSON Lines is read without decoding it all
      const lines = scan.topValues > 1 ? jsonLineSpans(utf8) : undefined;
      if (lines) return { syntax: "jsonl", values: new LazyLines(utf8, lines) };
      const { value, fullBytes } = parseScanned(utf8, scan);
      return { syntax: "json", value, fullBytes };
    }
    checkJsonBounds(utf8, limits);
    return { syntax: "json", value: JSON.parse(text()) };
  } catch (error) {
    if (error instanceof ParseError) throw error;
    // several top-level objects, one per line, is JSON Lines (the bounds scan counted its records)
    if (looksLikeJsonLines(utf8)) return { syntax: "jsonl", values: parseJsonLines(utf8) };
    throw jsonError(error);
  }
}

/** CSV, the JSON literal null, or a clear refusal. */
function readMarkup(text: string, first: string, limits: InputLimits): ReportDocument {
  if (!first) throw new ParseError("the input is empty");
  // a Go tool that marshals an empty (nil) list writes the JSON literal `null`
  if (text.trim() === "null") return { syntax: "json", value: null };
  const head = text.slice(0, 4096);
  const firstLine = head.split(/\r?\n/, 1)[0] ?? "";
  if (/[;,\t]/.test(firstLine)) {
    checkCsvBounds(text, csvDelimiter(head), limits);
    return { syntax: "csv", head, text };
  }
  throw new ParseError(
    `the input is not JSON, JSON Lines, XML or CSV (it starts with ${JSON.stringify(head.slice(0, 40))})`,
  );
}

/** The records of a record-oriented report: JSON Lines values, a JSON array, or one JSON object. */
export function recordsOf(doc: ReportDocument): unknown[] | undefined {
  if (doc.syntax === "jsonl") return doc.values instanceof LazyLines ? doc.values.materialize() : doc.values;
  if (doc.syntax !== "json") return undefined;
  if (Array.isArray(doc.value)) return doc.value;
  if (doc.value && typeof doc.value === "object") return [doc.value];
  return undefined;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
