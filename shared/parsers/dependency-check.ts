import { z } from "zod";
import type { Cvss, NormalizedFinding, Severity } from "#shared/domain/finding";
import { repoRelative } from "#shared/domain/path";
import { type PurlParts, parsePurl } from "#shared/domain/purl";
import { severityFromScore, severityFromWord } from "#shared/domain/severity";
import { canonicalVulnId } from "#shared/domain/vulnerability-id";
import { inputLimits, isRecord, type ReportDocument } from "./document.ts";
import { type FindingDraft, findingList, makeFinding, parsedFindings } from "./finding-builder.ts";
import type { FindingList, ParseContext, ParsedReport, ReportFormat } from "./format.ts";
import type { JsonLimits } from "./lazy-json.ts";
import { ParseError } from "./parse-error.ts";
import { parseShape } from "./shape.ts";
import { XmlCursor, type XmlCursorLimits } from "./xml-cursor.ts";

/**
 * OWASP Dependency-Check reports: JSON (reportSchema 1.x) and XML (dependency-check.x.y.xsd). The XML
 * is read into the typed shapes the JSON report is validated into, so both share one mapping.
 *
 * One finding per dependency x vulnerability, as the report lists them. Suppressed vulnerabilities
 * (suppression file) are kept and marked `suppressed`, so an audit sees what was waived.
 * Severity: the report's `severity` word (CRITICAL/HIGH/MEDIUM/LOW; unscored RetireJS/NPM words such
 * as `moderate`), else the newest CVSS block's own severity, else its score band, else info.
 */

const Str = z.string().nullish();
const Flag = z.union([z.string(), z.boolean()]).nullish();

const CvssV2 = z.object({
  score: z.number().nullish(),
  accessVector: Str,
  accessComplexity: Str,
  // the report spells it `authenticationr`; accept the plain name too
  authenticationr: Str,
  authentication: Str,
  confidentialityImpact: Str,
  // 6.x and 7.x reports wrote `confidentialImpact`
  confidentialImpact: Str,
  integrityImpact: Str,
  availabilityImpact: Str,
  severity: Str,
  version: Str,
});
type CvssV2 = z.infer<typeof CvssV2>;

const CvssV3 = z.object({
  baseScore: z.number().nullish(),
  vectorString: Str,
  attackVector: Str,
  attackComplexity: Str,
  privilegesRequired: Str,
  userInteraction: Str,
  scope: Str,
  confidentialityImpact: Str,
  integrityImpact: Str,
  availabilityImpact: Str,
  baseSeverity: Str,
  version: Str,
});
type CvssV3 = z.infer<typeof CvssV3>;

const CvssV4 = z.object({
  baseScore: z.number().nullish(),
  baseSeverity: Str,
  vectorString: Str,
  version: Str,
});
type CvssV4 = z.infer<typeof CvssV4>;

const Vulnerability = z.object({
  source: Str,
  name: z.string().min(1),
  severity: Str,
  unscored: Flag,
  cvssv2: CvssV2.nullish(),
  cvssv3: CvssV3.nullish(),
  cvssv4: CvssV4.nullish(),
  cwes: z.array(z.string()).nullish(),
  description: Str,
  notes: Str,
  references: z.array(z.object({ url: Str })).nullish(),
  vulnerableSoftware: z
    .array(
      z.object({
        software: z.object({ vulnerabilityIdMatched: Flag, versionEndExcluding: Str }),
      }),
    )
    .nullish(),
  knownExploitedVulnerability: z.object({}).nullish(),
});
type Vulnerability = z.infer<typeof Vulnerability>;

const Identifier = z.object({ id: z.string(), confidence: Str });

const Dependency = z.object({
  isVirtual: z.boolean().nullish(),
  fileName: Str,
  filePath: Str,
  packages: z.array(Identifier).nullish(),
  vulnerabilityIds: z.array(z.object({ confidence: Str })).nullish(),
  vulnerabilities: z.array(z.unknown()).nullish(),
  suppressedVulnerabilities: z.array(z.unknown()).nullish(),
});
type Dependency = z.infer<typeof Dependency>;

const Report = z.object({
  scanInfo: z.object({ engineVersion: Str }).nullish(),
  dependencies: z.array(z.unknown()).nullish(),
});

const CONFIDENCE: Record<string, "high" | "medium" | "low"> = {
  HIGHEST: "high",
  HIGH: "high",
  MEDIUM: "medium",
  LOW: "low",
};
const CONFIDENCE_RANK = { high: 3, medium: 2, low: 1 } as const;
const DISTRO_NAMESPACED = new Set(["apk", "deb", "rpm", "alpm"]);
const COORDINATES_SEPARATOR = /[?:]/;

/** A vector component: its key, the report fields that may carry it (first present wins), its letters. */
type Metric<F extends string> = readonly [key: string, fields: readonly F[], allowed: string];

// Metric letters the CVSS specs allow: a component whose first letter is not listed is not a metric.
const V3_METRICS = [
  ["AV", ["attackVector"], "NALP"],
  ["AC", ["attackComplexity"], "LH"],
  ["PR", ["privilegesRequired"], "NLH"],
  ["UI", ["userInteraction"], "NR"],
  ["S", ["scope"], "UC"],
  ["C", ["confidentialityImpact"], "NLH"],
  ["I", ["integrityImpact"], "NLH"],
  ["A", ["availabilityImpact"], "NLH"],
] as const satisfies ReadonlyArray<Metric<keyof CvssV3>>;
const V2_METRICS = [
  ["AV", ["accessVector"], "LAN"],
  ["AC", ["accessComplexity"], "HML"],
  ["Au", ["authenticationr", "authentication"], "MSN"],
  ["C", ["confidentialityImpact", "confidentialImpact"], "NPC"],
  ["I", ["integrityImpact"], "NPC"],
  ["A", ["availabilityImpact"], "NPC"],
] as const satisfies ReadonlyArray<Metric<keyof CvssV2>>;

/**
 * `AV:N/AC:L/...` from NETWORK/LOW/... (or N/L/... as OSS Index writes them); undefined if any is
 * odd. Read straight from the block, with no array of parts per finding (it runs once per finding).
 */
function vectorFrom<F extends string>(
  c: Partial<Record<F, string | null>>,
  metrics: ReadonlyArray<Metric<F>>,
): string | undefined {
  let out = "";
  for (const [key, fields, allowed] of metrics) {
    let value: string | null | undefined;
    for (const field of fields) {
      value = c[field];
      if (value != null) break;
    }
    const letter = value?.trim().charAt(0).toUpperCase();
    if (!letter || !allowed.includes(letter)) return undefined;
    out += out ? `/${key}:${letter}` : `${key}:${letter}`;
  }
  return out;
}

function cvssV3(c: CvssV3): Cvss | undefined {
  if (c.baseScore == null && !c.vectorString) return undefined;
  const version = c.version === "3.1" || c.vectorString?.startsWith("CVSS:3.1/") ? "3.1" : "3.0";
  // a vector is only rebuilt when the report has none and states the minor version it belongs to
  const built =
    !c.vectorString && (c.version === "3.0" || c.version === "3.1") ? vectorFrom(c, V3_METRICS) : undefined;
  return {
    version,
    vector: c.vectorString || (built ? `CVSS:${c.version}/${built}` : undefined),
    score: c.baseScore ?? undefined,
  };
}

function cvssV2(c: CvssV2): Cvss | undefined {
  if (c.score == null) return undefined;
  const vector = vectorFrom(c, V2_METRICS);
  return { version: "2.0", vector, score: c.score };
}

/** The newest CVSS block the report carries (v4, then v3, then v2). */
function bestCvss(v: Vulnerability): Cvss | undefined {
  const v4 = v.cvssv4;
  if (v4 && (v4.baseScore != null || v4.vectorString)) {
    return { version: "4.0", vector: v4.vectorString ?? undefined, score: v4.baseScore ?? undefined };
  }
  return (v.cvssv3 && cvssV3(v.cvssv3)) ?? (v.cvssv2 && cvssV2(v.cvssv2)) ?? undefined;
}

function severityOf(v: Vulnerability, cvss: Cvss | undefined): { severity: Severity; raw?: string } {
  const word = v.severity || v.cvssv4?.baseSeverity || v.cvssv3?.baseSeverity || v.cvssv2?.severity;
  const unscored = v.unscored === true || v.unscored === "true";
  const raw = word ? `${word}${unscored ? " (unscored)" : ""}` : undefined;
  const fromWord = severityFromWord(word);
  if (fromWord) return { severity: fromWord, raw };
  if (cvss?.score !== undefined)
    return { severity: severityFromScore(cvss.score), raw: raw ?? `cvss=${cvss.score}` };
  return { severity: "info", raw };
}

/** Maven `group:artifact`, npm `@scope/name`, Go `module/path`; a bare name otherwise. */
function packageName(p: PurlParts): string {
  // an OS package's namespace is its distribution (`debian/openssl`), not part of its name
  if (!p.namespace || DISTRO_NAMESPACED.has(p.type)) return p.name;
  return p.type === "maven" ? `${p.namespace}:${p.name}` : `${p.namespace}/${p.name}`;
}

/**
 * Virtual dependencies (from a manifest, not a file) carry `manifest:coordinates` or
 * `manifest?name` as their path; the manifest is the part before it.
 */
function manifestOf(dep: Dependency): string | undefined {
  const path = dep.filePath;
  if (!dep.isVirtual || !path) return undefined;
  const cut = path.slice(2).search(COORDINATES_SEPARATOR);
  return cut === -1 ? path : path.slice(0, cut + 2);
}

function confidenceOf(dep: Dependency, v: Vulnerability): "high" | "medium" | "low" | undefined {
  // NVD matches go through the CPE (vulnerabilityIds); the other sources match the package URL
  const ids = v.source === "NVD" ? dep.vulnerabilityIds : dep.packages;
  let best: "high" | "medium" | "low" | undefined;
  for (const id of ids ?? []) {
    const c = id.confidence ? CONFIDENCE[id.confidence.toUpperCase()] : undefined;
    if (c && (!best || CONFIDENCE_RANK[c] > CONFIDENCE_RANK[best])) best = c;
  }
  return best;
}

function fixedVersions(v: Vulnerability): string[] {
  const out: string[] = [];
  for (const entry of v.vulnerableSoftware ?? []) {
    const s = entry.software;
    const matched = s.vulnerabilityIdMatched === true || s.vulnerabilityIdMatched === "true";
    if (matched && s.versionEndExcluding) out.push(s.versionEndExcluding);
  }
  return out;
}

interface DependencyContext {
  dep: Dependency;
  purl?: { value: string; parts: PurlParts };
  file?: string;
  manifest?: string;
}

function contextOf(dep: Dependency): DependencyContext {
  let purl: DependencyContext["purl"];
  for (const p of dep.packages ?? []) {
    const parts = p.id.startsWith("pkg:") ? parsePurl(p.id) : undefined;
    if (parts) {
      purl = { value: p.id, parts };
      break;
    }
  }
  const manifest = manifestOf(dep);
  const file = manifest ?? dep.filePath ?? undefined;
  return {
    dep,
    purl,
    file: file ? repoRelative(file) : undefined,
    manifest: manifest ? repoRelative(manifest) : undefined,
  };
}

function toFinding(
  c: DependencyContext,
  v: Vulnerability,
  tool: ParsedReport["tool"],
  suppressed: boolean,
): NormalizedFinding {
  const id = canonicalVulnId(v.name);
  const cvss = bestCvss(v);
  const { severity, raw } = severityOf(v, cvss);
  const parts = c.purl?.parts;
  const name = parts ? packageName(parts) : (c.dep.fileName ?? undefined);
  const label = parts ? `${name}${parts.version ? `@${parts.version}` : ""}` : name;
  const kev = Boolean(v.knownExploitedVulnerability);
  const draft: FindingDraft = {
    category: "sca",
    tool,
    rule: { id },
    title: label ? `${id} in ${label}` : id,
    description: v.description ?? undefined,
    severity,
    rawSeverity: raw,
    confidence: confidenceOf(c.dep, v),
    cvss,
    vulnerability: { id, aliases: [] },
    cwes: v.cwes ?? [],
    package: name
      ? {
          purl: c.purl?.value,
          ecosystem: parts?.type,
          name,
          version: parts?.version,
          fixedVersions: fixedVersions(v),
          manifest: c.manifest,
        }
      : undefined,
    location: { file: c.file },
    exploit: kev ? "active" : undefined,
    references: (v.references ?? []).map((r) => r.url ?? undefined),
    tags: [v.source ?? undefined, kev ? "cisa-kev" : undefined],
  };
  if (suppressed) draft.suppressed = { kind: "suppression-file", justification: v.notes || undefined };
  return makeFinding(draft);
}

function toolOf(engineVersion: string | null | undefined): ParsedReport["tool"] {
  return { name: "OWASP Dependency-Check", version: engineVersion || undefined };
}

/** One dependency's findings, one per vulnerability, suppressed ones marked. */
function mapDependency(
  dep: Dependency,
  vulnerabilities: readonly Vulnerability[],
  suppressedVulnerabilities: readonly Vulnerability[],
  tool: ParsedReport["tool"],
  findings: FindingList,
): void {
  if (!vulnerabilities.length && !suppressedVulnerabilities.length) return;
  const ctx = contextOf(dep);
  for (const vuln of vulnerabilities) findings.push(toFinding(ctx, vuln, tool, false));
  for (const vuln of suppressedVulnerabilities) findings.push(toFinding(ctx, vuln, tool, true));
}

function mapReport(value: unknown, format: string): ParsedReport {
  const report = parseShape(Report, value, format);
  const tool = toolOf(report.scanInfo?.engineVersion);
  const findings = findingList();
  (report.dependencies ?? []).forEach((rawDep, i) => {
    const where = `dependencies[${i}]`;
    const dep = parseShape(Dependency, rawDep, format, where);
    const vulnerabilities = (key: "vulnerabilities" | "suppressedVulnerabilities") =>
      (dep[key] ?? []).map((v, j) => parseShape(Vulnerability, v, format, `${where}.${key}[${j}]`));
    mapDependency(
      dep,
      vulnerabilities("vulnerabilities"),
      vulnerabilities("suppressedVulnerabilities"),
      tool,
      findings,
    );
  });
  return { tool, ...parsedFindings(findings) };
}

// --- XML: read element by element into the shapes the mapping takes --------------------------------

/**
 * The XML report, read with our cursor (xml-cursor.ts) one `<dependency>` at a time, straight into
 * the typed shapes the JSON report is validated into: no tree, nothing built for the elements
 * never read (the evidence and hashes are most of a report). Texts are strings by construction;
 * a number that is not one fails naming its field, as the JSON report's validation does.
 */
class XmlReportReader {
  constructor(
    private readonly cursor: XmlCursor,
    private readonly format: string,
  ) {}

  /** The element's trimmed text; undefined when empty. `shared`: see `XmlCursor.readText`. */
  text(shared = false): string | undefined {
    return this.cursor.readText(shared) || undefined;
  }

  /**
   * A CVSS block read into `into`: the listed text elements as shared texts, anything else
   * skipped; returns the score element (`scoreName`) read as a number, failing naming it.
   */
  cvss<K extends string>(
    where: string,
    scoreName: string,
    into: Partial<Record<K, string | null>>,
    texts: ReadonlySet<K>,
  ): number | undefined {
    let score: number | undefined;
    const cursor = this.cursor;
    while (cursor.next()) {
      const name = cursor.name;
      if (name === scoreName) score = cursor.readNumber(`${where}.${scoreName}`);
      else if (isOneOf(texts, name)) into[name] = this.text(true);
      else cursor.skip();
    }
    return score;
  }

  /** The texts of the children named `item` (`<cwes><cwe>…`). */
  texts(item: string): string[] {
    const out: string[] = [];
    const cursor = this.cursor;
    while (cursor.next()) {
      if (isNamed(cursor, item)) out.push(cursor.readText(true));
      else cursor.skip();
    }
    return out;
  }

  references(): NonNullable<Vulnerability["references"]> {
    const out: NonNullable<Vulnerability["references"]> = [];
    const cursor = this.cursor;
    while (cursor.next()) {
      if (!isNamed(cursor, "reference")) {
        cursor.skip();
        continue;
      }
      let url: string | undefined;
      while (cursor.next()) {
        if (isNamed(cursor, "url")) url = this.text();
        else cursor.skip();
      }
      out.push({ url });
    }
    return out;
  }

  vulnerableSoftware(): NonNullable<Vulnerability["vulnerableSoftware"]> {
    const out: NonNullable<Vulnerability["vulnerableSoftware"]> = [];
    const cursor = this.cursor;
    while (cursor.next()) {
      if (isNamed(cursor, "software"))
        out.push({
          software: {
            vulnerabilityIdMatched: cursor.attr("vulnerabilityIdMatched", true),
            versionEndExcluding: cursor.attr("versionEndExcluding"),
          },
        });
      cursor.skip();
    }
    return out;
  }

  vulnerability(where: string): Vulnerability {
    const cursor = this.cursor;
    const v: Vulnerability = {
      source: cursor.attr("source", true),
      name: "",
      severity: undefined,
      unscored: undefined,
      cvssv2: undefined,
      cvssv3: undefined,
      cvssv4: undefined,
      cwes: [],
      description: undefined,
      notes: undefined,
      references: [],
      vulnerableSoftware: [],
      knownExploitedVulnerability: undefined,
    };
    while (cursor.next()) {
      const name = cursor.name;
      switch (name) {
        case "name":
          v.name = cursor.readText();
          break;
        case "severity":
          v.unscored = cursor.attr("unscored", true);
          v.severity = this.text(true);
          break;
        case "cvssV2": {
          const c = noCvssV2();
          c.score = this.cvss(`${where}.cvssv2`, "score", c, V2_TEXT);
          v.cvssv2 = c;
          break;
        }
        case "cvssV3": {
          const c = noCvssV3();
          c.baseScore = this.cvss(`${where}.cvssv3`, "baseScore", c, V3_TEXT);
          v.cvssv3 = c;
          break;
        }
        case "cvssV4": {
          const c = noCvssV4();
          c.baseScore = this.cvss(`${where}.cvssv4`, "baseScore", c, V4_TEXT);
          v.cvssv4 = c;
          break;
        }
        case "cwes":
          v.cwes = this.texts("cwe");
          break;
        case "description":
          v.description = this.text();
          break;
        case "notes":
          v.notes = this.text();
          break;
        case "references":
          v.references = this.references();
          break;
        case "vulnerableSoftware":
          v.vulnerableSoftware = this.vulnerableSoftware();
          break;
        case "knownExploitedVulnerability":
          v.knownExploitedVulnerability = {};
          cursor.skip();
          break;
        default:
          cursor.skip();
      }
    }
    if (!v.name)
      throw new ParseError(
        "unexpected report shape: a vulnerability without a name",
        this.format,
        `${where}.name`,
      );
    return v;
  }

  /** One `<dependency>`'s findings, pushed once it is read. */
  dependency(i: number, tool: ParsedReport["tool"], findings: FindingList): void {
    const cursor = this.cursor;
    const where = `dependencies[${i}]`;
    const dep: Dependency = {
      isVirtual: cursor.attr("isVirtual") === "true",
      fileName: undefined,
      filePath: undefined,
      packages: [],
      vulnerabilityIds: [],
    };
    const vulnerabilities: Vulnerability[] = [];
    const suppressed: Vulnerability[] = [];
    while (cursor.next()) {
      const name = cursor.name;
      switch (name) {
        case "fileName":
          dep.fileName = this.text();
          break;
        case "filePath":
          dep.filePath = this.text();
          break;
        case "identifiers":
          this.identifiers(dep, where);
          break;
        case "vulnerabilities":
          while (cursor.next()) {
            const name = cursor.name;
            if (name === "vulnerability")
              vulnerabilities.push(this.vulnerability(`${where}.vulnerabilities[${vulnerabilities.length}]`));
            else if (name === "suppressedVulnerability")
              suppressed.push(this.vulnerability(`${where}.suppressedVulnerabilities[${suppressed.length}]`));
            else cursor.skip();
          }
          break;
        default:
          cursor.skip();
      }
    }
    mapDependency(dep, vulnerabilities, suppressed, tool, findings);
  }

  identifiers(dep: Dependency, where: string): void {
    const cursor = this.cursor;
    const packages: NonNullable<Dependency["packages"]> = [];
    const vulnerabilityIds: NonNullable<Dependency["vulnerabilityIds"]> = [];
    let missingId: number | undefined;
    while (cursor.next()) {
      if (isNamed(cursor, "package")) {
        const confidence = cursor.attr("confidence", true);
        let id: string | undefined;
        while (cursor.next()) {
          if (isNamed(cursor, "id")) id = this.text();
          else cursor.skip();
        }
        if (id === undefined) missingId ??= packages.length;
        packages.push({ id: id ?? "", confidence });
      } else {
        if (isNamed(cursor, "vulnerabilityIds"))
          vulnerabilityIds.push({ confidence: cursor.attr("confidence", true) });
        cursor.skip();
      }
    }
    // refused once all are read: a flood of them is refused for its size first
    if (missingId !== undefined)
      throw new ParseError(
        "unexpected report shape: a package identifier without an id",
        this.format,
        `${where}.packages[${missingId}].id`,
      );
    dep.packages = packages;
    dep.vulnerabilityIds = vulnerabilityIds;
  }

  /**
   * The whole report: `<scanInfo>` comes before the dependencies (the XSD's sequence), so the
   * tool version is known when the first one is mapped.
   */
  report(limits: XmlRecordLimits): ParsedReport {
    const cursor = this.cursor;
    const findings = findingList();
    cursor.next();
    if (!isNamed(cursor, "analysis")) throw new ParseError("no <analysis> root element", this.format);
    let engineVersion: string | undefined;
    let tool: ParsedReport["tool"] | undefined;
    let index = 0;
    while (cursor.next()) {
      const name = cursor.name;
      if (name === "scanInfo") {
        while (cursor.next()) {
          if (isNamed(cursor, "engineVersion")) engineVersion = this.text();
          else cursor.skip();
        }
      } else if (name === "dependencies") {
        tool ??= toolOf(engineVersion);
        while (cursor.next()) {
          if (!isNamed(cursor, "dependency")) {
            cursor.skip();
            continue;
          }
          cursor.meter(limits);
          this.dependency(index++, tool, findings);
        }
      } else cursor.skip();
    }
    return { tool: tool ?? toolOf(engineVersion), ...parsedFindings(findings) };
  }
}

type XmlRecordLimits = Pick<JsonLimits, "maxTreeBytes"> & XmlCursorLimits;

/**
 * The cursor stands on an element named `name`. The name is never compared in place: TypeScript
 * would keep the comparison's narrowing across the `next()` that changes it.
 */
function isNamed(cursor: XmlCursor, name: string): boolean {
  return cursor.name === name;
}

/** The text fields of each CVSS block, by their XML element names (the JSON report's keys). */
const V2_TEXT = new Set([
  "accessVector",
  "accessComplexity",
  "authenticationr",
  "authentication",
  "confidentialityImpact",
  "confidentialImpact",
  "integrityImpact",
  "availabilityImpact",
  "severity",
  "version",
] as const satisfies ReadonlyArray<keyof CvssV2>);
const V3_TEXT = new Set([
  "vectorString",
  "attackVector",
  "attackComplexity",
  "privilegesRequired",
  "userInteraction",
  "scope",
  "confidentialityImpact",
  "integrityImpact",
  "availabilityImpact",
  "baseSeverity",
  "version",
] as const satisfies ReadonlyArray<keyof CvssV3>);
const V4_TEXT = new Set(["baseSeverity", "vectorString", "version"] as const satisfies ReadonlyArray<
  keyof CvssV4
>);

function isOneOf<K extends string>(names: ReadonlySet<K>, name: string): name is K {
  const all: ReadonlySet<string> = names;
  return all.has(name);
}

// Every field set, even when undefined: each block of a version then has one object shape, which
// keeps the mapping's reads monomorphic (building the fields as they come measured 20% slower).
function noCvssV2(): CvssV2 {
  return {
    score: undefined,
    accessVector: undefined,
    accessComplexity: undefined,
    authenticationr: undefined,
    authentication: undefined,
    confidentialityImpact: undefined,
    confidentialImpact: undefined,
    integrityImpact: undefined,
    availabilityImpact: undefined,
    severity: undefined,
    version: undefined,
  };
}

function noCvssV3(): CvssV3 {
  return {
    baseScore: undefined,
    vectorString: undefined,
    attackVector: undefined,
    attackComplexity: undefined,
    privilegesRequired: undefined,
    userInteraction: undefined,
    scope: undefined,
    confidentialityImpact: undefined,
    integrityImpact: undefined,
    availabilityImpact: undefined,
    baseSeverity: undefined,
    version: undefined,
  };
}

function noCvssV4(): CvssV4 {
  return { baseScore: undefined, baseSeverity: undefined, vectorString: undefined, version: undefined };
}

// --- formats ----------------------------------------------------------------------------------------

const XSD = /jeremylong\.github\.io\/DependencyCheck\/dependency-check\.\d/;

export const dependencyCheckJson: ReportFormat = {
  id: "dependency-check-json",
  tools: "OWASP Dependency-Check (CLI, Maven, Gradle, Ant, Jenkins) `--format JSON`",
  description:
    "OWASP Dependency-Check JSON report: one finding per dependency x vulnerability, suppressed kept",
  detect(doc: ReportDocument): boolean {
    if (doc.syntax !== "json" || !isRecord(doc.value)) return false;
    const v = doc.value;
    return typeof v.reportSchema === "string" && isRecord(v.scanInfo) && Array.isArray(v.dependencies);
  },
  parse(doc: ReportDocument): ParsedReport {
    return mapReport(doc.syntax === "json" ? doc.value : undefined, "dependency-check-json");
  },
};

export const dependencyCheckXml: ReportFormat = {
  id: "dependency-check-xml",
  tools: "OWASP Dependency-Check (CLI, Maven, Gradle, Ant, Jenkins) `--format XML`",
  description:
    "OWASP Dependency-Check XML report (dependency-check.x.y.xsd), same mapping as the JSON report",
  detect(doc: ReportDocument): boolean {
    return doc.syntax === "xml" && doc.root === "analysis" && XSD.test(doc.head);
  },
  xmlRecords: true,
  parse(doc: ReportDocument, ctx: ParseContext): ParsedReport {
    const format = "dependency-check-xml";
    if (doc.syntax !== "xml") throw new ParseError("expected an XML document", format);
    const limits = inputLimits(ctx.limits);
    return new XmlReportReader(new XmlCursor(doc.bytes, format, limits), format).report(limits);
  },
};
