import { z } from "zod";
import { imageArtifact, pathArtifact } from "#shared/domain/artifact";
import { type Component as InventoryComponent, MAX_COMPONENTS } from "#shared/domain/component";
import type { Category, Cvss, Severity, VexState } from "#shared/domain/finding";
import { type PurlParts, parsePurl } from "#shared/domain/purl";
import { severityFromScore, severityFromWord } from "#shared/domain/severity";
import { canonicalVulnId } from "#shared/domain/vulnerability-id";
import { inputLimits, isRecord, type ReportDocument } from "./document.ts";
import { type FindingDraft, findingList, makeFinding, parsedFindings } from "./finding-builder.ts";
import type { FindingList, ParseContext, ParsedReport, ReportFormat } from "./format.ts";
import { forEachElement, hasLazy, JsonArray, LazyArray, materialize, treeTooBig } from "./lazy-json.ts";
import { ParseError } from "./parse-error.ts";
import { isNullishListOf, isNullishString, parseShape } from "./shape.ts";
import { parseXml, xmlList, xmlText } from "./xml.ts";

/**
 * CycloneDX 1.4-1.7 BOMs with vulnerabilities (VDR / VEX), JSON and XML. The XML is first read into
 * the JSON BOM's shape (the 1.2/1.3 vulnerability extension too), so both share one mapping.
 *
 * One finding per vulnerability x affected component (`affects[].ref`, resolved to the component's
 * purl, name and version through its bom-ref). A BOM without vulnerabilities is a valid report with
 * no findings. Severity: the first rating's severity word (critical, high, medium, low, info, none;
 * `unknown` skipped), else the score band of the CVSS rating, else info. CVSS: the rating with the
 * newest method (CVSSv4 > CVSSv31 > CVSSv3 > CVSSv2). Category: container for OS packages (apk, deb,
 * rpm) of a container BOM, else sca. `analysis` becomes `vex` (resolved_with_pedigree -> resolved);
 * not_affected, false_positive and resolved are also marked suppressed (kind `vex`).
 */

const Str = z.string().nullish();
const Source = z.object({ name: Str, url: Str });

const Rating = z.object({
  source: Source.nullish(),
  score: z.number().nullish(),
  severity: Str,
  method: Str,
  vector: Str,
});
type Rating = z.infer<typeof Rating>;

const Vulnerability = z.object({
  "bom-ref": Str,
  id: Str,
  source: Source.nullish(),
  references: z.array(z.object({ id: z.string(), source: Source.nullish() })).nullish(),
  ratings: z.array(Rating).nullish(),
  cwes: z.array(z.union([z.number(), z.string()])).nullish(),
  description: Str,
  detail: Str,
  recommendation: Str,
  workaround: Str,
  advisories: z.array(z.object({ url: Str })).nullish(),
  affects: z
    .array(
      z.object({
        ref: z.string(),
        versions: z.array(z.object({ version: Str, status: Str })).nullish(),
      }),
    )
    .nullish(),
  analysis: z
    .object({
      state: Str,
      justification: Str,
      response: z.array(z.string()).nullish(),
      detail: Str,
    })
    .nullish(),
});
type Vulnerability = z.infer<typeof Vulnerability>;

const Component = z.object({
  type: Str,
  name: z.string(),
  group: Str,
  version: Str,
  purl: Str,
  evidence: z.object({ occurrences: z.array(z.object({ location: z.string() })).nullish() }).nullish(),
});
type Component = z.infer<typeof Component>;

const Tool = z.object({ name: Str, version: Str });
type Tool = z.infer<typeof Tool>;

const Bom = z.object({
  bomFormat: z.literal("CycloneDX"),
  metadata: z
    .object({
      // 1.4: an array of tools; 1.5+: { components, services }
      tools: z
        .union([
          z.array(Tool),
          z.object({ components: z.array(Tool).nullish(), services: z.array(Tool).nullish() }),
        ])
        .nullish(),
      component: z.unknown().optional(),
    })
    .nullish(),
  // big lists may arrive lazily (lazy-json.ts): each element is parsed as it is visited
  components: JsonArray.nullish(),
  vulnerabilities: JsonArray.nullish(),
});
type Bom = z.infer<typeof Bom>;

const CVSS_METHODS: Record<string, { version: Cvss["version"]; rank: number }> = {
  CVSSv4: { version: "4.0", rank: 4 },
  CVSSv31: { version: "3.1", rank: 3 },
  CVSSv3: { version: "3.0", rank: 2 },
  CVSSv2: { version: "2.0", rank: 1 },
};

const VEX: Record<string, VexState> = {
  resolved: "resolved",
  resolved_with_pedigree: "resolved",
  exploitable: "exploitable",
  in_triage: "in_triage",
  false_positive: "false_positive",
  not_affected: "not_affected",
};
const VEX_SUPPRESSES = new Set<VexState>(["not_affected", "false_positive", "resolved"]);
const OS_PACKAGE_TYPES = new Set(["apk", "deb", "rpm"]);
const DISTRO_NAMESPACED = new Set(["apk", "deb", "rpm", "alpm"]);
// SBOM generators that hand the BOM to a scanner; the scanner that adds vulnerabilities is the tool
const SBOM_GENERATORS = /cdxgen|syft|cyclonedx|sbom/i;
// Grype adds a CISA KEV rating (method `other`) for known exploited vulnerabilities
const KEV_SOURCE = /\bKEV\b/i;

/**
 * A component as findings and the inventory read it, its purl parsed once. Small on purpose: it
 * outlives the parsed element (a lazy batch), which holds far more (licenses, properties, hashes).
 */
interface Part {
  type?: string | null;
  name: string;
  group?: string | null;
  version?: string | null;
  purl?: string | null;
  /** `purl`, parsed (undefined when it is missing or not a purl). */
  parts?: PurlParts;
  /** The first evidence occurrence. */
  file?: string;
}

function partOf(c: Component): Part {
  return {
    type: c.type,
    name: c.name,
    group: c.group,
    version: c.version,
    purl: c.purl,
    parts: c.purl ? parsePurl(c.purl) : undefined,
    file: c.evidence?.occurrences?.[0]?.location,
  };
}

/**
 * A component by bom-ref. An invalid one keeps its raw value and path: it fails the parse only
 * when a vulnerability points at it (an SBOM's odd component is left out of the inventory).
 */
interface Indexed {
  part?: Part;
  raw?: unknown;
  where?: string;
  /** The top-level component whose subtree it is in (-1: metadata.component): which duplicate wins. */
  group: number;
}
type ComponentIndex = Map<string, Indexed>;

// Hand checks of the shapes above, for the common valid element: zod builds a copy of every
// object it checks, which cost more than the whole mapping. Each accepts only what its zod shape
// accepts; whatever it refuses goes through zod, which then names the broken field.

function isNum(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === "number" && Number.isFinite(v));
}

function isSource(v: unknown): boolean {
  return v === undefined || v === null || (isRecord(v) && isNullishString(v.name) && isNullishString(v.url));
}

function isRating(r: unknown): boolean {
  return (
    isRecord(r) &&
    isSource(r.source) &&
    isNum(r.score) &&
    isNullishString(r.severity) &&
    isNullishString(r.method) &&
    isNullishString(r.vector)
  );
}

function isAffect(a: unknown): boolean {
  return (
    isRecord(a) &&
    typeof a.ref === "string" &&
    isNullishListOf(a.versions, (v) => isRecord(v) && isNullishString(v.version) && isNullishString(v.status))
  );
}

function isVulnerability(v: unknown): v is Vulnerability {
  if (!isRecord(v)) return false;
  const analysis = v.analysis;
  return (
    isNullishString(v["bom-ref"]) &&
    isNullishString(v.id) &&
    isSource(v.source) &&
    isNullishString(v.description) &&
    isNullishString(v.detail) &&
    isNullishString(v.recommendation) &&
    isNullishString(v.workaround) &&
    isNullishListOf(v.references, (r) => isRecord(r) && typeof r.id === "string" && isSource(r.source)) &&
    isNullishListOf(v.ratings, isRating) &&
    isNullishListOf(v.cwes, (c) => typeof c === "string" || (typeof c === "number" && Number.isFinite(c))) &&
    isNullishListOf(v.advisories, (a) => isRecord(a) && isNullishString(a.url)) &&
    isNullishListOf(v.affects, isAffect) &&
    (analysis === undefined ||
      analysis === null ||
      (isRecord(analysis) &&
        isNullishString(analysis.state) &&
        isNullishString(analysis.justification) &&
        isNullishString(analysis.detail) &&
        isNullishListOf(analysis.response, (r) => typeof r === "string")))
  );
}

function isComponent(c: Record<string, unknown>): c is Component {
  const evidence = c.evidence;
  return (
    typeof c.name === "string" &&
    isNullishString(c.type) &&
    isNullishString(c.group) &&
    isNullishString(c.version) &&
    isNullishString(c.purl) &&
    (evidence === undefined ||
      evidence === null ||
      (isRecord(evidence) &&
        isNullishListOf(evidence.occurrences, (o) => isRecord(o) && typeof o.location === "string")))
  );
}

function toolOf(bom: Bom): ParsedReport["tool"] {
  const tools = bom.metadata?.tools;
  const list: Tool[] = Array.isArray(tools)
    ? tools
    : [...(tools?.components ?? []), ...(tools?.services ?? [])];
  const named = list.filter((t) => t.name);
  const scanner = [...named].reverse().find((t) => !SBOM_GENERATORS.test(t.name ?? "")) ?? named.at(-1);
  return scanner?.name
    ? { name: scanner.name, version: scanner.version ?? undefined }
    : { name: "CycloneDX" };
}

function bestCvssRating(ratings: Rating[]): Rating | undefined {
  let best: Rating | undefined;
  let bestRank = 0;
  for (const r of ratings) {
    const rank = (r.method && CVSS_METHODS[r.method]?.rank) || 0;
    if (rank > bestRank) {
      best = r;
      bestRank = rank;
    }
  }
  return best;
}

/**
 * Writers list their primary rating first (Trivy its severity source, Grype its CVSS rating), so the
 * first stated severity word wins; `unknown` says nothing and is skipped.
 */
function severityOf(ratings: Rating[], cvssRating: Rating | undefined): Severity {
  for (const r of ratings) {
    const word = r.severity === "unknown" ? undefined : severityFromWord(r.severity);
    if (word) return word;
  }
  return typeof cvssRating?.score === "number" ? severityFromScore(cvssRating.score) : "info";
}

/** `nvd:CVSSv31 9.8 critical, ghsa:critical`: every rating as the BOM states it (no list a rating). */
function rawSeverityOf(ratings: Rating[]): string | undefined {
  let out: string | undefined;
  for (const r of ratings) {
    const score = r.score;
    if (!r.severity && score == null) continue;
    // the method, score and severity that are stated, space-separated
    let words = r.method || "";
    if (score != null) words = words ? `${words} ${score}` : `${score}`;
    if (r.severity) words = words ? `${words} ${r.severity}` : r.severity;
    const part = r.source?.name ? `${r.source.name}:${words}` : words;
    out = out === undefined ? part : `${out}, ${part}`;
  }
  return out;
}

function packageName(p: PurlParts): string {
  // an OS package's namespace is its distribution (`debian/openssl`), not part of its name
  if (!p.namespace || DISTRO_NAMESPACED.has(p.type)) return p.name;
  return p.type === "maven" ? `${p.namespace}:${p.name}` : `${p.namespace}/${p.name}`;
}

/** A BOM-Link (`urn:cdx:<serial>/<version>#<bom-ref>`) points into another BOM by its fragment. */
function localRef(ref: string): string {
  if (!ref.startsWith("urn:cdx:")) return ref;
  const hash = ref.indexOf("#");
  if (hash === -1) return ref;
  try {
    return decodeURIComponent(ref.slice(hash + 1));
  } catch {
    return ref.slice(hash + 1);
  }
}

function imageOf(subject: Part | undefined): string | undefined {
  if (subject?.type !== "container") return undefined;
  const v = subject.version;
  if (!v) return subject.name;
  return `${subject.name}${v.startsWith("sha256:") ? "@" : ":"}${v}`;
}

/** What the BOM describes: an image by repository, a package by version-less purl, else its name or path. */
function artifactOf(subject: Part | undefined): string | undefined {
  if (!subject) return undefined;
  if (subject.type === "container") return imageArtifact(subject.name);
  if (subject.purl) return subject.purl.replace(/[?#].*$/, "").replace(/@[^/@]*$/, "");
  return pathArtifact(subject.group ? `${subject.group}/${subject.name}` : subject.name);
}

interface Affected {
  ref: string;
  component?: Part;
  purl?: { value: string; parts: PurlParts };
  fixed: string[];
}

function affected(ref: string, component: Part | undefined, fixed: string[]): Affected {
  if (component?.purl)
    return {
      ref,
      component,
      purl: component.parts ? { value: component.purl, parts: component.parts } : undefined,
      fixed,
    };
  const parts = ref.startsWith("pkg:") ? parsePurl(ref) : undefined;
  return { ref, component, purl: parts ? { value: ref, parts } : undefined, fixed };
}

function resolveAffected(vuln: Vulnerability, ctx: BomContext): Affected[] {
  const out: Affected[] = [];
  const affects = vuln.affects ?? [];
  const seen = affects.length > 1 ? new Set<string>() : undefined;
  for (const affect of affects) {
    const ref = localRef(affect.ref);
    if (seen) {
      if (seen.has(ref)) continue;
      seen.add(ref);
    }
    const entry = ctx.index.get(ref);
    if (entry && !entry.part) entry.part = partOf(parseShape(Component, entry.raw, ctx.format, entry.where));
    const fixed: string[] = [];
    for (const v of affect.versions ?? []) if (v.status === "unaffected" && v.version) fixed.push(v.version);
    out.push(affected(ref, entry?.part, fixed));
  }
  // a vulnerability that names no component is about the BOM's subject
  if (out.length === 0) out.push(affected("", ctx.subject, []));
  return out;
}

interface BomContext {
  format: string;
  tool: ParsedReport["tool"];
  index: ComponentIndex;
  subject?: Part;
  image?: string;
}

function toFindings(vuln: Vulnerability, i: number, ctx: BomContext, out: FindingList): void {
  const rawId = vuln.id || vuln["bom-ref"];
  if (!rawId)
    throw new ParseError("a vulnerability has neither id nor bom-ref", ctx.format, `vulnerabilities[${i}]`);
  const id = canonicalVulnId(rawId);
  const ratings = vuln.ratings ?? [];
  const cvssRating = bestCvssRating(ratings);
  const method = cvssRating?.method ? CVSS_METHODS[cvssRating.method] : undefined;
  const cvss: Cvss | undefined =
    cvssRating && method
      ? {
          version: method.version,
          vector: cvssRating.vector ?? undefined,
          score: cvssRating.score ?? undefined,
        }
      : undefined;
  const kev = ratings.some((r) => KEV_SOURCE.test(r.source?.name ?? ""));
  const state = vuln.analysis?.state ? VEX[vuln.analysis.state] : undefined;
  const vex = state
    ? {
        state,
        justification: vuln.analysis?.justification ?? undefined,
        detail: vuln.analysis?.detail ?? undefined,
      }
    : undefined;
  // the same for every affected component: built once a vulnerability
  const severity = severityOf(ratings, cvssRating);
  const rawSeverity = rawSeverityOf(ratings);
  // plain loops: spreads of mapped lists cost several arrays a vulnerability
  const aliases: string[] = [];
  const references: Array<string | undefined> = [];
  for (const adv of vuln.advisories ?? []) references.push(adv.url ?? undefined);
  for (const r of vuln.references ?? []) {
    aliases.push(r.id);
    references.push(r.source?.url ?? undefined);
  }
  // last: Trivy names its whole data source here, not this vulnerability's page
  references.push(vuln.source?.url ?? undefined);
  const tags = [vuln.source?.name ?? undefined];
  for (const r of vuln.analysis?.response ?? []) tags.push(`vex-response:${r}`);
  const suppressed =
    state && VEX_SUPPRESSES.has(state)
      ? {
          kind: "vex",
          justification: [vuln.analysis?.state, vuln.analysis?.justification].filter(Boolean).join(": "),
        }
      : undefined;

  for (const a of resolveAffected(vuln, ctx)) {
    const parts = a.purl?.parts;
    const name = parts ? packageName(parts) : a.component?.name;
    const version = a.component?.version || parts?.version;
    const label = name ? `${name}${version ? `@${version}` : ""}` : undefined;
    const category: Category = ctx.image && parts && OS_PACKAGE_TYPES.has(parts.type) ? "container" : "sca";
    const draft: FindingDraft = {
      category,
      tool: ctx.tool,
      rule: { id },
      title: label ? `${id} in ${label}` : id,
      description: vuln.description || vuln.detail || undefined,
      severity,
      rawSeverity,
      cvss,
      vulnerability: { id, aliases },
      cwes: vuln.cwes ?? [],
      package: name
        ? {
            purl: a.purl?.value,
            ecosystem: parts?.type,
            name,
            version: version ?? undefined,
            fixedVersions: a.fixed,
          }
        : undefined,
      location: {
        file: a.component?.file,
        // language packages of an image keep the image too
        image: ctx.image,
        // a reference we cannot resolve to a package still says where the problem is
        resource: !name && a.ref ? a.ref : undefined,
      },
      vex,
      exploit: kev ? "active" : undefined,
      toolId: vuln["bom-ref"] ?? undefined,
      remediation: vuln.recommendation || vuln.workaround || undefined,
      references,
      tags,
    };
    if (suppressed) draft.suppressed = suppressed;
    out.push(makeFinding(draft));
  }
}

/** An inventory entry (name, purl, ecosystem, version: the key order the output keeps). */
function inventoryEntry(c: Part): InventoryComponent {
  const purl = c.parts;
  const entry: InventoryComponent = {
    name: purl ? packageName(purl) : c.group ? `${c.group}:${c.name}` : c.name,
  };
  if (purl && c.purl) {
    entry.purl = c.purl;
    entry.ecosystem = purl.type;
  }
  const version = c.version || purl?.version;
  if (version) entry.version = version;
  return entry;
}

/**
 * One walk of a component's subtree (the component, then its nested components from last to
 * first, depth first): indexes each by bom-ref (the first seen in this order wins within the
 * subtree; a later top-level component's wins over an earlier one's, metadata.component's over
 * none) and, given `inventory`, lists each valid one.
 */
function walkComponent(
  root: unknown,
  rootWhere: string,
  group: number,
  index: ComponentIndex,
  inventory: InventoryComponent[] | undefined,
): void {
  const stack: unknown[] = [root];
  const wheres: string[] = [rootWhere];
  for (let raw = stack.pop(); raw !== undefined; raw = stack.pop()) {
    const where = wheres.pop() ?? rootWhere;
    if (!isRecord(raw)) continue;
    const ref = raw["bom-ref"];
    const nested = raw.components;
    if (Array.isArray(nested))
      for (let i = 0; i < nested.length; i++) {
        stack.push(nested[i]);
        wheres.push(`${where}.components[${i}]`);
      }
    let part: Part | undefined;
    if (isComponent(raw)) part = partOf(raw);
    else {
      const checked = Component.safeParse(raw);
      if (checked.success) part = partOf(checked.data);
    }
    if (part && inventory) inventory.push(inventoryEntry(part));
    if (typeof ref !== "string") continue;
    const known = index.get(ref);
    if (known && (group < 0 || known.group >= group)) continue;
    index.set(ref, part ? { part, group } : { raw, where, group });
  }
}

/** True when a LazyArray sits anywhere but as the top-level components or vulnerabilities list. */
function lazyElsewhere(bom: Record<string, unknown>): boolean {
  for (const key in bom) {
    const value = bom[key];
    if ((key === "components" || key === "vulnerabilities") && value instanceof LazyArray) continue;
    if (hasLazy(value)) return true;
  }
  return false;
}

function mapBom(value: unknown, format: string): ParsedReport {
  const bom = parseShape(Bom, value, format);
  const tool = toolOf(bom);
  const rawSubject = bom.metadata?.component;
  const subject =
    rawSubject === undefined
      ? undefined
      : partOf(parseShape(Component, rawSubject, format, "metadata.component"));
  // one pass over the components (each parsed once when lazy) serves the index and the inventory;
  // the inventory lists the components in the order of the walk: top-level ones from last to first
  const index: ComponentIndex = new Map();
  const entries: InventoryComponent[] = [];
  const groupStarts: number[] = [];
  forEachElement(bom.components, (raw, i) => {
    groupStarts.push(entries.length);
    walkComponent(raw, `components[${i}]`, i, index, entries);
  });
  if (rawSubject !== undefined) walkComponent(rawSubject, "metadata.component", -1, index, undefined);
  const components: InventoryComponent[] = [];
  for (let g = groupStarts.length - 1; g >= 0 && components.length < MAX_COMPONENTS; g--) {
    const end = groupStarts[g + 1] ?? entries.length;
    for (let e = groupStarts[g] ?? end; e < end && components.length < MAX_COMPONENTS; e++) {
      const entry = entries[e];
      if (entry) components.push(entry);
    }
  }
  const ctx: BomContext = { format, tool, index, subject, image: imageOf(subject) };
  const findings = findingList();
  forEachElement(bom.vulnerabilities, (raw, i) => {
    const vuln = isVulnerability(raw) ? raw : parseShape(Vulnerability, raw, format, `vulnerabilities[${i}]`);
    toFindings(vuln, i, ctx, findings);
  });
  const artifact = artifactOf(subject);
  return { tool, ...parsedFindings(findings), components, ...(artifact ? { artifact } : {}) };
}

// --- XML: read into the JSON BOM's shape ----------------------------------------------------------

function child(node: unknown, name: string): unknown {
  return isRecord(node) ? node[name] : undefined;
}

function text(node: unknown, name: string): string | undefined {
  return xmlText(child(node, name))?.trim() || undefined;
}

function attr(node: unknown, name: string): string | undefined {
  const value = child(node, `@_${name}`);
  return typeof value === "string" ? value : undefined;
}

/** A number element; a non-numeric value stays NaN so validation names the broken field. */
function num(value: string | undefined): number | undefined {
  return value === undefined ? undefined : Number(value);
}

function list(node: unknown, ...path: string[]): unknown[] {
  let at = node;
  for (const name of path) at = child(at, name);
  return xmlList(at);
}

function sourceFromXml(s: unknown): Record<string, unknown> | undefined {
  return isRecord(s) ? { name: text(s, "name"), url: text(s, "url") } : undefined;
}

function toolFromXml(t: unknown): Record<string, unknown> {
  return { name: text(t, "name"), version: text(t, "version") };
}

function componentFromXml(c: unknown, extVulns: unknown[]): Record<string, unknown> {
  const purl = text(c, "purl");
  // 1.2/1.3 vulnerability extension: vulnerabilities live inside the component they affect
  let ref = attr(c, "bom-ref");
  for (const v of list(c, "vulnerabilities", "vulnerability")) {
    ref = ref ?? attr(v, "ref") ?? purl ?? `component-${extVulns.length}`;
    extVulns.push(extVulnerabilityFromXml(v, ref));
  }
  return {
    "bom-ref": ref,
    type: attr(c, "type"),
    name: text(c, "name"),
    group: text(c, "group"),
    version: text(c, "version"),
    purl,
    evidence: {
      occurrences: list(c, "evidence", "occurrences", "occurrence").map((o) => ({
        location: text(o, "location"),
      })),
    },
    components: list(c, "components", "component").map((n) => componentFromXml(n, extVulns)),
  };
}

function vulnerabilityFromXml(v: unknown): Record<string, unknown> {
  const analysis = child(v, "analysis");
  return {
    "bom-ref": attr(v, "bom-ref"),
    id: text(v, "id"),
    source: sourceFromXml(child(v, "source")),
    references: list(v, "references", "reference").map((r) => ({
      id: text(r, "id"),
      source: sourceFromXml(child(r, "source")),
    })),
    ratings: list(v, "ratings", "rating").map((r) => ({
      source: sourceFromXml(child(r, "source")),
      score: num(text(r, "score")),
      severity: text(r, "severity"),
      method: text(r, "method"),
      vector: text(r, "vector"),
    })),
    cwes: list(v, "cwes", "cwe").map((c) => xmlText(c)?.trim() ?? ""),
    description: text(v, "description"),
    detail: text(v, "detail"),
    recommendation: text(v, "recommendation"),
    workaround: text(v, "workaround"),
    advisories: list(v, "advisories", "advisory").map((a) => ({ url: text(a, "url") })),
    affects: list(v, "affects", "target").map((t) => ({
      ref: text(t, "ref"),
      versions: list(t, "versions", "version").map((ver) => ({
        version: text(ver, "version"),
        status: text(ver, "status"),
      })),
    })),
    analysis: isRecord(analysis)
      ? {
          state: text(analysis, "state"),
          justification: text(analysis, "justification"),
          response: list(analysis, "responses", "response").map((r) => xmlText(r)?.trim() ?? ""),
          detail: text(analysis, "detail"),
        }
      : undefined,
  };
}

/** The 1.0 vulnerability extension (`v:` namespace, BOM 1.2/1.3), in the 1.4 vulnerability shape. */
function extVulnerabilityFromXml(v: unknown, ref: string): Record<string, unknown> {
  const source = child(v, "source");
  return {
    id: text(v, "id"),
    source: isRecord(source) ? { name: attr(source, "name"), url: text(source, "url") } : undefined,
    ratings: list(v, "ratings", "rating").map((r) => ({
      score: num(text(child(r, "score"), "base")),
      severity: text(r, "severity")?.toLowerCase(),
      method: text(r, "method"),
      vector: text(r, "vector"),
    })),
    cwes: list(v, "cwes", "cwe").map((c) => xmlText(c)?.trim() ?? ""),
    description: text(v, "description"),
    recommendation: list(v, "recommendations", "recommendation")
      .map((r) => xmlText(r)?.trim())
      .filter(Boolean)
      .join("\n"),
    advisories: list(v, "advisories", "advisory").map((a) => ({ url: xmlText(a)?.trim() })),
    affects: [{ ref }],
  };
}

function bomFromXml(xml: Buffer, format: string): unknown {
  const bom = child(parseXml(xml, format), "bom");
  if (!isRecord(bom)) throw new ParseError("no <bom> root element", format);
  const metadata = child(bom, "metadata");
  const tools = child(metadata, "tools");
  const extVulns: unknown[] = [];
  const subject = child(metadata, "component");
  const components = list(bom, "components", "component").map((c) => componentFromXml(c, extVulns));
  return {
    bomFormat: "CycloneDX",
    metadata: {
      tools:
        isRecord(tools) && (tools.components !== undefined || tools.services !== undefined)
          ? {
              components: list(tools, "components", "component").map(toolFromXml),
              services: list(tools, "services", "service").map(toolFromXml),
            }
          : list(tools, "tool").map(toolFromXml),
      component: isRecord(subject) ? componentFromXml(subject, extVulns) : undefined,
    },
    components,
    vulnerabilities: [
      ...list(bom, "vulnerabilities", "vulnerability").map(vulnerabilityFromXml),
      ...extVulns,
    ],
  };
}

// --- formats ----------------------------------------------------------------------------------------

const NAMESPACE = /http:\/\/cyclonedx\.org\/schema\/bom\/1\.\d/;

export const cyclonedxJson: ReportFormat = {
  id: "cyclonedx-json",
  tools: "Any CycloneDX 1.4-1.7 VDR/VEX writer: Trivy, Grype, OWASP dep-scan, cdxgen, Dependency-Track, Snyk",
  description: "CycloneDX JSON BOM: one finding per vulnerability x affected component, analysis as VEX",
  detect(doc: ReportDocument): boolean {
    return doc.syntax === "json" && isRecord(doc.value) && doc.value.bomFormat === "CycloneDX";
  },
  parse(doc: ReportDocument, ctx: ParseContext): ParsedReport {
    if (doc.syntax !== "json") return mapBom(undefined, "cyclonedx-json");
    const value = doc.value;
    // only the top-level lists are walked lazily; a big list anywhere else (a component's nested
    // components, a vulnerability's affects) is parsed whole, within the memory bound
    if (doc.fullBytes !== undefined && isRecord(value) && lazyElsewhere(value)) {
      const limits = inputLimits(ctx.limits);
      if (doc.fullBytes > limits.maxTreeBytes) throw treeTooBig(doc.fullBytes, limits);
      materialize(value);
    }
    return mapBom(value, "cyclonedx-json");
  },
  lazyArrays: true,
};

export const cyclonedxXml: ReportFormat = {
  id: "cyclonedx-xml",
  tools: "Any CycloneDX XML writer (1.4-1.7 vulnerabilities; 1.2/1.3 vulnerability extension)",
  description: "CycloneDX XML BOM: same mapping as the JSON BOM",
  detect(doc: ReportDocument): boolean {
    return doc.syntax === "xml" && doc.root === "bom" && NAMESPACE.test(doc.head);
  },
  parse(doc: ReportDocument): ParsedReport {
    const format = "cyclonedx-xml";
    if (doc.syntax !== "xml") throw new ParseError("expected an XML document", format);
    return mapBom(bomFromXml(doc.bytes, format), format);
  },
};
