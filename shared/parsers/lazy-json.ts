import { randomBytes } from "node:crypto";
import { z } from "zod";
import { ParseError } from "./parse-error.ts";

/**
 * Big reports without a big tree. A 50 MB SARIF log is one `results` array of ~100k small objects;
 * parsing it whole builds a ~300 MB tree that stays alive while findings are built from it, and
 * garbage collection of that tree is what makes parsing slow and memory-hungry. Instead, one scan
 * of the text finds such arrays (large, made of small objects), the rest is parsed normally, and
 * each array becomes a LazyArray whose elements are parsed one at a time as a parser walks it, then
 * dropped. Parsers that do not iterate lazily get plain arrays (`materialize`).
 */

/** An array of the report whose elements are parsed on iteration (each iteration parses again: iterate once). */
export class LazyArray implements Iterable<unknown> {
  constructor(
    private readonly text: string,
    /** [start, end) of each element in `text`. */
    private readonly spans: Int32Array,
  ) {}

  get length(): number {
    return this.spans.length / 2;
  }

  at(index: number): unknown {
    const s = this.spans[index * 2];
    const e = this.spans[index * 2 + 1];
    if (s === undefined || e === undefined) return undefined;
    return JSON.parse(this.text.slice(s, e));
  }

  *[Symbol.iterator](): Iterator<unknown> {
    // parse a few hundred neighbours per JSON.parse call: the text between them is only commas and
    // blanks, so `[first … last]` is valid JSON, and one call per batch beats one per element
    const count = this.length;
    for (let first = 0; first < count; first += BATCH) {
      const last = Math.min(count, first + BATCH) - 1;
      const batch: unknown = JSON.parse(
        `[${this.text.slice(this.spans[first * 2] ?? 0, this.spans[last * 2 + 1] ?? 0)}]`,
      );
      if (!Array.isArray(batch)) throw new ParseError("lazy array batch is not an array");
      yield* batch;
    }
  }

  materialize(): unknown[] {
    return [...this];
  }
}

/** Elements parsed per JSON.parse call while iterating a LazyArray. */
const BATCH = 256;

/** Arrays at least this long (in chars) are candidates… */
const LAZY_MIN_SPAN = 1 << 20;
/** …when every element is an object or array no longer than this. */
const ELEMENT_MAX_SPAN = 1 << 20;

export interface JsonLimits {
  maxJsonDepth: number;
  maxStringBytes: number;
}

/**
 * One pass over JSON text: enforces the depth and string bounds, and returns the element spans of
 * the arrays worth parsing lazily. Strings are skipped with indexOf, so the pass costs a fraction
 * of JSON.parse. Malformed JSON is left for JSON.parse to report with its position.
 */
export function scanJson(
  text: string,
  limits: JsonLimits,
  collectLazy: boolean,
): Array<{ start: number; end: number; spans: Int32Array }> {
  const lazies: Array<{ start: number; end: number; spans: Int32Array }> = [];
  // frame stack: kind (1 array, 2 object), start, offset into `pairs`, whether every element is a container
  const kind: number[] = [];
  const start: number[] = [];
  const offset: number[] = [];
  const containersOnly: boolean[] = [];
  const pairs: number[] = [];
  const n = text.length;
  let depth = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c <= 0x20 || c === 0x2c || c === 0x3a) continue; // blanks, commas, colons: the common case first
    if (c === 0x22) {
      let j = i + 1;
      for (;;) {
        j = text.indexOf('"', j);
        if (j === -1) return lazies; // unterminated: JSON.parse reports it
        let backslashes = 0;
        for (let k = j - 1; text.charCodeAt(k) === 0x5c; k--) backslashes++;
        if (backslashes % 2 === 0) break;
        j++;
      }
      if (j - i - 1 > limits.maxStringBytes) {
        throw new ParseError(
          `a JSON string of ${j - i - 1} chars exceeds the ${limits.maxStringBytes} cap`,
          undefined,
          `offset ${i}`,
        );
      }
      if (depth > 0 && kind[depth - 1] === 1) containersOnly[depth - 1] = false;
      i = j;
      continue;
    }
    if (c === 0x7b || c === 0x5b) {
      if (depth >= limits.maxJsonDepth)
        throw new ParseError(`JSON nesting deeper than ${limits.maxJsonDepth}`, undefined, `offset ${i}`);
      kind[depth] = c === 0x5b ? 1 : 2;
      start[depth] = i;
      offset[depth] = pairs.length;
      containersOnly[depth] = true;
      depth++;
    } else if (c === 0x7d || c === 0x5d) {
      if (depth === 0) return lazies;
      depth--;
      const s = start[depth] ?? 0;
      if (collectLazy && kind[depth] === 1) {
        const from = offset[depth] ?? 0;
        const count = (pairs.length - from) / 2;
        if (containersOnly[depth] && count >= 2 && i + 1 - s >= LAZY_MIN_SPAN) {
          let fits = true;
          for (let p = from; p < pairs.length; p += 2) {
            if ((pairs[p + 1] ?? 0) - (pairs[p] ?? 0) > ELEMENT_MAX_SPAN) {
              fits = false;
              break;
            }
          }
          if (fits) lazies.push({ start: s, end: i + 1, spans: Int32Array.from(pairs.slice(from)) });
        }
        pairs.length = from;
      }
      // a container that is an element of an array: record its span for that array
      if (collectLazy && depth > 0 && kind[depth - 1] === 1) pairs.push(s, i + 1);
    } else if (depth > 0 && kind[depth - 1] === 1) {
      // a number, true, false or null directly in an array: not an array of containers
      containersOnly[depth - 1] = false;
    }
  }
  return lazies;
}

/**
 * Parses JSON text, turning the large arrays of small objects into LazyArrays. The skeleton (the
 * text with those arrays replaced by markers) is parsed with JSON.parse; the markers are then
 * swapped for the LazyArrays.
 */
export function parseJsonLazily(text: string, limits: JsonLimits): unknown {
  const lazies = scanJson(text, limits, true);
  if (!lazies.length) return JSON.parse(text);
  const nonce = randomBytes(8).toString("hex");
  const marker = `\u0000lazy:${nonce}:`;
  const parts: string[] = [];
  let at = 0;
  lazies.sort((a, b) => a.start - b.start);
  lazies.forEach((lazy, k) => {
    parts.push(text.slice(at, lazy.start), JSON.stringify(`${marker}${k}`));
    at = lazy.end;
  });
  parts.push(text.slice(at));
  const skeleton: unknown = JSON.parse(parts.join(""));
  const arrays = lazies.map((l) => new LazyArray(text, l.spans));
  const swap = (value: unknown): unknown => {
    if (typeof value === "string") {
      if (!value.startsWith(marker)) return value;
      const lazy = arrays[Number(value.slice(marker.length))];
      if (!lazy) throw new ParseError("malformed lazy marker");
      return lazy;
    }
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) value[i] = swap(value[i]);
      return value;
    }
    if (value && typeof value === "object") {
      const record = value as Record<string, unknown>;
      for (const key of Object.keys(record)) record[key] = swap(record[key]);
    }
    return value;
  };
  return swap(skeleton);
}

/** A copy of the value where every LazyArray is a plain array of its first element: what detectors see. */
export function detectionView(value: unknown): unknown {
  if (value instanceof LazyArray) return value.length ? [value.at(0)] : [];
  if (Array.isArray(value)) return value.map(detectionView);
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = detectionView(v);
    return out;
  }
  return value;
}

/** The value with every LazyArray parsed into a plain array, for parsers that read arrays directly. */
export function materialize(value: unknown): unknown {
  if (value instanceof LazyArray) return value.materialize();
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = materialize(value[i]);
    return value;
  }
  if (value && typeof value === "object") {
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) record[key] = materialize(record[key]);
  }
  return value;
}

/** True when any LazyArray is left in the value. */
export function hasLazy(value: unknown): boolean {
  if (value instanceof LazyArray) return true;
  if (Array.isArray(value)) return value.some(hasLazy);
  if (value && typeof value === "object") return Object.values(value).some(hasLazy);
  return false;
}

/** A report array that may be lazy: what a lazy-capable parser's zod shape accepts. */
export const JsonArray = z.union([z.array(z.unknown()), z.instanceof(LazyArray)]);
export type JsonArray = z.infer<typeof JsonArray>;

/** Visits each element of a plain or lazy array, with its index (for error paths). */
export function forEachElement(
  list: JsonArray | null | undefined,
  visit: (item: unknown, index: number) => void,
): void {
  if (!list) return;
  let i = 0;
  for (const item of list) visit(item, i++);
}
