import { randomBytes } from "node:crypto";
import { z } from "zod";
import { ParseError } from "./parse-error.ts";

/**
 * Big reports without a big tree. A 50 MB SARIF log is one `results` array of ~100k small objects;
 * parsing it whole builds a ~300 MB tree that stays alive while findings are built from it, and
 * garbage collection of that tree is what makes parsing slow and memory-hungry. Instead, one scan
 * of the report's UTF-8 bytes finds such arrays (large, made of small objects), the rest is parsed
 * normally, and each array becomes a LazyArray whose elements are decoded and parsed a batch at a
 * time as a parser walks it, then dropped: the text is never decoded whole (a 50 MB string costs
 * more to allocate than its parse). Parsers that do not iterate lazily get plain arrays (`materialize`).
 */

/** An array of the report whose elements are parsed on iteration (each iteration parses again: iterate once). */
export class LazyArray implements Iterable<unknown> {
  constructor(
    /** The report's UTF-8 bytes: each batch is decoded as it is parsed, never the whole text at once. */
    private readonly source: Buffer,
    /** [start, end) of each element in `source`. */
    private readonly spans: Int32Array,
  ) {}

  get length(): number {
    return this.spans.length / 2;
  }

  at(index: number): unknown {
    const s = this.spans[index * 2];
    const e = this.spans[index * 2 + 1];
    if (s === undefined || e === undefined) return undefined;
    return JSON.parse(this.source.toString("utf8", s, e));
  }

  *[Symbol.iterator](): Iterator<unknown> {
    // parse neighbours together, one JSON.parse call per batch: the text between them is only
    // commas and blanks, so `[first … last]` is valid JSON. A batch stays well under V8's large
    // object size (~128 KiB), so its text and its tree live and die in the young generation.
    const count = this.length;
    const spans = this.spans;
    for (let first = 0; first < count; ) {
      const from = spans[first * 2] ?? 0;
      let last = first;
      while (last + 1 < count && (spans[last * 2 + 3] ?? 0) - from <= BATCH_CHARS) last++;
      const batch: unknown = JSON.parse(`[${this.source.toString("utf8", from, spans[last * 2 + 1] ?? 0)}]`);
      if (!Array.isArray(batch)) throw new ParseError("lazy array batch is not an array");
      yield* batch;
      first = last + 1;
    }
  }

  materialize(): unknown[] {
    return [...this];
  }
}

/** Chars of neighbouring elements parsed per JSON.parse call while iterating a LazyArray (measured on a 50 MB Trivy report: 32 Ki chars iterate 2.5× faster than 256 elements). */
const BATCH_CHARS = 32 * 1024;

/** Arrays at least this long (in chars) are candidates… */
const LAZY_MIN_SPAN = 1 << 20;
/** …when every element is an object or array no longer than this. */
const ELEMENT_MAX_SPAN = 1 << 20;

export interface JsonLimits {
  maxJsonDepth: number;
  maxStringBytes: number;
  /** Elements of any one array, and values at the top level (JSON Lines records): the findings cap. */
  maxFindings: number;
  /** Estimated heap bytes of the parsed tree (see `TREE_BYTES`). */
  maxTreeBytes: number;
}

/**
 * What V8 needs for each parsed value, on 64-bit Node without pointer compression: measured with
 * `JSON.parse` (`[{},…]` takes 64 bytes an element, `[0,…]` 8, `["ab",…]` 8 plus the string).
 * Rounded up, so the estimate errs on the safe side: real reports come out at about 1.5× their
 * real heap, hostile ones (`[{},{},…]`) at about their real heap.
 */
export const TREE_BYTES = { value: 16, container: 56, spanPerElement: 16 } as const;

export interface LazySpan {
  start: number;
  end: number;
  spans: Int32Array;
}

export interface JsonScan {
  lazies: LazySpan[];
  /** Estimated bytes of the tree `JSON.parse` builds, lazy arrays counted as their spans. */
  eagerBytes: number;
  /** Estimated bytes of the elements of the lazy arrays, were they parsed all at once. */
  lazyBytes: number;
  /** Values at the top level: more than one is JSON Lines (or malformed). */
  topValues: number;
}

function mib(bytes: number): string {
  return `${Math.ceil(bytes / 2 ** 20)} MiB`;
}

/** The error for a document whose parsed tree would not fit the memory bound. */
export function treeTooBig(
  estimate: number,
  limits: Pick<JsonLimits, "maxTreeBytes">,
  what = "the parsed report",
): ParseError {
  return new ParseError(
    `${what} would need about ${mib(estimate)} of memory, above the ${mib(limits.maxTreeBytes)} memory bound`,
  );
}

/**
 * One pass over JSON as UTF-8 bytes, before anything is allocated for it: enforces the depth and string
 * bounds, counts the elements of every array (each at most the findings cap) and estimates the
 * memory of the tree `JSON.parse` would build, and returns the element spans of the arrays worth
 * parsing lazily. Structural characters are ASCII, never part of a multi-byte UTF-8 sequence, so
 * bytes are scanned as chars are; string lengths are counted in bytes. The pass costs a fifth of JSON.parse.
 * Malformed JSON is left for JSON.parse to report with its position. The only allocation that
 * grows with the input is the span list, itself capped at twice the findings cap.
 */
export function scanJson(src: Uint8Array, limits: JsonLimits, collectLazy: boolean): JsonScan {
  const lazies: LazySpan[] = [];
  const maxDepth = limits.maxJsonDepth;
  const maxElements = limits.maxFindings;
  // frame stack (typed arrays: this loop runs once a char): kind (1 array, 2 object), start,
  // elements so far, offset into `pairs`, whether every element is a container, bytes when opened
  const kind = new Uint8Array(maxDepth + 1);
  const start = new Int32Array(maxDepth + 1);
  const count = new Int32Array(maxDepth + 1);
  const offset = new Int32Array(maxDepth + 1);
  const containersOnly = new Uint8Array(maxDepth + 1);
  const bytesAt = new Float64Array(maxDepth + 1);
  // [start, end) of the container elements of the open candidate arrays
  let pairs = new Int32Array(1024);
  let pairCount = 0;
  const maxSpans = 2 * maxElements;
  let lazyElements = 0;
  /** Entries `pairs` may hold before the spans (lazy and open) pass `maxSpans`. */
  let pairRoom = 2 * maxSpans;
  let eagerBytes = 0;
  let lazyBytes = 0;
  let topValues = 0;
  const n = src.length;
  let depth = 0;
  // a value may start here: at the top, after '[', after ':', after ',' in an array
  let valueNext = true;
  const done = (): JsonScan => ({ lazies, eagerBytes, lazyBytes, topValues });

  for (let i = 0; i < n; i++) {
    const c = src[i] ?? 0;
    if (c <= 0x20) continue; // blanks: the common case first
    if (c === 0x2c) {
      valueNext = depth === 0 || kind[depth - 1] === 1;
      continue;
    }
    if (c === 0x3a) {
      valueNext = true;
      continue;
    }
    const opens = c === 0x7b || c === 0x5b;
    if (valueNext && c !== 0x7d && c !== 0x5d) {
      // a value starts: count it in its array, or at the top level
      valueNext = false;
      if (depth === 0) {
        if (++topValues > maxElements)
          throw new ParseError(
            `more than ${maxElements} top-level JSON values (JSON Lines records) exceed the findings cap (ASPM_MAX_FINDINGS)`,
            undefined,
            `offset ${i}`,
          );
      } else if (kind[depth - 1] === 1) {
        const f = depth - 1;
        const elements = (count[f] ?? 0) + 1;
        count[f] = elements;
        if (elements > maxElements)
          throw new ParseError(
            `a JSON array of more than ${maxElements} elements exceeds the findings cap (ASPM_MAX_FINDINGS)`,
            undefined,
            `offset ${start[f]}`,
          );
        // an array with a string, number, true, false or null in it is never lazy
        if (!opens && containersOnly[f] === 1) {
          containersOnly[f] = 0;
          if (collectLazy) pairCount = offset[f] ?? 0;
        }
      }
      if (!opens) eagerBytes += TREE_BYTES.value;
    }
    if (c === 0x22) {
      let j = i + 1;
      for (;;) {
        // a plain loop: a native indexOf costs more per call than these short strings take to walk
        while (j < n && src[j] !== 0x22) j++;
        if (j === n) return done(); // unterminated: JSON.parse reports it
        let backslashes = 0;
        for (let k = j - 1; src[k] === 0x5c; k--) backslashes++;
        if (backslashes % 2 === 0) break;
        j++;
      }
      const length = j - i - 1;
      if (length > limits.maxStringBytes) {
        throw new ParseError(
          `a JSON string of ${length} bytes exceeds the ${limits.maxStringBytes} cap`,
          undefined,
          `offset ${i}`,
        );
      }
      // a value's chars (counted above as a value) or a key's slot; repeated keys share one string
      eagerBytes += kind[depth - 1] === 2 && src[j + 1] === 0x3a ? TREE_BYTES.value : length;
      i = j;
      continue;
    }
    if (opens) {
      if (depth >= maxDepth)
        throw new ParseError(`JSON nesting deeper than ${maxDepth}`, undefined, `offset ${i}`);
      eagerBytes += TREE_BYTES.value + TREE_BYTES.container;
      kind[depth] = c === 0x5b ? 1 : 2;
      start[depth] = i;
      count[depth] = 0;
      offset[depth] = pairCount;
      containersOnly[depth] = 1;
      bytesAt[depth] = eagerBytes;
      depth++;
      valueNext = c === 0x5b;
    } else if (c === 0x7d || c === 0x5d) {
      if (depth === 0) return done();
      depth--;
      // after a top-level value another may start (JSON Lines); inside, a ',' comes first
      valueNext = depth === 0;
      if (eagerBytes > limits.maxTreeBytes) refuseEarly(depth);
      const s = start[depth] ?? 0;
      if (collectLazy && kind[depth] === 1) {
        const from = offset[depth] ?? 0;
        const elements = (pairCount - from) / 2;
        if (containersOnly[depth] === 1 && elements >= 2 && i + 1 - s >= LAZY_MIN_SPAN) {
          let fits = true;
          for (let p = from; p < pairCount; p += 2) {
            if ((pairs[p + 1] ?? 0) - (pairs[p] ?? 0) > ELEMENT_MAX_SPAN) {
              fits = false;
              break;
            }
          }
          if (fits) {
            lazies.push({ start: s, end: i + 1, spans: pairs.slice(from, pairCount) });
            lazyElements += elements;
            pairRoom = 2 * (maxSpans - lazyElements);
            // the elements are parsed later, a batch at a time: the tree holds only their spans
            const before = bytesAt[depth] ?? 0;
            lazyBytes += eagerBytes - before;
            eagerBytes = before + elements * TREE_BYTES.spanPerElement;
          }
        }
        pairCount = from;
      }
      // a container that is an element of a candidate array: record its span for that array
      if (collectLazy && depth > 0 && kind[depth - 1] === 1 && containersOnly[depth - 1] === 1) {
        if (pairCount >= pairRoom)
          throw new ParseError(
            `the large JSON arrays hold more than ${maxSpans} elements in all, twice the findings cap (ASPM_MAX_FINDINGS)`,
            undefined,
            `offset ${i}`,
          );
        if (pairCount + 2 > pairs.length) {
          const grown = new Int32Array(Math.min(2 * pairs.length, 2 * maxSpans + 2));
          grown.set(pairs);
          pairs = grown;
        }
        pairs[pairCount++] = s;
        pairs[pairCount++] = i + 1;
      }
    }
  }
  return done();

  /**
   * Past the memory bound already: refuse now, unless the excess is inside an open array that may
   * still turn out lazy (the results of a big SARIF log), whose elements are not parsed at once.
   */
  function refuseEarly(open: number): void {
    let pending = 0;
    if (collectLazy)
      for (let f = 0; f <= open; f++)
        if (kind[f] === 1 && containersOnly[f] === 1) {
          pending = eagerBytes - (bytesAt[f] ?? 0);
          break;
        }
    if (eagerBytes - pending > limits.maxTreeBytes) throw treeTooBig(eagerBytes - pending, limits);
  }
}

/**
 * Parses JSON (UTF-8 bytes), turning the large arrays of small objects into LazyArrays. The
 * skeleton (the text with those arrays replaced by markers) is parsed with JSON.parse; the markers are then
 * swapped for the LazyArrays. Also returns the estimated memory of the tree with every lazy array
 * parsed, which a parser that reads plain arrays would need (`materialize`).
 */
export function parseJsonLazily(source: Buffer, limits: JsonLimits): { value: unknown; fullBytes: number } {
  const scan = scanJson(source, limits, true);
  if (scan.eagerBytes > limits.maxTreeBytes) throw treeTooBig(scan.eagerBytes, limits);
  return parseScanned(source, scan);
}

/** `parseJsonLazily` after its scan (the bounds checked). */
export function parseScanned(source: Buffer, scan: JsonScan): { value: unknown; fullBytes: number } {
  const lazies = scan.lazies;
  if (!lazies.length) return { value: JSON.parse(source.toString("utf8")), fullBytes: scan.eagerBytes };
  const nonce = randomBytes(8).toString("hex");
  const marker = `\u0000lazy:${nonce}:`;
  const parts: string[] = [];
  let at = 0;
  lazies.sort((a, b) => a.start - b.start);
  lazies.forEach((lazy, k) => {
    parts.push(source.toString("utf8", at, lazy.start), JSON.stringify(`${marker}${k}`));
    at = lazy.end;
  });
  parts.push(source.toString("utf8", at));
  const skeleton: unknown = JSON.parse(parts.join(""));
  const arrays = lazies.map((l) => new LazyArray(source, l.spans));
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
  return { value: swap(skeleton), fullBytes: scan.eagerBytes + scan.lazyBytes };
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
