import { gunzipSync } from "node:zlib";
import { type JsonLimits, parseJsonLazily, scanJson } from "./lazy-json.ts";
import { ParseError } from "./parse-error.ts";
import { readProlog } from "./xml-prolog.ts";

/** Input bounds. A report beyond them is refused with a clear error, never half-read. */
export const INPUT_LIMITS: JsonLimits & { readonly maxBytes: number } = {
  /** Inflated size cap for gzip input and raw size cap for plain input. */
  maxBytes: 512 * 1024 * 1024,
  /** JSON nesting depth: real reports stay under 30; a deeper one is hostile or broken. */
  maxJsonDepth: 128,
  /** Longest single JSON string (a base64 HTTP response in a DAST report can be a few MB). */
  maxStringBytes: 32 * 1024 * 1024,
};

/** JSON documents from this size on are parsed with lazy big arrays (see lazy-json.ts). */
export const LAZY_DOCUMENT_CHARS = 8 * 1024 * 1024;

export type ReportDocument =
  | { syntax: "json"; value: unknown }
  | { syntax: "jsonl"; values: unknown[] }
  | { syntax: "xml"; root: string; head: string; text: string }
  | { syntax: "csv"; head: string; text: string };

export type Syntax = ReportDocument["syntax"];

function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Bytes (plain or gzip) to text, with the inflated size capped while inflating. */
export function decodeReport(bytes: Uint8Array, maxBytes: number = INPUT_LIMITS.maxBytes): string {
  let plain: Uint8Array = bytes;
  if (isGzip(bytes)) {
    try {
      plain = gunzipSync(bytes, { maxOutputLength: maxBytes });
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (
        code === "ERR_BUFFER_TOO_LARGE" ||
        (error instanceof RangeError && /larger than/i.test(error.message))
      ) {
        throw new ParseError(`gzip input inflates beyond the ${maxBytes} byte cap`);
      }
      throw new ParseError(`gzip input is corrupt: ${(error as Error).message}`);
    }
  } else if (bytes.length > maxBytes) {
    throw new ParseError(`input of ${bytes.length} bytes exceeds the ${maxBytes} byte cap`);
  }
  return textOf(Buffer.from(plain.buffer, plain.byteOffset, plain.byteLength));
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

/** UTF-8 (BOM or not) and UTF-16 LE/BE (BOM or not; PowerShell's `>` writes UTF-16 LE) to text. */
function textOf(bytes: Buffer): string {
  const { encoding, skip } = encodingOf(bytes);
  const body = bytes.subarray(skip);
  if (encoding === "utf8") return body.toString("utf8");
  if (body.length % 2 !== 0)
    throw new ParseError(
      `the input looks like ${encoding === "utf16le" ? "UTF-16 LE" : "UTF-16 BE"} but has an odd number of bytes`,
    );
  // Node decodes UTF-16 LE only: swap a copy of big-endian input into little-endian first
  return (encoding === "utf16le" ? body : Buffer.from(body).swap16()).toString("utf16le");
}

/**
 * One pass over JSON text that enforces the depth and string-size bounds before JSON.parse
 * builds anything. Skips string bodies with indexOf, so it costs a fraction of the parse.
 */
export function checkJsonBounds(text: string, limits: JsonLimits = INPUT_LIMITS): void {
  scanJson(text, limits, false);
}

function jsonError(error: unknown, where?: string): ParseError {
  const message = error instanceof Error ? error.message : String(error);
  return new ParseError(`invalid JSON: ${message}`, undefined, where);
}

function firstNonSpace(text: string): string {
  const match = /\S/.exec(text);
  return match ? match[0] : "";
}

function parseJsonLines(text: string): unknown[] {
  const values: unknown[] = [];
  let lineNo = 0;
  for (const line of text.split("\n")) {
    lineNo++;
    const trimmed = line.trim();
    if (!trimmed) continue;
    if (!trimmed.startsWith("{") && !trimmed.startsWith("[")) {
      throw new ParseError("a JSON Lines record does not start with '{'", undefined, `line ${lineNo}`);
    }
    try {
      values.push(JSON.parse(trimmed));
    } catch (error) {
      throw jsonError(error, `line ${lineNo}`);
    }
  }
  return values;
}

/**
 * Text to a document of one syntax. JSON is tried before JSON Lines: a one-line JSONL file is
 * also a JSON object, and formats that read records accept both (see `recordsOf`).
 */
export function readDocument(text: string): ReportDocument {
  const first = firstNonSpace(text);
  if (first === "{" || first === "[") {
    try {
      if (text.length >= LAZY_DOCUMENT_CHARS)
        return { syntax: "json", value: parseJsonLazily(text, INPUT_LIMITS) };
      checkJsonBounds(text);
      return { syntax: "json", value: JSON.parse(text) };
    } catch (error) {
      if (error instanceof ParseError) throw error;
      // several top-level objects, one per line, is JSON Lines
      const lines = text.split("\n").filter((l) => l.trim());
      if (lines.length > 1 && lines.every((l) => l.trim().startsWith("{"))) {
        return { syntax: "jsonl", values: parseJsonLines(text) };
      }
      throw jsonError(error);
    }
  }
  if (first === "<") {
    const head = text.slice(0, 4096);
    return { syntax: "xml", root: readProlog(text).root, head, text };
  }
  if (!first) throw new ParseError("the input is empty");
  // a Go tool that marshals an empty (nil) list writes the JSON literal `null`
  if (text.trim() === "null") return { syntax: "json", value: null };
  const head = text.slice(0, 4096);
  const firstLine = head.split(/\r?\n/, 1)[0] ?? "";
  if (/[;,\t]/.test(firstLine)) return { syntax: "csv", head, text };
  throw new ParseError(
    `the input is not JSON, JSON Lines, XML or CSV (it starts with ${JSON.stringify(head.slice(0, 40))})`,
  );
}

/** The records of a record-oriented report: JSON Lines values, a JSON array, or one JSON object. */
export function recordsOf(doc: ReportDocument): unknown[] | undefined {
  if (doc.syntax === "jsonl") return doc.values;
  if (doc.syntax !== "json") return undefined;
  if (Array.isArray(doc.value)) return doc.value;
  if (doc.value && typeof doc.value === "object") return [doc.value];
  return undefined;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
