import { z } from "zod";
import type { Category, Cvss, Location, NormalizedFinding, Severity } from "#shared/domain/finding";
import { maskSecretIn, redactSecret } from "#shared/domain/secret";
import { severityFromScore } from "#shared/domain/severity";
import { hashSnippet } from "#shared/domain/snippet";
import { canonicalVulnId, vulnIdKind } from "#shared/domain/vulnerability-id";
import { cvssFrom } from "./cvss-vector.ts";
import { isRecord, type ReportDocument } from "./document.ts";
import { purlFromEcosystem } from "./ecosystem-purl.ts";
import { type FindingDraft, makeFinding } from "./finding-builder.ts";
import type { ParseContext, ParsedReport, ReportFormat } from "./format.ts";
import { newestCvss } from "./newest-cvss.ts";
import { ParseError } from "./parse-error.ts";
import { parseShape } from "./shape.ts";

/**
 * GitLab security reports (gitlab-org/security-products/security-report-schemas, 14.x and 15.x):
 * `gl-sast-report.json`, `gl-dependency-scanning-report.json`, `gl-container-scanning-report.json`,
 * `gl-secret-detection-report.json`, `gl-dast-report.json`, and what third-party tools write in that
 * schema (Trivy's `gitlab.tpl`, Bearer `-f gitlab-sast`, Fortify fcli). One finding per
 * `vulnerabilities[]` entry; `remediations[]`, `dependency_files[]` and `scan.messages` are not
 * findings.
 *
 * The five report types share one schema and differ only in `location`, so one format reads them
 * all: the category is the report's `scan.type` (15.x), else the entry's own `category` (14.x),
 * else the shape of its location. DAST `evidence` (requests, responses, headers) is never kept.
 */

const FORMAT = "gitlab-security-json";
const Str = z.string().nullish();
const Line = z.number().int().nullish();

const Identifier = z.object({ type: z.string(), name: Str, value: z.string(), url: Str });
type Identifier = z.infer<typeof Identifier>;

const GlLocation = z.object({
  file: Str,
  start_line: Line,
  end_line: Line,
  class: Str,
  method: Str,
  // dependency and container scanning
  dependency: z
    .object({
      package: z.object({ name: Str }).nullish(),
      version: Str,
      direct: z.boolean().nullish(),
    })
    .nullish(),
  operating_system: Str,
  image: Str,
  kubernetes_resource: z.object({ namespace: Str, kind: Str, name: Str, container_name: Str }).nullish(),
  // secret detection
  commit: z.object({ sha: Str }).nullish(),
  // DAST
  hostname: Str,
  path: Str,
  param: Str,
});
type GlLocation = z.infer<typeof GlLocation>;

const Vulnerability = z.object({
  id: Str,
  category: Str,
  name: Str,
  message: Str,
  description: Str,
  severity: Str,
  confidence: Str,
  solution: Str,
  scanner: z.object({ id: Str, name: Str }).nullish(),
  identifiers: z.array(Identifier),
  links: z.array(z.object({ url: Str })).nullish(),
  location: GlLocation.nullish(),
  raw_source_code_extract: Str,
  cvss_vectors: z.array(z.object({ vendor: Str, vector: z.string() })).nullish(),
  tracking: z
    .object({
      items: z
        .array(
          z.object({ signatures: z.array(z.object({ algorithm: z.string(), value: z.string() })).nullish() }),
        )
        .nullish(),
    })
    .nullish(),
  flags: z.array(z.object({ type: Str, description: Str })).nullish(),
});
type Vulnerability = z.infer<typeof Vulnerability>;

const Report = z.object({
  version: Str,
  vulnerabilities: z.array(z.unknown()).nullish(),
  scan: z
    .object({
      type: Str,
      scanner: z.object({ name: Str, version: Str }).nullish(),
      analyzer: z.object({ name: Str, version: Str }).nullish(),
    })
    .nullish(),
});

const SCHEMA_VERSION = /^\d+\.\d+\.\d+/;

const CATEGORY: Record<string, Category> = {
  sast: "sast",
  coverage_fuzzing: "sast",
  dependency_scanning: "sca",
  container_scanning: "container",
  cluster_image_scanning: "container",
  secret_detection: "secret",
  dast: "dast",
  api_fuzzing: "dast",
};

const SEVERITY: Record<string, Severity> = {
  critical: "critical",
  high: "high",
  medium: "medium",
  low: "low",
  info: "info",
};

const CONFIDENCE: Record<string, "high" | "medium" | "low"> = {
  confirmed: "high",
  high: "high",
  medium: "medium",
  low: "low",
  experimental: "low",
};

// Dependency Scanning names the lock file, never the ecosystem: the file says which one it is
const LOCK_FILE_ECOSYSTEM: Record<string, string> = {
  "package-lock.json": "npm",
  "npm-shrinkwrap.json": "npm",
  "yarn.lock": "npm",
  "pnpm-lock.yaml": "npm",
  "package.json": "npm",
  "gemfile.lock": "gem",
  "requirements.txt": "pypi",
  "pipfile.lock": "pypi",
  "poetry.lock": "pypi",
  "setup.py": "pypi",
  "pom.xml": "maven",
  "build.gradle": "maven",
  "build.gradle.kts": "maven",
  "build.sbt": "maven",
  "gradle.lockfile": "maven",
  "go.sum": "golang",
  "go.mod": "golang",
  "composer.lock": "composer",
  "packages.lock.json": "nuget",
  "conan.lock": "conan",
  "cargo.lock": "cargo",
};

// `Upgrade to version 4.17.21 or above.`, `Upgrade lodash to 4.17.21` (Trivy's template),
// `Upgrade to versions 1.2.3, 2.0.1 or above.`
const UPGRADE =
  /^Upgrade (?:\S+ )?to (?:versions? )?([^\s,]+(?:,\s*[^\s,]+)*)(?: or (?:above|later))?\.?\s*$/i;
const TRAILING_DOT = /\.$/;

function isReport(value: Record<string, unknown>): boolean {
  if (!Array.isArray(value.vulnerabilities) || "packageManager" in value || "bomFormat" in value)
    return false;
  if (typeof value.version !== "string" || !SCHEMA_VERSION.test(value.version)) return false;
  if (isRecord(value.scan) && typeof value.scan.type === "string") return true;
  // 14.x reports without `scan` (Trivy's template): `remediations` next to the list, or entries
  // that have the schema's `identifiers` list
  const first: unknown = value.vulnerabilities[0];
  return Array.isArray(value.remediations) || (isRecord(first) && Array.isArray(first.identifiers));
}

function detect(doc: ReportDocument): boolean {
  return doc.syntax === "json" && isRecord(doc.value) && isReport(doc.value);
}

function categoryOf(reportType: string | undefined, v: Vulnerability): Category {
  const stated = CATEGORY[(reportType ?? v.category ?? "").toLowerCase()];
  if (stated) return stated;
  const loc = v.location;
  if (loc?.hostname) return "dast";
  if (loc?.image && loc.dependency) return "container";
  if (loc?.dependency?.package?.name) return "sca";
  return "sast";
}

function fixedVersionsOf(solution: string | undefined | null): string[] {
  const m = solution ? UPGRADE.exec(solution.trim()) : undefined;
  if (!m?.[1]) return [];
  return m[1].split(",").map((v) => v.trim().replace(TRAILING_DOT, ""));
}

function ecosystemOfFile(file: string | undefined | null): string | undefined {
  if (!file) return undefined;
  const base = file.split(/[\\/]/).pop()?.toLowerCase() ?? "";
  return LOCK_FILE_ECOSYSTEM[base] ?? (base.endsWith(".csproj") ? "nuget" : undefined);
}

/** Container Scanning names the distro `debian:11`, `alpine 3.18`, or (Trivy's template) `Unknown`. */
function distroOf(os: string | undefined | null): string | undefined {
  const word = os?.trim().toLowerCase().replace(/\s+/, ":");
  return word && word !== "unknown" ? word : undefined;
}

function vulnIds(ids: Identifier[]): { id?: string; aliases: string[] } {
  const known = ids.map((i) => canonicalVulnId(i.value)).filter((v) => vulnIdKind(v) !== "vendor");
  const id = known.find((v) => vulnIdKind(v) === "cve") ?? known[0];
  return { id, aliases: known.filter((v) => v !== id) };
}

function ruleName(
  isPackage: boolean,
  v: Vulnerability,
  primary: Identifier | undefined,
  ruleId: string,
): string | undefined {
  const name = isPackage ? v.name : primary?.name;
  return name && name !== ruleId ? name : undefined;
}

function bestCvss(v: Vulnerability): Cvss | undefined {
  return newestCvss((v.cvss_vectors ?? []).map((c) => cvssFrom(c.vector)));
}

function urlOf(hostname: string, path: string | undefined | null): string {
  if (!path) return hostname;
  return `${hostname.replace(/\/+$/, "")}${path.startsWith("/") ? "" : "/"}${path}`;
}

function locationOf(
  category: Category,
  loc: GlLocation | undefined | null,
  snippet: string | undefined,
): Location {
  if (!loc) return {};
  const resource = loc.kubernetes_resource
    ? [loc.kubernetes_resource.namespace, loc.kubernetes_resource.kind, loc.kubernetes_resource.name]
        .filter(Boolean)
        .join("/")
    : loc.hostname
      ? "" // a DAST location's `method` is the HTTP method
      : [loc.class, loc.method].filter(Boolean).join("#");
  return {
    file: loc.file ?? undefined,
    startLine: loc.start_line ?? undefined,
    endLine: loc.end_line ?? undefined,
    snippetHash: category === "secret" ? undefined : hashSnippet(snippet),
    url: loc.hostname ? urlOf(loc.hostname, loc.path) : undefined,
    method: loc.hostname ? (loc.method ?? undefined) : undefined,
    parameter: loc.param ?? undefined,
    image: loc.image ?? undefined,
    resource: resource || undefined,
  };
}

function packageOf(
  category: Category,
  loc: GlLocation | undefined | null,
  fixed: string[],
): FindingDraft["package"] {
  const name = loc?.dependency?.package?.name;
  if (!name || (category !== "sca" && category !== "container")) return undefined;
  const version = loc?.dependency?.version ?? undefined;
  const ecosystem = category === "container" ? distroOf(loc?.operating_system) : ecosystemOfFile(loc?.file);
  const { type, purl } = purlFromEcosystem(ecosystem, name, version);
  return {
    purl,
    ecosystem: type,
    name,
    version,
    fixedVersions: fixed,
    direct: loc?.dependency?.direct ?? undefined,
    manifest: category === "sca" ? (loc?.file ?? undefined) : undefined,
  };
}

interface Context {
  reportType?: string;
  /** The report's `scan.scanner`; 14.x reports without `scan` name the scanner per entry. */
  tool?: ParsedReport["tool"];
  salt: string;
}

function toFinding(v: Vulnerability, c: Context): NormalizedFinding {
  const category = categoryOf(c.reportType, v);
  const primary = v.identifiers[0];
  const ids = vulnIds(v.identifiers);
  const isPackage = category === "sca" || category === "container";
  // SCA rules are the advisory; other reports' primary identifier is the scanner's rule
  const ruleId = (isPackage ? ids.id : undefined) ?? primary?.value ?? v.name ?? v.id ?? "unknown";
  const cvss = bestCvss(v);
  const word = v.severity?.toLowerCase() ?? "";
  const severity = SEVERITY[word] ?? (cvss?.score !== undefined ? severityFromScore(cvss.score) : "info");
  // in secret detection reports the raw extract is the secret itself
  const raw = v.raw_source_code_extract ?? undefined;
  const secret = category === "secret" && raw ? redactSecret(raw, c.salt) : undefined;
  const mask = (text: string | undefined | null): string | undefined =>
    text && secret && raw ? maskSecretIn(text, raw) : (text ?? undefined);
  const fixed = fixedVersionsOf(v.solution);
  const signatures = (v.tracking?.items ?? []).flatMap((i) => i.signatures ?? []);
  const fingerprints: Record<string, string | undefined> = {};
  for (const s of signatures) fingerprints[`gitlab/${s.algorithm}`] ??= s.value;
  if (v.location?.commit?.sha) fingerprints.commit = v.location.commit.sha;
  // GitLab tracks a vulnerability by its primary identifier and location
  if (primary) fingerprints["gitlab/primary"] = `${primary.type}:${primary.value}`;
  const title = mask(v.name ?? v.message) ?? ruleId;
  const draft: FindingDraft = {
    category,
    tool: c.tool ?? (v.scanner?.name ? { name: v.scanner.name } : { name: "GitLab" }),
    rule: { id: ruleId, name: ruleName(isPackage, v, primary, ruleId) },
    title,
    description: mask(v.description || v.message),
    severity,
    rawSeverity: v.severity ?? undefined,
    confidence: CONFIDENCE[v.confidence?.toLowerCase() ?? ""],
    cvss,
    vulnerability: isPackage && ids.id ? { id: ids.id, aliases: ids.aliases } : undefined,
    cwes: v.identifiers.filter((i) => i.type.toLowerCase() === "cwe").map((i) => i.value),
    package: packageOf(category, v.location, fixed),
    location: locationOf(category, v.location, raw),
    fingerprints,
    toolId: v.id ?? undefined,
    remediation: v.solution ?? undefined,
    references: [
      ...v.identifiers.map((i) => i.url ?? undefined),
      ...(v.links ?? []).map((l) => l.url ?? undefined),
    ],
    tags: [
      ...v.identifiers
        .filter((i) => i !== primary && i.type.toLowerCase() !== "cwe" && vulnIdKind(i.value) === "vendor")
        .map((i) => `${i.type}:${i.value}`),
      ...(v.flags ?? []).map((f) => (f.type ? `flag:${f.type}` : undefined)),
      distroOf(v.location?.operating_system) ? `os:${v.location?.operating_system}` : undefined,
    ],
    secret,
  };
  return makeFinding(draft);
}

function parse(doc: ReportDocument, ctx: ParseContext): ParsedReport {
  if (doc.syntax !== "json") throw new ParseError("not a JSON document", FORMAT);
  const report = parseShape(Report, doc.value, FORMAT);
  const scanner = report.scan?.scanner ?? report.scan?.analyzer;
  const scanTool = scanner?.name
    ? { name: scanner.name, ...(scanner.version ? { version: scanner.version } : {}) }
    : undefined;
  const c: Context = { reportType: report.scan?.type ?? undefined, tool: scanTool, salt: ctx.secretSalt };
  const findings = (report.vulnerabilities ?? []).map((raw, i) =>
    toFinding(parseShape(Vulnerability, raw, FORMAT, `vulnerabilities[${i}]`), c),
  );
  return { tool: scanTool ?? findings[0]?.tool ?? { name: "GitLab" }, findings };
}

export const gitlabSecurityJson: ReportFormat = {
  id: FORMAT,
  tools:
    "GitLab security reports, schema 14.x/15.x: SAST, Dependency Scanning, Container Scanning, Secret Detection, DAST (GitLab analyzers, Trivy gitlab.tpl, any writer of the schema)",
  description: "GitLab security report JSON: one finding per vulnerability, category from scan.type",
  detect,
  parse,
};
