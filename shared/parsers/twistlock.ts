import { z } from "zod";
import type { NormalizedFinding, Severity } from "#shared/domain/finding";
import { severityFromScore, severityFromWord } from "#shared/domain/severity";
import { canonicalVulnId } from "#shared/domain/vulnerability-id";
import { cvssFrom } from "./cvss-vector.ts";
import { isRecord, type ReportDocument } from "./document.ts";
import { purlFromEcosystem } from "./ecosystem-purl.ts";
import { makeFinding } from "./finding-builder.ts";
import type { ParsedReport, ReportFormat } from "./format.ts";
import { ParseError } from "./parse-error.ts";
import { parseShape } from "./shape.ts";

/**
 * Prisma Cloud Compute / Twistlock image scans (`twistcli images scan --output-file`, the same
 * shape from the Compute API): `{results: [{id, name, distro, packages, vulnerabilities,
 * compliances, vulnerabilityDistribution, complianceDistribution}], consoleURL}`.
 *
 * One finding per image × vulnerability and per image × compliance issue. A vulnerability of an
 * OS package (the image's `packages[]` says `type: os`) is `container`, one of a language package
 * `sca`; compliance issues (image configuration, CIS) are `iac` at the image. Severity: `critical`,
 * `high`, `important` → high, `medium`, `moderate` → medium, `low`; else the CVSS band. Fixed
 * versions come from the status (`fixed in 1.2.3, 2.0.1`).
 */

const FORMAT = "twistlock-json";
const Str = z.string().nullish();

const Vulnerability = z.object({
  id: z.string(),
  status: Str,
  cvss: z.number().nullish(),
  vector: Str,
  description: Str,
  severity: Str,
  packageName: z.string(),
  packageVersion: Str,
  link: Str,
  riskFactors: z.unknown().optional(),
  layerInstruction: Str,
});
type Vulnerability = z.infer<typeof Vulnerability>;

const Compliance = z.object({
  id: z.union([z.string(), z.number()]).transform(String),
  title: z.string(),
  severity: Str,
  description: Str,
  category: Str,
});

const Result = z.object({
  id: Str,
  name: Str,
  distro: Str,
  distroRelease: Str,
  packages: z.array(z.object({ type: Str, name: z.string(), version: Str, path: Str })).nullish(),
  vulnerabilities: z.array(z.unknown()).nullish(),
  compliances: z.array(z.unknown()).nullish(),
});
type Result = z.infer<typeof Result>;

const Report = z.object({ results: z.array(z.unknown()) });

const TOOL = { name: "Prisma Cloud" };
const FIXED_IN = /^fixed in (.+)$/i;
// Prisma's words beyond the common list
const SEVERITY: Record<string, Severity> = { important: "high", moderate: "medium" };
// twistcli package types that are not ecosystem words
const PACKAGE_TYPE: Record<string, string> = {
  nodejs: "npm",
  python: "pypi",
  jar: "maven",
  gem: "gem",
  go: "golang",
};

function severityOf(word: string | null | undefined, score: number | null | undefined): Severity {
  const w = word?.toLowerCase() ?? "";
  return (
    SEVERITY[w] ?? severityFromWord(w) ?? (typeof score === "number" ? severityFromScore(score) : "info")
  );
}

const DISTRO =
  /\b(debian|ubuntu|alpine|red hat|rhel|centos|amazon|oracle|suse|fedora|rocky|alma|photon|wolfi)\b/i;

/** twistcli names the distro in prose (`Debian GNU/Linux 11 (bullseye)`, `Red Hat Enterprise Linux 8`). */
function distroWord(r: Result): string | undefined {
  return DISTRO.exec(r.distro ?? "")?.[1]
    ?.toLowerCase()
    .replace(" ", "");
}

function exploitOf(risks: string[]): "active" | "poc" | undefined {
  if (risks.includes("risk:Exploit exists - in the wild")) return "active";
  if (risks.includes("risk:Exploit exists - POC")) return "poc";
  return undefined;
}

function riskTags(riskFactors: unknown): string[] {
  const names = Array.isArray(riskFactors)
    ? riskFactors.filter((r): r is string => typeof r === "string")
    : isRecord(riskFactors)
      ? Object.keys(riskFactors)
      : [];
  return names.map((n) => `risk:${n}`);
}

function vulnFinding(v: Vulnerability, r: Result): NormalizedFinding {
  const id = canonicalVulnId(v.id);
  const pkg = r.packages?.find(
    (p) => p.name === v.packageName && (!v.packageVersion || p.version === v.packageVersion),
  );
  const os = !pkg || pkg.type === "os";
  const ecosystem = os ? distroWord(r) : (PACKAGE_TYPE[pkg?.type ?? ""] ?? pkg?.type ?? undefined);
  const version = v.packageVersion ?? undefined;
  const purl = purlFromEcosystem(ecosystem, v.packageName, version);
  const fixed = FIXED_IN.exec(v.status?.trim() ?? "")?.[1];
  const risks = riskTags(v.riskFactors);
  return makeFinding({
    category: os ? "container" : "sca",
    tool: TOOL,
    rule: { id },
    title: `${id} in ${v.packageName}${version ? `@${version}` : ""}`,
    description: v.description ?? undefined,
    severity: severityOf(v.severity, v.cvss),
    rawSeverity: v.severity ?? undefined,
    cvss: cvssFrom(v.vector, v.cvss),
    vulnerability: { id, aliases: [] },
    package: {
      purl: purl.purl,
      ecosystem: purl.type,
      name: v.packageName,
      version,
      fixedVersions: fixed ? fixed.split(",").map((f) => f.trim()) : [],
      manifest: os ? undefined : (pkg?.path ?? undefined),
    },
    location: { image: r.name ?? undefined, file: os ? undefined : (pkg?.path ?? undefined) },
    references: [v.link ?? undefined],
    exploit: exploitOf(risks),
    tags: [...risks, v.status ? `status:${v.status}` : undefined],
  });
}

function parseResult(r: Result, where: string): NormalizedFinding[] {
  const findings: NormalizedFinding[] = [];
  (r.vulnerabilities ?? []).forEach((raw, i) => {
    findings.push(vulnFinding(parseShape(Vulnerability, raw, FORMAT, `${where}.vulnerabilities[${i}]`), r));
  });
  (r.compliances ?? []).forEach((raw, i) => {
    const c = parseShape(Compliance, raw, FORMAT, `${where}.compliances[${i}]`);
    findings.push(
      makeFinding({
        category: "iac",
        tool: TOOL,
        rule: { id: `compliance-${c.id}`, name: c.title },
        title: c.title,
        description: c.description ?? undefined,
        severity: severityOf(c.severity, undefined),
        rawSeverity: c.severity ?? undefined,
        location: { image: r.name ?? undefined },
        tags: [c.category ? `category:${c.category}` : undefined],
      }),
    );
  });
  return findings;
}

function isResult(value: unknown): boolean {
  return (
    isRecord(value) && (isRecord(value.vulnerabilityDistribution) || isRecord(value.complianceDistribution))
  );
}

export const twistlockJson: ReportFormat = {
  id: FORMAT,
  tools:
    "Prisma Cloud Compute / Twistlock (`twistcli images scan --output-file`, Compute API image scan results)",
  description: "Prisma Cloud image scan JSON: package vulnerabilities and compliance issues per image",
  detect(doc: ReportDocument): boolean {
    if (doc.syntax !== "json" || !isRecord(doc.value) || !Array.isArray(doc.value.results)) return false;
    return doc.value.results.length > 0
      ? isResult(doc.value.results[0])
      : typeof doc.value.consoleURL === "string";
  },
  parse(doc: ReportDocument): ParsedReport {
    if (doc.syntax !== "json") throw new ParseError("not a JSON document", FORMAT);
    const findings: NormalizedFinding[] = [];
    parseShape(Report, doc.value, FORMAT).results.forEach((raw, i) => {
      findings.push(...parseResult(parseShape(Result, raw, FORMAT, `results[${i}]`), `results[${i}]`));
    });
    return { tool: TOOL, findings };
  },
};
