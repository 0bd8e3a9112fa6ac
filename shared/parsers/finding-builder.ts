import { collectCwes } from "#shared/domain/cwe";
import { LIMITS, type Location, type NormalizedFinding, type PackageRef } from "#shared/domain/finding";
import { normalizePath } from "#shared/domain/path";
import { redactUrlCredentials } from "#shared/domain/secret";
import { canonicalVulnId } from "#shared/domain/vulnerability-id";
import type { FindingList, ParsedReport } from "./format.ts";
import { ParseError } from "./parse-error.ts";

/** What a parser fills in: the finding with its lists optional and no bounds to worry about. */
export type FindingDraft = Omit<
  NormalizedFinding,
  "cwes" | "fingerprints" | "references" | "tags" | "location" | "package"
> & {
  cwes?: Array<string | number | null | undefined>;
  fingerprints?: Record<string, string | undefined>;
  references?: Array<string | undefined>;
  tags?: Array<string | undefined>;
  location?: Location;
  package?: Omit<PackageRef, "fixedVersions"> & { fixedVersions?: string[] };
};

/**
 * Every text a finding keeps goes through here: credentials in URLs are redacted (before the cut,
 * so a cut cannot leave half a password unrecognised), then the text is bounded.
 */
export function clip(text: string, max: number): string {
  const clean = redactUrlCredentials(text);
  return clean.length <= max ? clean : `${clean.slice(0, max - 1)}…`;
}

function clipOptional(text: string | undefined, max: number): string | undefined {
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  return trimmed ? clip(trimmed, max) : undefined;
}

function uniqueClipped(values: Array<string | undefined>, maxItems: number, maxLength: number): string[] {
  // the common one- and two-item lists, without the Set
  if (values.length === 1) {
    const v = values[0]?.trim();
    return v && maxItems > 0 ? [clip(v, maxLength)] : [];
  }
  if (values.length === 2 && maxItems >= 2) {
    const a = values[0]?.trim();
    const b = values[1]?.trim();
    const ca = a ? clip(a, maxLength) : undefined;
    const cb = b ? clip(b, maxLength) : undefined;
    if (ca === undefined) return cb === undefined ? [] : [cb];
    return cb === undefined || cb === ca ? [ca] : [ca, cb];
  }
  const out = new Set<string>();
  for (const value of values) {
    if (out.size >= maxItems) break;
    const v = value?.trim();
    if (v) out.add(clip(v, maxLength));
  }
  return [...out];
}

/**
 * The findings cap of the parse in progress. Parsing is synchronous, so at most one parse runs at a
 * time and `withFindingCap` scopes the count to it. Counting here, where every parser builds its
 * findings, refuses the finding past the cap before it is made, whatever the format.
 */
const findingBudget: { left: number; cap: number; sink?: (finding: NormalizedFinding) => void } = {
  left: Number.POSITIVE_INFINITY,
  cap: Number.POSITIVE_INFINITY,
};

/**
 * Runs one parse under the findings cap. With a `sink`, the lists parsers get from `findingList`
 * hand each finding to it as it is made (the normalize Lambda writes them out in batches): kept
 * in one array until the report is written, findings age into the old generation, and copying
 * them there cost the parse a third of its time.
 */
export function withFindingCap<T>(
  cap: number,
  parse: () => T,
  sink?: (finding: NormalizedFinding) => void,
): T {
  const { left, cap: outer, sink: outerSink } = findingBudget;
  findingBudget.left = cap;
  findingBudget.cap = cap;
  findingBudget.sink = sink;
  for (const cache of caches) cache.clear();
  try {
    return parse();
  } finally {
    findingBudget.left = left;
    findingBudget.cap = outer;
    findingBudget.sink = outerSink;
    for (const cache of caches) cache.clear();
  }
}

/** A list that passes each finding on to `sink` and keeps only their count. */
class PassingList implements FindingList {
  length = 0;
  constructor(private readonly sink: (finding: NormalizedFinding) => void) {}
  push(finding: NormalizedFinding): number {
    this.sink(finding);
    return ++this.length;
  }
}

/** The list a parser of big reports adds its findings to: the parse's sink when it has one, else an array. */
export function findingList(): FindingList {
  const sink = findingBudget.sink;
  return sink ? new PassingList(sink) : [];
}

/** A `findingList`'s findings as a parse returns them: the array, or the count passed on. */
export function parsedFindings(list: FindingList): Pick<ParsedReport, "findings" | "streamed"> {
  return Array.isArray(list) ? { findings: list } : { findings: [], streamed: list.length };
}

function cwesOf(values: NonNullable<FindingDraft["cwes"]>): string[] {
  const only = values.length === 1 ? values[0] : undefined;
  // one id as the tool wrote it (the common case): normalized once a report, then shared
  if (typeof only === "string") {
    const known = cweLists.get(only);
    if (known) return known;
    const list = sharedList(collectCwes(values).slice(0, LIMITS.ids));
    return remember(cweLists, only, list);
  }
  return sharedList(collectCwes(values).slice(0, LIMITS.ids));
}

/** The object itself, frozen: for empty values shared by every finding that has nothing there. */
function frozen<T extends object>(value: T): T {
  Object.freeze(value);
  return value;
}

/**
 * Values that repeat across a report's findings (rules, CVSS blocks, one-item tag and CWE lists,
 * derived severity texts, image locations), one frozen copy each for the report. Findings are kept
 * until the report is written out, and every kept duplicate is memory the garbage collector copies
 * as it ages. Keyed by the values themselves (no composed keys: building and hashing those cost
 * more than sharing saved). Bounded, and emptied when a parse starts and ends (`withFindingCap`).
 */
const REPEATED_MAX = 20_000;
const rules = new Map<string, NormalizedFinding["rule"]>();
const cvssBlocks = new Map<string, NonNullable<NormalizedFinding["cvss"]>>();
const singletons = new Map<string, string[]>();
/** A finding's one CWE as its tool wrote it → the normalized list. */
const cweLists = new Map<string, string[]>();
const texts = new Map<string, string>();
const imageLocations = new Map<string, Location>();
const caches: ReadonlyArray<Map<string, unknown>> = [
  rules,
  cvssBlocks,
  singletons,
  cweLists,
  texts,
  imageLocations,
];

function remember<T>(cache: Map<string, T>, key: string, value: T): T {
  if (cache.size < REPEATED_MAX) cache.set(key, value);
  return value;
}

/** A list of at most one text: empty lists and one-item lists that repeat are shared. */
function sharedList(list: string[]): string[] {
  if (list.length === 0) return NO_STRINGS;
  if (list.length > 1) return list;
  const only = list[0] ?? "";
  return singletons.get(only) ?? remember(singletons, only, frozen(list));
}

/** A derived text (a severity with its source, a lower-cased ecosystem), one string for all its copies. */
function sharedText(text: string | undefined): string | undefined {
  if (text === undefined || text.length > 64) return text;
  return texts.get(text) ?? remember(texts, text, text);
}

/**
 * Empty lists and maps, one for all findings: a report of a million findings would otherwise hold
 * a million of each (~200 bytes a finding). Frozen, so a write to one fails loudly.
 */
const NO_STRINGS: string[] = frozen([]);
const NO_FINGERPRINTS: Record<string, string> = frozen({});
const NO_LOCATION: Location = frozen({});

/** The last tool bounded: a report's findings all name the same tool, so they share one object. */
let lastTool: { name: string; version?: string; tool: NormalizedFinding["tool"] } | undefined;

function boundedTool(source: FindingDraft["tool"]): NormalizedFinding["tool"] {
  if (lastTool && lastTool.name === source.name && lastTool.version === source.version) return lastTool.tool;
  const tool: NormalizedFinding["tool"] = { name: clip(source.name, 100) };
  put(tool, "version", clipOptional(source.version, 100));
  lastTool = { name: source.name, version: source.version, tool: frozen(tool) };
  return tool;
}

/** Sets `key` only when the value is defined: no `delete`, which would turn objects into slow dictionaries. */
function put<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) target[key] = value;
}

function orNone(list: string[]): string[] {
  return list.length ? list : NO_STRINGS;
}

/** A line number as the model allows it: a non-negative safe integer, else nothing. */
function lineNumber(n: number | undefined): number | undefined {
  return n !== undefined && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

function buildCvss(c: NonNullable<FindingDraft["cvss"]>): NonNullable<NormalizedFinding["cvss"]> {
  const vector = c.vector && c.vector.length <= LIMITS.shortText ? c.vector : undefined;
  const score =
    c.score !== undefined && Number.isFinite(c.score) && c.score >= 0 && c.score <= 10 ? c.score : undefined;
  const known = cvssBlocks.get(vector ?? c.version);
  if (known && known.version === c.version && known.vector === vector && known.score === score) return known;
  const out: NonNullable<NormalizedFinding["cvss"]> = { version: c.version };
  put(out, "vector", vector);
  put(out, "score", score);
  return known ? out : remember(cvssBlocks, vector ?? c.version, frozen(out));
}

function buildLocation(l: Location | undefined): Location {
  if (!l) return NO_LOCATION;
  // an image's location (the image alone) repeats across all its OS package findings
  const imageOnly =
    l.image !== undefined &&
    l.file === undefined &&
    l.startLine === undefined &&
    l.endLine === undefined &&
    l.snippetHash === undefined &&
    l.url === undefined &&
    l.method === undefined &&
    l.parameter === undefined &&
    l.resource === undefined;
  if (imageOnly) {
    const known = imageLocations.get(l.image ?? "");
    if (known) return known;
  }
  const out: Location = {};
  put(out, "file", l.file ? clip(normalizePath(l.file), LIMITS.path) : undefined);
  put(out, "startLine", lineNumber(l.startLine));
  let end = lineNumber(l.endLine);
  if (l.startLine !== undefined && end !== undefined && end < l.startLine) end = l.startLine;
  put(out, "endLine", end);
  put(out, "snippetHash", clipOptional(l.snippetHash, 64));
  put(out, "url", clipOptional(l.url, LIMITS.url));
  put(out, "method", clipOptional(l.method?.toUpperCase(), 20));
  put(out, "parameter", clipOptional(l.parameter, LIMITS.shortText));
  put(out, "resource", clipOptional(l.resource, LIMITS.path));
  put(out, "image", clipOptional(l.image, LIMITS.path));
  if (imageOnly && out.image !== undefined && l.image !== undefined)
    return remember(imageLocations, l.image, frozen(out));
  for (const _ in out) return out;
  return NO_LOCATION;
}

function buildPackage(p: NonNullable<FindingDraft["package"]>): PackageRef {
  const out: PackageRef = {
    name: clip(p.name, LIMITS.path),
    fixedVersions: sharedList(uniqueClipped(p.fixedVersions ?? [], LIMITS.fixedVersions, 200)),
  };
  // an over-long purl is not a purl we can trust to parse back: drop it rather than cut it
  put(out, "purl", p.purl && p.purl.length <= LIMITS.path ? p.purl : undefined);
  put(out, "ecosystem", sharedText(clipOptional(p.ecosystem, 50)));
  put(out, "version", clipOptional(p.version, 200));
  put(out, "direct", p.direct);
  put(out, "scope", p.scope);
  put(out, "manifest", p.manifest ? clip(normalizePath(p.manifest), LIMITS.path) : undefined);
  return out;
}

/**
 * Bounds every field, normalizes paths, CWE and vulnerability ids, and drops empty optionals, so
 * each parser states only what its tool said. Hot path: called once per finding of reports with
 * hundreds of thousands of results.
 */
export function makeFinding(draft: FindingDraft): NormalizedFinding {
  if (--findingBudget.left < 0)
    throw new ParseError(
      `the report has more than ${findingBudget.cap} findings, above the findings cap (ASPM_MAX_FINDINGS)`,
    );
  let fingerprints = NO_FINGERPRINTS;
  if (draft.fingerprints) {
    for (const key in draft.fingerprints) {
      const value = draft.fingerprints[key];
      if (!value) continue;
      if (fingerprints === NO_FINGERPRINTS) fingerprints = {};
      fingerprints[clip(key, 100)] = clip(value, LIMITS.shortText);
    }
  }
  const ruleId = clip(draft.rule.id, LIMITS.shortText);
  const ruleName = clipOptional(draft.rule.name, LIMITS.shortText);
  const known = rules.get(ruleId);
  let rule: NormalizedFinding["rule"];
  if (known && known.name === ruleName) rule = known;
  else {
    rule = { id: ruleId };
    put(rule, "name", ruleName);
    if (!known) remember(rules, ruleId, frozen(rule));
  }
  const out: NormalizedFinding = {
    category: draft.category,
    tool: boundedTool(draft.tool),
    rule,
    title: clip(draft.title.trim() || draft.rule.id, LIMITS.title),
    severity: draft.severity,
    cwes: draft.cwes?.length ? cwesOf(draft.cwes) : NO_STRINGS,
    location: buildLocation(draft.location),
    fingerprints,
    references: draft.references?.length
      ? orNone(uniqueClipped(draft.references, LIMITS.references, LIMITS.url))
      : NO_STRINGS,
    tags: draft.tags?.length ? sharedList(uniqueClipped(draft.tags, LIMITS.ids, 100)) : NO_STRINGS,
  };
  put(out, "description", clipOptional(draft.description, LIMITS.description));
  put(out, "rawSeverity", sharedText(clipOptional(draft.rawSeverity, 100)));
  put(out, "confidence", draft.confidence);
  if (draft.cvss) out.cvss = buildCvss(draft.cvss);
  if (draft.vulnerability) {
    const id = clip(canonicalVulnId(draft.vulnerability.id), 200);
    const aliases = draft.vulnerability.aliases.length
      ? sharedList(
          uniqueClipped(draft.vulnerability.aliases.map(canonicalVulnId), LIMITS.ids, 200).filter(
            (a) => a !== id,
          ),
        )
      : NO_STRINGS;
    out.vulnerability = { id, aliases };
  }
  if (draft.package) out.package = buildPackage(draft.package);
  put(out, "reachability", draft.reachability);
  if (draft.vex) {
    const vex: NonNullable<NormalizedFinding["vex"]> = { state: draft.vex.state };
    put(vex, "justification", clipOptional(draft.vex.justification, LIMITS.shortText));
    put(vex, "detail", clipOptional(draft.vex.detail, LIMITS.description));
    out.vex = vex;
  }
  put(out, "exploit", draft.exploit);
  put(out, "secret", draft.secret);
  if (draft.suppressed) {
    const suppressed: NonNullable<NormalizedFinding["suppressed"]> = {
      kind: clip(draft.suppressed.kind, 50),
    };
    put(suppressed, "justification", clipOptional(draft.suppressed.justification, LIMITS.shortText));
    out.suppressed = suppressed;
  }
  put(out, "baselineState", draft.baselineState);
  put(out, "toolId", clipOptional(draft.toolId, LIMITS.shortText));
  put(out, "remediation", clipOptional(draft.remediation, LIMITS.description));
  return out;
}
