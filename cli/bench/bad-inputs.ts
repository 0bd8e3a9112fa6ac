import { spawnSync } from "node:child_process";
import { gzipSync } from "node:zlib";
import { z } from "zod";
import { maxFindings, maxUploadBytes } from "#shared/config";
import { NORMALIZE_HEAP_MB } from "#shared/parsers/document";
import { ParseError } from "#shared/parsers/parse-error";
import { parseReport } from "#shared/parsers/registry";
import { gzipJson } from "#shared/store/blob-store";
import { BIN } from "./bench.ts";

/**
 * Hostile and oversized reports, generated (never stored), each run through the normalize parse
 * path in a process of its own (`aspm bench --bad-input <name>`): by `npm run bench` for the peak
 * RSS (`bad_input_peak_rss`), and by test/shared/parsers/bad-input.test.ts for the outcome. A
 * V8 abort (`invalid size error`, out of memory) would kill the process, not the caller.
 */

export interface BadInput {
  name: string;
  /** The bytes an upload would carry, at the size of the caps given. */
  make(caps: Caps): Uint8Array;
  /** What the reason of the refusal must name; `parses` for inputs that fit every bound. */
  expect: RegExp | "parses";
}

export interface Caps {
  /** Inflated or plain size cap (ASPM_MAX_UPLOAD_BYTES). */
  bytes: number;
  /** Findings cap (ASPM_MAX_FINDINGS). */
  findings: number;
  /** Memory bound of a parsed tree and longest string: the code's own unless a test scales every cap down. */
  treeBytes?: number;
  stringBytes?: number;
}

export function capsFromEnv(env: NodeJS.ProcessEnv = process.env): Caps {
  return { bytes: maxUploadBytes(env), findings: maxFindings(env) };
}

const MIB = 1024 * 1024;

/** A buffer of exactly `total` bytes: `head`, `unit` repeated, `tail`, padded with spaces before the tail. */
function repeated(head: string, unit: string, tail: string, total: number): Buffer {
  const out = Buffer.alloc(total, 0x20);
  const at = out.write(head, 0);
  const count = Math.floor((total - at - Buffer.byteLength(tail)) / Buffer.byteLength(unit));
  const end = at + count * Buffer.byteLength(unit);
  if (count > 0) out.fill(unit, at, end);
  out.write(tail, total - Buffer.byteLength(tail));
  return out;
}

/**
 * The same as a gzip of `repeated(…)` without ever holding the inflated bytes: one gzip member
 * per MiB of the repeated unit (a reader inflates concatenated members as one stream).
 */
function gzipRepeated(head: string, unit: string, tail: string, total: number): Buffer {
  const unitBytes = Buffer.byteLength(unit);
  const perChunk = Math.max(1, Math.floor(MIB / unitBytes));
  const body = total - Buffer.byteLength(head) - Buffer.byteLength(tail);
  const count = Math.floor(body / unitBytes);
  const chunk = gzipSync(unit.repeat(perChunk));
  const members: Buffer[] = [gzipSync(head)];
  for (let i = 0; i < Math.floor(count / perChunk); i++) members.push(chunk);
  const rest = count % perChunk;
  members.push(gzipSync(unit.repeat(rest) + " ".repeat(body - count * unitBytes)), gzipSync(tail));
  return Buffer.concat(members);
}

/** Units of `unit` in groups of `perGroup`, each group wrapped in `open`/`close`, up to `total` bytes. */
function grouped(
  head: string,
  open: string,
  unit: string,
  perGroup: number,
  close: string,
  tail: string,
  total: number,
): Buffer {
  const group = `${open}${unit.repeat(perGroup - 1)}${unit.replace(/,$/, "")}${close}`;
  const [headBytes, groupBytes, tailBytes] = [head, group, tail].map((s) => Buffer.byteLength(s)) as [
    number,
    number,
    number,
  ];
  const groups = Math.max(1, Math.floor((total - headBytes - tailBytes) / (groupBytes + 1)));
  const size = headBytes + groups * (groupBytes + 1) + tailBytes;
  return repeated(head, `${group},`, `${group}${tail}`, Math.min(total, size));
}

/** `count` lines made by `line`, written straight into one buffer. */
function lines(count: number, line: (i: number) => string): Buffer {
  let size = 0;
  for (let i = 0; i < count; i++) size += Buffer.byteLength(line(i));
  const out = Buffer.alloc(size);
  let at = 0;
  for (let i = 0; i < count; i++) at += out.write(line(i), at);
  return out;
}

const PROWLER_HEADER = "FINDING_UID;PROVIDER;CHECK_ID;STATUS;CHECK_TITLE;SEVERITY\n";

function trufflehogLine(i: number): string {
  return `{"SourceMetadata":{"Data":{"Filesystem":{"file":"src/f${i % 1000}.env","line":${i % 500}}}},"DetectorName":"AWS","Verified":false,"Raw":"AKIA${String(i).padStart(16, "0")}"}\n`;
}

export const BAD_INPUTS: readonly BadInput[] = [
  // ---- the three inputs of issue 8 ----
  {
    name: "gzip-400mb-of-zeros",
    // ~390 KB of gzip that inflates to 400 MB of [0,0,…]: killed V8 in JSON.parse
    make: () => gzipRepeated("[", "0,", "0]", 400_000_000),
    expect: /gzip input inflates beyond the \d+ byte cap \(ASPM_MAX_UPLOAD_BYTES\)/,
  },
  {
    name: "gzip-512mb-of-empty-objects",
    // ~500 KB of gzip of [{},{},…]: killed V8 in the bounds scan
    make: () => gzipRepeated("[", "{},", "{}]", 512 * MIB - 100),
    expect: /gzip input inflates beyond the \d+ byte cap \(ASPM_MAX_UPLOAD_BYTES\)/,
  },
  {
    name: "gzip-536870900-bytes",
    // inflates to more than V8's longest string: failed outside ParseError
    make: () => gzipRepeated("[", "0,", "0]", 536_870_900),
    expect: /gzip input inflates beyond the \d+ byte cap/,
  },
  // ---- up to the size cap ----
  {
    name: "zeros-in-one-array",
    make: (c) => repeated("[", "0,", "0]", c.bytes),
    expect: /a JSON array of more than \d+ elements exceeds the findings cap \(ASPM_MAX_FINDINGS\)/,
  },
  {
    name: "empty-objects-in-one-array",
    make: (c) => repeated("[", "{},", "{}]", c.bytes),
    expect: /a JSON array of more than \d+ elements exceeds the findings cap \(ASPM_MAX_FINDINGS\)/,
  },
  {
    name: "empty-objects-in-small-arrays",
    // 100k objects an array: under the element cap, never lazy, 21 bytes of tree a byte of text
    make: (c) => grouped("[0,", "[", "{},", Math.min(100_000, c.findings / 2), "]", "]", c.bytes),
    expect: /would need about \d+ MiB of memory, above the \d+ MiB memory bound/,
  },
  {
    name: "empty-objects-in-large-arrays",
    // arrays large enough to be parsed lazily: their spans are bounded too
    make: (c) => grouped("[", "[", `{"k":"${"x".repeat(60)}"},`, c.findings, "]", "]", c.bytes),
    expect:
      /large JSON arrays hold more than \d+ elements in all, twice the findings cap \(ASPM_MAX_FINDINGS\)/,
  },
  {
    name: "deep-nesting",
    make: (c) => repeated("", "[", "", c.bytes),
    expect: /JSON nesting deeper than 128/,
  },
  {
    name: "huge-string",
    make: (c) => repeated('["', "x", '"]', c.bytes),
    expect: /a JSON string of \d+ bytes exceeds the \d+ cap/,
  },
  {
    name: "long-strings-two-byte-text",
    // one non-Latin-1 character makes the whole text two bytes a char: the largest decoded text
    make: (c) => grouped('["\u0101",', '"', "x", Math.min(30 * MIB, c.bytes / 8), '"', "]", c.bytes),
    expect: /matches no known format/,
  },
  {
    name: "sarif-runs-past-the-findings-cap",
    // two runs of small real results, each under the element cap, more findings than the cap
    make: (c) => {
      const result = '{"ruleId":"r","message":{"text":"m"}}';
      const results = Array.from({ length: Math.ceil(c.findings * 0.6) }, () => result).join(",");
      const run = `{"tool":{"driver":{"name":"x"}},"results":[${results}]}`;
      return Buffer.from(`{"version":"2.1.0","runs":[${run},${run}]}`);
    },
    expect: /more than \d+ findings, above the findings cap \(ASPM_MAX_FINDINGS\)/,
  },
  {
    name: "trivy-past-the-findings-cap",
    // a format read as a plain tree (not lazily): its lists are made whole, then the cap applies
    make: (c) => {
      const vuln = '{"VulnerabilityID":"CVE-1","PkgName":"p","Severity":"HIGH"}';
      const vulns = Array.from({ length: Math.ceil(c.findings * 0.3) }, () => vuln).join(",");
      const result = `{"Target":"t","Type":"npm","Vulnerabilities":[${vulns}]}`;
      return Buffer.from(`{"SchemaVersion":2,"Results":[${[result, result, result, result].join(",")}]}`);
    },
    expect: /more than \d+ findings, above the findings cap \(ASPM_MAX_FINDINGS\)/,
  },
  {
    name: "jsonl-tiny-lines",
    make: (c) => repeated("", "{}\n", "", c.bytes),
    expect: /top-level JSON values \(JSON Lines records\) exceed the findings cap \(ASPM_MAX_FINDINGS\)/,
  },
  {
    name: "jsonl-trufflehog-at-the-findings-cap",
    // a real format at exactly the findings cap: parses, and its normalized JSON is written
    make: (c) => lines(c.findings, trufflehogLine),
    expect: "parses",
  },
  {
    name: "xml-element-flood",
    make: (c) => repeated("<OWASPZAPReport>", "<a/>", "</OWASPZAPReport>", c.bytes),
    expect: /the parsed XML would need about \d+ MiB of memory, above the \d+ MiB memory bound/,
  },
  {
    name: "xml-entity-flood",
    make: (c) =>
      grouped(
        "<OWASPZAPReport>",
        "<site>",
        "&lt;",
        Math.floor(c.bytes / 40),
        "</site>",
        "</OWASPZAPReport>",
        c.bytes,
      ),
    expect: /the parsed XML would need about \d+ MiB of memory, above the \d+ MiB memory bound/,
  },
  {
    name: "xml-huge-text",
    make: (c) => repeated("<OWASPZAPReport><site>", "&amp;", "</site></OWASPZAPReport>", c.bytes),
    expect: /an XML text of \d+ chars exceeds the \d+ cap/,
  },
  {
    name: "xml-deep-nesting",
    make: (c) => repeated("", "<a>", "", c.bytes),
    expect: /XML nesting deeper than 128/,
  },
  {
    name: "csv-cell-flood",
    make: (c) => repeated(PROWLER_HEADER, ";", "\n", c.bytes),
    expect: /the parsed report would need about \d+ MiB of memory, above the \d+ MiB memory bound/,
  },
  {
    name: "csv-huge-field",
    make: (c) => repeated(`${PROWLER_HEADER}"`, "x", '"\n', c.bytes),
    expect: /a CSV field of \d+ chars exceeds the \d+ cap/,
  },
];

/** Not a bad input: one small valid report through the same path, for the process's own floor. */
export const BASELINE_INPUT: BadInput = {
  name: "baseline-one-finding",
  make: () =>
    Buffer.from(
      JSON.stringify({
        version: "2.1.0",
        runs: [{ tool: { driver: { name: "x" } }, results: [{ ruleId: "r", message: { text: "m" } }] }],
      }),
    ),
  expect: "parses",
};

export const BadInputOutcome = z.object({
  name: z.string(),
  outcome: z.enum(["refused", "parsed", "error"]),
  reason: z.string().optional(),
  findings: z.number().optional(),
  normalizedBytes: z.number().optional(),
  inputBytes: z.number(),
  ms: z.number(),
  peakRssMb: z.number(),
});
export type BadInputOutcome = z.infer<typeof BadInputOutcome>;

/**
 * Generates one input and runs it through normalize's parse path with the pipeline's caps, then,
 * when it parses, through the normalized report's serialization. In this process: a crash is the
 * caller's finding.
 */
export function runBadInput(name: string, caps: Caps = capsFromEnv()): BadInputOutcome {
  const input = [...BAD_INPUTS, BASELINE_INPUT].find((b) => b.name === name);
  if (!input) throw new Error(`no bad input ${name}; inputs: ${BAD_INPUTS.map((b) => b.name).join(", ")}`);
  let bytes: Uint8Array | undefined = input.make(caps);
  const inputBytes = bytes.byteLength;
  const started = performance.now();
  const done = (
    rest: Omit<BadInputOutcome, "name" | "inputBytes" | "ms" | "peakRssMb">,
  ): BadInputOutcome => ({
    name,
    ...rest,
    inputBytes,
    ms: Math.round(performance.now() - started),
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  });
  try {
    const limits = {
      maxBytes: caps.bytes,
      maxFindings: caps.findings,
      maxTreeBytes: caps.treeBytes,
      maxStringBytes: caps.stringBytes,
    };
    const report = parseReport(bytes, { secretSalt: "bench", limits });
    bytes = undefined;
    return done({ outcome: "parsed", findings: report.count, normalizedBytes: gzipJson(report).byteLength });
  } catch (error) {
    if (error instanceof ParseError) return done({ outcome: "refused", reason: error.message });
    return done({ outcome: "error", reason: `${(error as Error).name}: ${(error as Error).message}` });
  }
}

/** Refused with a reason naming the expected bound, or parsed when it fits every bound. */
export function handledAsExpected(input: BadInput, outcome: BadInputOutcome): boolean {
  if (input.expect === "parses") return outcome.outcome === "parsed";
  return outcome.outcome === "refused" && input.expect.test(outcome.reason ?? "");
}

/**
 * The V8 heap of a bad-input process: normalize's, so a parse that needs more than the budget dies
 * here as it would there, and the peak RSS is what the Lambda would see.
 */
export const BAD_INPUT_HEAP_MB = NORMALIZE_HEAP_MB;

/** One bad input in a child process of its own; a V8 abort shows as a signal, not as our crash. */
export function spawnBadInput(
  name: string,
  env: NodeJS.ProcessEnv = process.env,
): { outcome?: BadInputOutcome; status: number | null; signal: string | null; stderr: string } {
  const child = spawnSync(
    process.execPath,
    [`--max-old-space-size=${BAD_INPUT_HEAP_MB}`, BIN, "bench", "--bad-input", name],
    { encoding: "utf8", maxBuffer: 16 * MIB, env: { ...env, POWERTOOLS_LOG_LEVEL: "ERROR" } },
  );
  const line = child.stdout.split("\n").find((l) => l.startsWith("BADINPUT "));
  const outcome = line ? BadInputOutcome.parse(JSON.parse(line.slice("BADINPUT ".length))) : undefined;
  return { outcome, status: child.status, signal: child.signal, stderr: child.stderr };
}
