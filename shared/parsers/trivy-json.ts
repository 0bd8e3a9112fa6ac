import { z } from "zod";
import { imageArtifact, pathArtifact } from "#shared/domain/artifact";
import type { Category, Cvss, SecretRef, Severity, VexState } from "#shared/domain/finding";
import { redactSecret } from "#shared/domain/secret";
import { severityFromScore, severityFromWord } from "#shared/domain/severity";
import { hashSnippet } from "#shared/domain/snippet";
import { cvssFrom } from "./cvss-vector.ts";
import { isRecord, type ReportDocument } from "./document.ts";
import { purlFromEcosystem } from "./ecosystem-purl.ts";
import { anyOf, emptyArray, jsonNull } from "./empty-report.ts";
import { type FindingDraft, findingList, makeFinding, parsedFindings } from "./finding-builder.ts";
import type { FindingList, ParseContext, ParsedReport, ReportFormat } from "./format.ts";
import { forEachElement, JsonArray, LazyArray } from "./lazy-json.ts";
import { newestCvss } from "./newest-cvss.ts";
import { ParseError } from "./parse-error.ts";
import { parseShape } from "./shape.ts";

/**
 * Trivy JSON (`trivy image|fs|repo|config|rootfs -f json`, SchemaVersion 2), and the older top-level
 * array of results that Trivy wrote before SchemaVersion existed.
 *
 * - Vulnerabilities: `os-pkgs` results are `container` findings (image = ArtifactName when the
 *   artifact is a container image), everything else `sca` with the result Target (or PkgPath) as
 *   manifest. One finding per listed vulnerability, as Trivy lists them.
 * - Misconfigurations: `iac`, only Status FAIL (PASS and EXCEPTION are not findings; a record
 *   without Status is listed as a failure).
 * - Secrets: `secret`. Trivy masks the secret with `*` in Match and in the cause lines, but the
 *   context lines around them are raw file content and may hold other secrets, so no code line is
 *   kept; the secret ref hashes the masked match line (salted), which a re-scan reproduces.
 * - ExperimentalModifiedFindings (`--show-suppressed`): findings that an ignore file or a VEX
 *   statement removed are kept, marked `suppressed` (with the VEX state when there is one).
 *
 * Severity: Trivy's word (CRITICAL/HIGH/MEDIUM/LOW); UNKNOWN falls back on the kept CVSS score band,
 * else info. CVSS: the newest vector, NVD first, then the source Trivy took the severity from.
 */

const FORMAT = "trivy-json";
const TOOL_NAME = "Trivy";

const CodeLines = z
  .object({
    Lines: z.array(z.object({ Content: z.string().optional(), IsCause: z.boolean().optional() })).nullish(),
  })
  .nullish();
type CodeLines = z.infer<typeof CodeLines>;

const CvssBlock = z.object({
  V2Vector: z.string().optional(),
  V2Score: z.number().optional(),
  V3Vector: z.string().optional(),
  V3Score: z.number().optional(),
  V40Vector: z.string().optional(),
  V40Score: z.number().optional(),
});
type CvssBlock = z.infer<typeof CvssBlock>;

const Vulnerability = z.object({
  VulnerabilityID: z.string().min(1),
  VendorIDs: z.array(z.string()).nullish(),
  PkgID: z.string().optional(),
  PkgName: z.string().min(1),
  PkgPath: z.string().optional(),
  PkgIdentifier: z.object({ PURL: z.string().optional() }).nullish(),
  InstalledVersion: z.string().optional(),
  FixedVersion: z.string().optional(),
  Status: z.string().optional(),
  Severity: z.string().optional(),
  SeveritySource: z.string().optional(),
  // checked block by block where it is read (cvssOf): zod's record costs as much as all the rest
  CVSS: z.unknown().optional(),
  CweIDs: z.array(z.string()).nullish(),
  References: z.array(z.string()).nullish(),
  PrimaryURL: z.string().optional(),
  Title: z.string().optional(),
  Description: z.string().optional(),
  DataSource: z.object({ ID: z.string().optional() }).nullish(),
  Fingerprint: z.string().optional(),
});
type Vulnerability = z.infer<typeof Vulnerability>;

const Misconfiguration = z.object({
  ID: z.string().min(1),
  AVDID: z.string().optional(),
  Type: z.string().optional(),
  Title: z.string().optional(),
  Description: z.string().optional(),
  Message: z.string().optional(),
  Resolution: z.string().optional(),
  Severity: z.string().optional(),
  PrimaryURL: z.string().optional(),
  References: z.array(z.string()).nullish(),
  Status: z.string().optional(),
  CauseMetadata: z
    .object({
      Resource: z.string().optional(),
      StartLine: z.number().int().nonnegative().optional(),
      EndLine: z.number().int().nonnegative().optional(),
      Code: CodeLines,
    })
    .nullish(),
});
type Misconfiguration = z.infer<typeof Misconfiguration>;

const Secret = z.object({
  RuleID: z.string().min(1),
  Category: z.string().optional(),
  Severity: z.string().optional(),
  Title: z.string().optional(),
  StartLine: z.number().int().nonnegative().optional(),
  EndLine: z.number().int().nonnegative().optional(),
  Code: CodeLines,
  Match: z.string().optional(),
});
type Secret = z.infer<typeof Secret>;

const ModifiedFinding = z.object({
  Type: z.string(),
  Status: z.string(),
  Statement: z.string().optional(),
  Source: z.string().optional(),
  Finding: z.unknown(),
});

const Package = z.object({
  ID: z.string().optional(),
  Name: z.string().optional(),
  Version: z.string().optional(),
  Relationship: z.string().optional(),
  Indirect: z.boolean().optional(),
  Dev: z.boolean().optional(),
  Locations: z
    .array(
      z.object({
        StartLine: z.number().int().nonnegative().optional(),
        EndLine: z.number().int().nonnegative().optional(),
      }),
    )
    .nullish(),
});
type Package = z.infer<typeof Package>;

// the big arrays may arrive lazily (shared/parsers/lazy-json.ts): each element is parsed as it is visited
const Result = z.object({
  Target: z.string(),
  Class: z.string().optional(),
  Type: z.string().optional(),
  Packages: JsonArray.nullish(),
  Vulnerabilities: JsonArray.nullish(),
  Misconfigurations: JsonArray.nullish(),
  Secrets: JsonArray.nullish(),
  ExperimentalModifiedFindings: JsonArray.nullish(),
});
type Result = z.infer<typeof Result>;

const Report = z.object({
  SchemaVersion: z.number(),
  Trivy: z.object({ Version: z.string().optional() }).nullish(),
  ArtifactName: z.string().optional(),
  ArtifactType: z.string().optional(),
  Results: JsonArray.nullish(),
});

// a big legacy report's top-level array of results may itself arrive lazily
const LegacyReport = JsonArray;

// Trivy's OS families: a result without Class (pre-0.20 reports) is OS packages when its Type is one.
const OS_FAMILIES = new Set([
  "alpine",
  "alma",
  "amazon",
  "azurelinux",
  "bottlerocket",
  "cbl-mariner",
  "centos",
  "chainguard",
  "debian",
  "echo",
  "fedora",
  "minimos",
  "opensuse",
  "opensuse.leap",
  "opensuse.tumbleweed",
  "oracle",
  "photon",
  "redhat",
  "rocky",
  "sles",
  "suse linux enterprise server",
  "ubuntu",
  "wolfi",
]);

// Language results of an image scan are aggregated under these names; they are not files.
const AGGREGATED_TARGETS = new Set([
  "Java",
  "Node.js",
  "Python",
  "Ruby",
  "PHP",
  ".NET",
  "Rust",
  "Go",
  "Dart",
]);

// Trivy's own `alpine:3.10 (alpine 3.10.2)` target naming: the image is the part before the OS note
const OS_NOTE = /\s+\([^()]*\)$/;
const MASK_RUN = /\*{3,}/g;
// the purl type without a full purl parse, which costs more than the rest of the mapping
const PURL_TYPE = /^pkg:([a-z0-9.+-]+)\//i;
// Trivy renamed AVD-AWS-0089 to AWS-0089; correlation with tfsec and older Trivy keys on the AVD id
const NEW_CHECK_ID = /^[A-Z]+-\d{4}$/;

interface ResultContext {
  tool: ParsedReport["tool"];
  result: Result;
  image?: string;
  os: boolean;
  salt: string;
}

function detect(doc: ReportDocument): boolean {
  if (doc.syntax !== "json") return false;
  const v = doc.value;
  if (Array.isArray(v)) {
    // pre-SchemaVersion Trivy (before 0.20): an array of results; before 0.9 they had no `Type`
    return (
      v.length > 0 &&
      v.every(
        (r) =>
          isRecord(r) &&
          typeof r.Target === "string" &&
          ("Type" in r || "Vulnerabilities" in r || "Misconfigurations" in r),
      )
    );
  }
  return isRecord(v) && typeof v.SchemaVersion === "number" && ("Results" in v || "ArtifactName" in v);
}

function severityOf(word: string | undefined, cvss: Cvss | undefined): Severity {
  const fromWord = word && word.toUpperCase() !== "UNKNOWN" ? severityFromWord(word) : undefined;
  if (fromWord) return fromWord;
  return cvss?.score !== undefined ? severityFromScore(cvss.score) : "info";
}

/** Newest vector, preferring NVD, then the severity source, then the data source, then the rest. */
function cvssOf(v: Vulnerability, where: string): Cvss | undefined {
  const blocks = v.CVSS;
  if (blocks === undefined || blocks === null) return undefined;
  if (!isRecord(blocks))
    throw new ParseError("unexpected report shape: CVSS is not an object", FORMAT, `${where}.CVSS`);
  const preferred = ["nvd", v.SeveritySource, v.DataSource?.ID];
  const order: string[] = [];
  for (const source of preferred) if (source && !order.includes(source)) order.push(source);
  for (const source in blocks) if (!order.includes(source)) order.push(source);
  const candidates: Array<Cvss | undefined> = [];
  for (const source of order) {
    const raw = blocks[source];
    if (raw === undefined) continue;
    const b: CvssBlock = parseShape(CvssBlock, raw, FORMAT, `${where}.CVSS.${source}`);
    candidates.push(
      cvssFrom(b.V40Vector, b.V40Score),
      cvssFrom(b.V3Vector, b.V3Score),
      cvssFrom(b.V2Vector, b.V2Score),
    );
  }
  return newestCvss(candidates);
}

function causeText(code: CodeLines): string | undefined {
  const lines = code?.Lines ?? [];
  const causes = lines.filter((l) => l.IsCause);
  const text = (causes.length ? causes : lines).map((l) => l.Content ?? "").join("\n");
  return text.trim() ? text : undefined;
}

function packageIndex(result: Result, where: string): Map<string, Package> {
  const index = new Map<string, Package>();
  if (!result.Vulnerabilities?.length) return index;
  forEachElement(result.Packages, (raw, i) => {
    const pkg = parseShape(Package, raw, FORMAT, `${where}.Packages[${i}]`);
    const key = pkg.ID ?? (pkg.Name ? `${pkg.Name}@${pkg.Version ?? ""}` : undefined);
    if (key) index.set(key, pkg);
  });
  return index;
}

function directOf(pkg: Package | undefined): boolean | undefined {
  if (pkg?.Relationship === "direct") return true;
  if (pkg?.Relationship === "indirect" || pkg?.Indirect === true) return false;
  return undefined;
}

function vulnerabilityDraft(
  v: Vulnerability,
  c: ResultContext,
  pkg: Package | undefined,
  where: string,
): FindingDraft {
  const cvss = cvssOf(v, where);
  const purl = v.PkgIdentifier?.PURL || undefined;
  const fallback = purl ? undefined : purlFromEcosystem(c.result.Type, v.PkgName, v.InstalledVersion);
  const category: Category = c.os ? "container" : "sca";
  const target = c.result.Target;
  // a lock file result locates the package by line; an image's aggregated result only by PkgPath
  const file = c.os ? undefined : (v.PkgPath ?? (AGGREGATED_TARGETS.has(target) ? undefined : target));
  const lines = file !== undefined && file === target ? pkg?.Locations?.[0] : undefined;
  return {
    category,
    tool: c.tool,
    rule: { id: v.VulnerabilityID, name: v.Title },
    title: v.Title ?? `${v.VulnerabilityID} in ${v.PkgName}`,
    description: v.Description,
    severity: severityOf(v.Severity, cvss),
    rawSeverity: v.Severity ? `${v.Severity}${v.SeveritySource ? ` (${v.SeveritySource})` : ""}` : undefined,
    cvss,
    vulnerability: { id: v.VulnerabilityID, aliases: v.VendorIDs ?? [] },
    cwes: v.CweIDs ?? [],
    package: {
      purl: purl ?? fallback?.purl,
      ecosystem: (purl ? PURL_TYPE.exec(purl)?.[1]?.toLowerCase() : undefined) ?? fallback?.type,
      name: v.PkgName,
      version: v.InstalledVersion,
      fixedVersions: (v.FixedVersion ?? "").split(","),
      direct: directOf(pkg),
      scope: pkg?.Dev ? "dev" : undefined,
      manifest: file,
    },
    location: { image: c.image, file, startLine: lines?.StartLine, endLine: lines?.EndLine },
    fingerprints: { trivy: v.Fingerprint },
    references: [v.PrimaryURL, ...(v.References ?? [])],
    tags: [v.Status ? `status:${v.Status}` : undefined],
  };
}

function misconfigurationDraft(m: Misconfiguration, c: ResultContext): FindingDraft {
  const cause = m.CauseMetadata;
  const avd = m.AVDID ?? (NEW_CHECK_ID.test(m.ID) ? `AVD-${m.ID}` : undefined);
  return {
    category: "iac",
    tool: c.tool,
    rule: { id: m.ID, name: m.Title },
    title: m.Title ?? m.ID,
    description: [m.Message, m.Description].filter(Boolean).join("\n\n"),
    severity: severityOf(m.Severity, undefined),
    rawSeverity: m.Severity,
    location: {
      file: c.result.Target,
      startLine: cause?.StartLine || undefined,
      endLine: cause?.EndLine || undefined,
      snippetHash: hashSnippet(causeText(cause?.Code)),
      resource: cause?.Resource,
      image: c.image,
    },
    references: [m.PrimaryURL, ...(m.References ?? [])],
    remediation: m.Resolution,
    tags: [avd, m.Type],
  };
}

/**
 * Only the masked line is hashed: it reproduces on a re-scan and never holds the secret. Two
 * secrets of one length on identical lines of one file share the hash; the location still differs.
 */
function secretRef(s: Secret, salt: string): SecretRef | undefined {
  const masked = s.Match ?? causeText(s.Code);
  if (!masked) return undefined;
  let longest = "";
  for (const run of masked.matchAll(MASK_RUN)) if (run[0].length > longest.length) longest = run[0];
  const ref = redactSecret(masked, salt);
  return { ...ref, preview: longest ? `****…(${longest.length})` : "****" };
}

function secretDraft(s: Secret, c: ResultContext): FindingDraft {
  // Trivy grades every built-in rule; an ungraded one is a credential presumed live
  const severity =
    s.Severity && s.Severity.toUpperCase() !== "UNKNOWN" ? severityFromWord(s.Severity) : undefined;
  return {
    category: "secret",
    tool: c.tool,
    rule: { id: s.RuleID, name: s.Title },
    title: s.Title ?? s.RuleID,
    description: s.Category ? `${s.Title ?? s.RuleID} (${s.Category})` : undefined,
    severity: severity ?? "high",
    rawSeverity: s.Severity,
    location: {
      file: c.result.Target,
      startLine: s.StartLine,
      endLine: s.EndLine ?? s.StartLine,
      image: c.image,
    },
    secret: secretRef(s, c.salt),
    tags: [s.Category],
  };
}

function modifiedDraft(raw: unknown, where: string, c: ResultContext): FindingDraft | undefined {
  const mod = parseShape(ModifiedFinding, raw, FORMAT, where);
  const at = `${where}.Finding`;
  let draft: FindingDraft;
  switch (mod.Type) {
    case "vulnerability":
      draft = vulnerabilityDraft(parseShape(Vulnerability, mod.Finding, FORMAT, at), c, undefined, at);
      break;
    case "misconfiguration":
      draft = misconfigurationDraft(parseShape(Misconfiguration, mod.Finding, FORMAT, at), c);
      break;
    case "secret":
      draft = secretDraft(parseShape(Secret, mod.Finding, FORMAT, at), c);
      break;
    default:
      return undefined; // licenses are not security findings
  }
  const state = vexStateOf(mod.Status);
  const justification = [mod.Statement, mod.Source].filter(Boolean).join(" — ") || undefined;
  // `ignored` comes from .trivyignore or an ignore policy; the VEX states from a VEX document
  draft.suppressed = { kind: state ? "vex" : mod.Status, justification };
  if (state) draft.vex = { state, justification: mod.Statement, detail: mod.Source };
  return draft;
}

function vexStateOf(status: string): VexState | undefined {
  switch (status) {
    case "not_affected":
    case "affected":
    case "fixed":
    case "under_investigation":
      return status;
    default:
      return undefined;
  }
}

function parseResult(
  raw: unknown,
  where: string,
  base: Omit<ResultContext, "result" | "os">,
  out: FindingList,
): void {
  const result = parseShape(Result, raw, FORMAT, where);
  const os = result.Class ? result.Class === "os-pkgs" : OS_FAMILIES.has((result.Type ?? "").toLowerCase());
  const c: ResultContext = { ...base, result, os };
  const packages = packageIndex(result, where);
  forEachElement(result.Vulnerabilities, (rawV, i) => {
    const at = `${where}.Vulnerabilities[${i}]`;
    const v = parseShape(Vulnerability, rawV, FORMAT, at);
    const pkg = packages.get(v.PkgID ?? `${v.PkgName}@${v.InstalledVersion ?? ""}`);
    out.push(makeFinding(vulnerabilityDraft(v, c, pkg, at)));
  });
  forEachElement(result.Misconfigurations, (rawM, i) => {
    const m = parseShape(Misconfiguration, rawM, FORMAT, `${where}.Misconfigurations[${i}]`);
    if (m.Status === undefined || m.Status === "FAIL") out.push(makeFinding(misconfigurationDraft(m, c)));
  });
  forEachElement(result.Secrets, (rawS, i) => {
    out.push(makeFinding(secretDraft(parseShape(Secret, rawS, FORMAT, `${where}.Secrets[${i}]`), c)));
  });
  forEachElement(result.ExperimentalModifiedFindings, (rawM, i) => {
    const draft = modifiedDraft(rawM, `${where}.ExperimentalModifiedFindings[${i}]`, c);
    if (draft) out.push(makeFinding(draft));
  });
}

function parse(doc: ReportDocument, ctx: ParseContext): ParsedReport {
  const value = doc.syntax === "json" ? doc.value : undefined;
  const findings = findingList();
  // before SchemaVersion, a run with no result at all wrote `null`
  if (value === null) return { tool: { name: TOOL_NAME }, findings: [] };
  if (Array.isArray(value) || value instanceof LazyArray) {
    const tool = { name: TOOL_NAME };
    forEachElement(parseShape(LegacyReport, value, FORMAT), (raw, i) => {
      // the legacy form names no artifact; an OS result's target is the image plus an OS note
      const target = isRecord(raw) && typeof raw.Target === "string" ? raw.Target : "";
      const isOs = isRecord(raw) && typeof raw.Type === "string" && OS_FAMILIES.has(raw.Type.toLowerCase());
      const image = isOs ? target.replace(OS_NOTE, "") || undefined : undefined;
      parseResult(raw, `[${i}]`, { tool, image, salt: ctx.secretSalt }, findings);
    });
    return { tool, ...parsedFindings(findings) };
  }
  const report = parseShape(Report, value, FORMAT);
  const tool = { name: TOOL_NAME, version: report.Trivy?.Version };
  const image = report.ArtifactType === "container_image" ? report.ArtifactName : undefined;
  forEachElement(report.Results, (raw, i) => {
    parseResult(raw, `Results[${i}]`, { tool, image, salt: ctx.secretSalt }, findings);
  });
  const artifact = image ? imageArtifact(image) : pathArtifact(report.ArtifactName);
  return { tool, ...parsedFindings(findings), ...(artifact ? { artifact } : {}) };
}

export const trivyJson: ReportFormat = {
  id: FORMAT,
  tools: "Trivy (image, fs, repo, rootfs, config; `-f json`)",
  description:
    "Trivy JSON: OS and language package vulnerabilities, failed misconfigurations, masked secrets, suppressed findings",
  detect,
  // before SchemaVersion: `null` or `[]` when nothing was scanned
  isEmptyReport: anyOf(jsonNull, emptyArray),
  parse,
  lazyArrays: true,
};
