import { z } from "zod";
import { imageArtifact, pathArtifact } from "#shared/domain/artifact";
import type { Category, NormalizedFinding, Severity, VexState } from "#shared/domain/finding";
import { parsePurl } from "#shared/domain/purl";
import { severityFromScore, severityFromWord } from "#shared/domain/severity";
import { cvssFrom } from "./cvss-vector.ts";
import { isRecord, type ReportDocument } from "./document.ts";
import { type EcosystemPurl, purlFromEcosystem } from "./ecosystem-purl.ts";
import { type FindingDraft, makeFinding } from "./finding-builder.ts";
import type { ParsedReport, ReportFormat } from "./format.ts";
import { newestCvss } from "./newest-cvss.ts";
import { parseShape } from "./shape.ts";

/**
 * Grype JSON (`grype -o json`): one finding per match, as Grype lists them. A CPE match and a GHSA
 * match on one package are two matches; they share a CVE (the GHSA lists it under
 * relatedVulnerabilities, which become aliases), so correlation merges them.
 *
 * Category: `container` for OS package types (apk, deb, rpm, alpm, portage) found in an image,
 * `sca` otherwise. Severity: Grype's word (Critical/High/Medium/Low/Negligible→info); Unknown falls
 * back on the newest CVSS score band, else info. CISA KEV entries (`knownExploited`) mean the
 * vulnerability is exploited in the wild. `ignoredMatches` are kept, marked suppressed.
 */

const FORMAT = "grype-json";
const TOOL_NAME = "Grype";
const OS_TYPES = new Set(["apk", "deb", "rpm", "alpm", "portage"]);
const VEX_STATES: Record<string, VexState> = {
  not_affected: "not_affected",
  affected: "affected",
  fixed: "fixed",
  under_investigation: "under_investigation",
};

const GrypeCvss = z.object({
  version: z.string().optional(),
  vector: z.string().optional(),
  metrics: z.object({ baseScore: z.number().optional() }).nullish(),
});

const Vulnerability = z.object({
  id: z.string().min(1),
  dataSource: z.string().optional(),
  severity: z.string().optional(),
  urls: z.array(z.string()).nullish(),
  // Grype before 0.10 named them `links`
  links: z.array(z.string()).nullish(),
  description: z.string().optional(),
  cvss: z.array(GrypeCvss).nullish(),
  fix: z.object({ versions: z.array(z.string()).nullish(), state: z.string().optional() }).nullish(),
  knownExploited: z.array(z.unknown()).nullish(),
});

const Related = z.object({
  id: z.string().min(1),
  description: z.string().optional(),
  cvss: z.array(GrypeCvss).nullish(),
});

const Artifact = z.object({
  name: z.string().min(1),
  version: z.string().optional(),
  type: z.string().optional(),
  language: z.string().optional(),
  purl: z.string().optional(),
  locations: z.array(z.object({ path: z.string().optional() })).nullish(),
});
type Artifact = z.infer<typeof Artifact>;

const MatchDetail = z.object({ type: z.string().optional() });

const Match = z.object({
  vulnerability: Vulnerability,
  relatedVulnerabilities: z.array(Related).nullish(),
  // one object, not a list, in Grype before 0.10
  matchDetails: z.union([z.array(MatchDetail), MatchDetail.transform((d) => [d])]).nullish(),
  artifact: Artifact,
  appliedIgnoreRules: z
    .array(
      z.object({
        reason: z.string().optional(),
        "vex-status": z.string().optional(),
        "vex-justification": z.string().optional(),
      }),
    )
    .nullish(),
});
type Match = z.infer<typeof Match>;

const Document = z.object({
  matches: z.array(z.unknown()).nullish(),
  ignoredMatches: z.array(z.unknown()).nullish(),
  source: z
    .object({
      type: z.string().optional(),
      target: z.union([z.string(), z.object({ userInput: z.string().optional() })]).nullish(),
    })
    .nullish(),
  descriptor: z.object({ name: z.string().optional(), version: z.string().optional() }).nullish(),
  distro: z.object({ name: z.string().optional() }).nullish(),
});

interface Source {
  tool: ParsedReport["tool"];
  image?: string;
  distro?: string;
}

function detect(doc: ReportDocument): boolean {
  if (doc.syntax !== "json" || !isRecord(doc.value)) return false;
  const v = doc.value;
  const descriptor = v.descriptor;
  return (
    // `matches: null` is an older Grype's clean run
    (Array.isArray(v.matches) || v.matches === null) &&
    isRecord(descriptor) &&
    (descriptor.name === "grype" || isRecord(v.source))
  );
}

function severityOf(word: string | undefined, score: number | undefined): Severity {
  const fromWord = word && word.toLowerCase() !== "unknown" ? severityFromWord(word) : undefined;
  if (fromWord) return fromWord;
  return score !== undefined ? severityFromScore(score) : "info";
}

/** A purl for an artifact Grype printed none for; OS packages take the scanned distro as namespace. */
function builtPurl(a: Artifact, os: boolean, distro: string | undefined): EcosystemPurl {
  if (os && distro) {
    const byDistro = purlFromEcosystem(distro, a.name, a.version);
    if (byDistro.type === a.type) return byDistro;
  }
  return purlFromEcosystem(a.type || a.language, a.name, a.version);
}

function toDraft(m: Match, source: Source): FindingDraft {
  const v = m.vulnerability;
  const a = m.artifact;
  const related = m.relatedVulnerabilities ?? [];
  // the match's own scores first, then those of the CVE behind it
  const cvss = newestCvss(
    [...(v.cvss ?? []), ...related.flatMap((r) => r.cvss ?? [])].map((c) =>
      cvssFrom(c.vector, c.metrics?.baseScore),
    ),
  );
  const os = OS_TYPES.has(a.type ?? "");
  const category: Category = os && source.image ? "container" : "sca";
  const built = a.purl ? undefined : builtPurl(a, os, source.distro);
  const parts = a.purl ? parsePurl(a.purl) : undefined;
  const path = a.locations?.[0]?.path;
  const kev = (v.knownExploited?.length ?? 0) > 0;
  return {
    category,
    tool: source.tool,
    rule: { id: v.id },
    title: `${v.id} in ${a.name}${a.version ? `@${a.version}` : ""}`,
    description: v.description ?? related.find((r) => r.description)?.description,
    severity: severityOf(v.severity, cvss?.score),
    rawSeverity: v.severity,
    cvss,
    vulnerability: { id: v.id, aliases: related.map((r) => r.id) },
    package: {
      purl: a.purl || built?.purl,
      ecosystem: parts?.type ?? built?.type,
      // Grype names a Maven artifact without its group; the purl has both
      name: parts?.type === "maven" && parts.namespace ? `${parts.namespace}:${parts.name}` : a.name,
      version: a.version,
      fixedVersions: v.fix?.versions ?? [],
      manifest: os ? undefined : path,
    },
    location: { image: source.image, file: os ? undefined : path },
    exploit: kev ? "active" : undefined,
    references: [v.dataSource, ...(v.urls ?? v.links ?? [])],
    tags: [
      v.fix?.state ? `fix:${v.fix.state}` : undefined,
      ...(m.matchDetails ?? []).map((d) => (d.type ? `match:${d.type}` : undefined)),
      kev ? "cisa-kev" : undefined,
    ],
  };
}

function ignoredDraft(m: Match, source: Source): FindingDraft {
  const draft = toDraft(m, source);
  const rule = m.appliedIgnoreRules?.[0];
  const vexStatus = rule?.["vex-status"];
  const state = vexStatus ? VEX_STATES[vexStatus] : undefined;
  draft.suppressed = {
    kind: state ? "vex" : "ignore-rule",
    justification: rule?.reason ?? rule?.["vex-justification"],
  };
  if (state) draft.vex = { state, justification: rule?.["vex-justification"] };
  return draft;
}

function sourceOf(doc: z.infer<typeof Document>): Source {
  const d = doc.descriptor;
  // the presenter's golden files say `[not provided]` where a build has no version
  const version = d?.version && !d.version.startsWith("[") ? d.version : undefined;
  const target = doc.source?.target;
  const image =
    doc.source?.type === "image" ? (typeof target === "string" ? target : target?.userInput) : undefined;
  return {
    tool: { name: TOOL_NAME, version },
    image: image || undefined,
    distro: doc.distro?.name || undefined,
  };
}

function parse(doc: ReportDocument): ParsedReport {
  const report = parseShape(Document, doc.syntax === "json" ? doc.value : undefined, FORMAT);
  const source = sourceOf(report);
  const findings: NormalizedFinding[] = [];
  (report.matches ?? []).forEach((raw, i) => {
    findings.push(makeFinding(toDraft(parseShape(Match, raw, FORMAT, `matches[${i}]`), source)));
  });
  (report.ignoredMatches ?? []).forEach((raw, i) => {
    findings.push(makeFinding(ignoredDraft(parseShape(Match, raw, FORMAT, `ignoredMatches[${i}]`), source)));
  });
  const artifact = source.image ? imageArtifact(source.image) : pathArtifact(targetPath(report));
  return { tool: source.tool, findings, ...(artifact ? { artifact } : {}) };
}

/** A directory or file source's path (an SBOM source names the SBOM file). */
function targetPath(report: z.infer<typeof Document>): string | undefined {
  const target = report.source?.target;
  return typeof target === "string" ? target : target?.userInput;
}

export const grypeJson: ReportFormat = {
  id: FORMAT,
  tools: "Grype (`grype -o json`, image, directory and SBOM sources)",
  description:
    "Grype JSON: one finding per match, related CVEs as aliases, KEV as exploited, ignored matches kept",
  detect,
  parse,
};
