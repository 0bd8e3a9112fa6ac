import { z } from "zod";
import type { Cvss, NormalizedFinding, Severity } from "#shared/domain/finding";
import { repoRelative } from "#shared/domain/path";
import { type PurlParts, parsePurl } from "#shared/domain/purl";
import { severityFromScore, severityFromWord } from "#shared/domain/severity";
import { canonicalVulnId } from "#shared/domain/vulnerability-id";
import { inputLimits, isRecord, type ReportDocument } from "./document.ts";
import { type FindingDraft, findingList, makeFinding, parsedFindings } from "./finding-builder.ts";
import type { FindingList, ParseContext, ParsedReport, ReportFormat } from "./format.ts";
import { ParseError } from "./parse-error.ts";
import { parseShape } from "./shape.ts";
import { xmlList, xmlText } from "./xml.ts";
import { forEachXmlRecord, type XmlRecordsOptions } from "./xml-records.ts";

/**
 * OWASP Dependency-Check reports: JSON (reportSchema 1.x) and XML (dependency-check.x.y.xsd). The XML
 * is first read into the JSON report's shape, so both formats share one validation and one mapping.
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

// Metric letters the CVSS specs allow: a component whose first letter is not listed is not a metric.
const V3_METRICS = [
  ["AV", "attackVector", "NALP"],
  ["AC", "attackComplexity", "LH"],
  ["PR", "privilegesRequired", "NLH"],
  ["UI", "userInteraction", "NR"],
  ["S", "scope", "UC"],
  ["C", "confidentialityImpact", "NLH"],
  ["I", "integrityImpact", "NLH"],
  ["A", "availabilityImpact", "NLH"],
] as const;

/** `AV:N/AC:L/...` from NETWORK/LOW/... (or N/L/... as OSS Index writes them); undefined if any is odd. */
function vectorFrom(
  parts: ReadonlyArray<readonly [string, string | null | undefined, string]>,
): string | undefined {
  const out: string[] = [];
  for (const [key, value, allowed] of parts) {
    const letter = value?.trim().charAt(0).toUpperCase();
    if (!letter || !allowed.includes(letter)) return undefined;
    out.push(`${key}:${letter}`);
  }
  return out.join("/");
}

function cvssV3(c: CvssV3): Cvss | undefined {
  if (c.baseScore == null && !c.vectorString) return undefined;
  const version = c.version === "3.1" || c.vectorString?.startsWith("CVSS:3.1/") ? "3.1" : "3.0";
  // a vector is only rebuilt when the report states the minor version it belongs to
  const built =
    c.version === "3.0" || c.version === "3.1"
      ? vectorFrom(V3_METRICS.map(([key, field, allowed]) => [key, c[field], allowed] as const))
      : undefined;
  return {
    version,
    vector: c.vectorString || (built ? `CVSS:${c.version}/${built}` : undefined),
    score: c.baseScore ?? undefined,
  };
}

function cvssV2(c: CvssV2): Cvss | undefined {
  if (c.score == null) return undefined;
  const vector = vectorFrom([
    ["AV", c.accessVector, "LAN"],
    ["AC", c.accessComplexity, "HML"],
    ["Au", c.authenticationr ?? c.authentication, "MSN"],
    ["C", c.confidentialityImpact ?? c.confidentialImpact, "NPC"],
    ["I", c.integrityImpact, "NPC"],
    ["A", c.availabilityImpact, "NPC"],
  ]);
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
  rawDep: unknown,
  i: number,
  tool: ParsedReport["tool"],
  format: string,
  findings: FindingList,
): void {
  const where = `dependencies[${i}]`;
  const dep = parseShape(Dependency, rawDep, format, where);
  if (!dep.vulnerabilities?.length && !dep.suppressedVulnerabilities?.length) return;
  const ctx = contextOf(dep);
  const lists = [
    ["vulnerabilities", dep.vulnerabilities, false],
    ["suppressedVulnerabilities", dep.suppressedVulnerabilities, true],
  ] as const;
  for (const [key, list, suppressed] of lists) {
    (list ?? []).forEach((rawVuln, j) => {
      const vuln = parseShape(Vulnerability, rawVuln, format, `${where}.${key}[${j}]`);
      findings.push(toFinding(ctx, vuln, tool, suppressed));
    });
  }
}

function mapReport(value: unknown, format: string): ParsedReport {
  const report = parseShape(Report, value, format);
  const tool = toolOf(report.scanInfo?.engineVersion);
  const findings = findingList();
  (report.dependencies ?? []).forEach((rawDep, i) => {
    mapDependency(rawDep, i, tool, format, findings);
  });
  return { tool, ...parsedFindings(findings) };
}

// --- XML: read into the JSON report's shape -------------------------------------------------------

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
function num(node: unknown, name: string): number | undefined {
  const t = text(node, name);
  return t === undefined ? undefined : Number(t);
}

function list(node: unknown, ...path: string[]): unknown[] {
  let at = node;
  for (const name of path) at = child(at, name);
  return xmlList(at);
}

function cvssFromXml(v: unknown): Pick<Vulnerability, "cvssv2" | "cvssv3" | "cvssv4"> {
  const v2 = child(v, "cvssV2");
  const v3 = child(v, "cvssV3");
  const v4 = child(v, "cvssV4");
  return {
    cvssv2: isRecord(v2)
      ? {
          score: num(v2, "score"),
          accessVector: text(v2, "accessVector"),
          accessComplexity: text(v2, "accessComplexity"),
          authenticationr: text(v2, "authenticationr") ?? text(v2, "authentication"),
          confidentialityImpact: text(v2, "confidentialityImpact") ?? text(v2, "confidentialImpact"),
          integrityImpact: text(v2, "integrityImpact"),
          availabilityImpact: text(v2, "availabilityImpact"),
          severity: text(v2, "severity"),
          version: text(v2, "version"),
        }
      : undefined,
    cvssv3: isRecord(v3)
      ? {
          baseScore: num(v3, "baseScore"),
          vectorString: text(v3, "vectorString"),
          attackVector: text(v3, "attackVector"),
          attackComplexity: text(v3, "attackComplexity"),
          privilegesRequired: text(v3, "privilegesRequired"),
          userInteraction: text(v3, "userInteraction"),
          scope: text(v3, "scope"),
          confidentialityImpact: text(v3, "confidentialityImpact"),
          integrityImpact: text(v3, "integrityImpact"),
          availabilityImpact: text(v3, "availabilityImpact"),
          baseSeverity: text(v3, "baseSeverity"),
          version: text(v3, "version"),
        }
      : undefined,
    cvssv4: isRecord(v4)
      ? {
          baseScore: num(v4, "baseScore"),
          baseSeverity: text(v4, "baseSeverity"),
          vectorString: text(v4, "vectorString"),
          version: text(v4, "version"),
        }
      : undefined,
  };
}

function vulnerabilityFromXml(v: unknown): Record<string, unknown> {
  return {
    source: attr(v, "source"),
    name: text(v, "name"),
    severity: text(v, "severity"),
    unscored: attr(child(v, "severity"), "unscored"),
    ...cvssFromXml(v),
    cwes: list(v, "cwes", "cwe").map((c) => xmlText(c)?.trim() ?? ""),
    description: text(v, "description"),
    notes: text(v, "notes"),
    references: list(v, "references", "reference").map((r) => ({ url: text(r, "url") })),
    vulnerableSoftware: list(v, "vulnerableSoftware", "software").map((s) => ({
      software: {
        vulnerabilityIdMatched: attr(s, "vulnerabilityIdMatched"),
        versionEndExcluding: attr(s, "versionEndExcluding"),
      },
    })),
    knownExploitedVulnerability: child(v, "knownExploitedVulnerability") === undefined ? undefined : {},
  };
}

function dependencyFromXml(d: unknown): Record<string, unknown> {
  const identifiers = child(d, "identifiers");
  const vulns = child(d, "vulnerabilities");
  return {
    isVirtual: attr(d, "isVirtual") === "true",
    fileName: text(d, "fileName"),
    filePath: text(d, "filePath"),
    packages: list(identifiers, "package").map((p) => ({
      id: text(p, "id"),
      confidence: attr(p, "confidence"),
    })),
    vulnerabilityIds: list(identifiers, "vulnerabilityIds").map((p) => ({
      confidence: attr(p, "confidence"),
    })),
    vulnerabilities: list(vulns, "vulnerability").map(vulnerabilityFromXml),
    suppressedVulnerabilities: list(vulns, "suppressedVulnerability").map(vulnerabilityFromXml),
  };
}

const XML_ARRAYS = [
  "dependency",
  "package",
  "vulnerabilityIds",
  "vulnerability",
  "suppressedVulnerability",
  "cwe",
];

/** What the mapper never reads: stepped over without building (the evidence is most of a report). */
const XML_SKIPPED = new Set([
  "evidenceCollected",
  "relatedDependencies",
  "projectReferences",
  "includedBy",
  "md5",
  "sha1",
  "sha256",
  "license",
]);

const XML_OPTIONS = {
  records: ["analysis", "dependencies", "dependency"],
  skip: XML_SKIPPED,
  arrays: new Set(XML_ARRAYS),
} as const;

/**
 * The XML report, read one `<dependency>` at a time (xml-records.ts): each is read into the JSON
 * report's shape, mapped and dropped. `<scanInfo>` comes before the dependencies (the XSD's
 * sequence), so the tool version is known when the first one is mapped.
 */
function mapXmlReport(text: string, format: string, limits: XmlRecordsOptions["limits"]): ParsedReport {
  const findings = findingList();
  let tool: ParsedReport["tool"] | undefined;
  const engineVersion = (root: unknown) => xmlText(child(child(root, "scanInfo"), "engineVersion"))?.trim();
  const document = forEachXmlRecord(text, format, { ...XML_OPTIONS, limits }, (record, i, root) => {
    tool ??= toolOf(engineVersion(root));
    mapDependency(dependencyFromXml(record), i, tool, format, findings);
  });
  const analysis = child(document, "analysis");
  if (!isRecord(analysis)) throw new ParseError("no <analysis> root element", format);
  return { tool: tool ?? toolOf(engineVersion(analysis)), ...parsedFindings(findings) };
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
    return mapXmlReport(doc.text, format, inputLimits(ctx.limits));
  },
};
