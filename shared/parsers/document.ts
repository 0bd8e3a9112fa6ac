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
  let text = Buffer.from(plain.buffer, plain.byteOffset, plain.byteLength).toString("utf8");
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return text;
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
