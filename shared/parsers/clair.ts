import { z } from "zod";
import type { Cvss, NormalizedFinding } from "#shared/domain/finding";
import { purlTypeFor } from "#shared/domain/purl";
import { severityFromScore, severityFromWord } from "#shared/domain/severity";
import { canonicalVulnId, vulnIdKind } from "#shared/domain/vulnerability-id";
import { cvssFrom } from "./cvss-vector.ts";
import { isRecord, type ReportDocument } from "./document.ts";
import { purlFromEcosystem } from "./ecosystem-purl.ts";
import { makeFinding } from "./finding-builder.ts";
import type { ParsedReport, ReportFormat } from "./format.ts";
import { newestCvss } from "./newest-cvss.ts";
import { ParseError } from "./parse-error.ts";
import { parseShape } from "./shape.ts";

/**
 * Clair v4 vulnerability report (`clairctl report -o json`, the matcher API
 * `/matcher/api/v1/vulnerability_report/{digest}`, Quay's security scan): `packages`,
 * `distributions`, `environments` and `vulnerabilities` keyed by id, and `package_vulnerabilities`
 * joining them. A clean image has empty `vulnerabilities` and `package_vulnerabilities`.
 *
 * One finding per package × vulnerability. Packages of a language repository (pypi, maven, npm, go,
 * gem) are `sca`, the distribution's packages `container`. Severity: `normalized_severity`
 * (Unknown, Negligible, Low, Medium, High, Critical); Unknown falls back to the band of the CVSS the
 * `clair.cvss` enrichment gives, else info.
 */

const FORMAT = "clair-json";
const Str = z.string().nullish();

const Package = z.object({ id: Str, name: z.string(), version: Str, kind: Str });
const Distribution = z.object({ did: Str, version_id: Str, pretty_name: Str });
const Repository = z.object({ name: Str, uri: Str });

const Vulnerability = z.object({
  id: Str,
  updater: Str,
  name: z.string(),
  description: Str,
  links: Str,
  severity: Str,
  normalized_severity: Str,
  package: Package.nullish(),
  distribution: Distribution.nullish(),
  repository: Repository.nullish(),
  fixed_in_version: Str,
});
type Vulnerability = z.infer<typeof Vulnerability>;

const Report = z.object({
  manifest_hash: z.string(),
  packages: z.record(z.string(), z.unknown()).nullish(),
  distributions: z.record(z.string(), z.unknown()).nullish(),
  environments: z
    .record(z.string(), z.array(z.object({ package_db: Str, distribution_id: Str })).nullish())
    .nullish(),
  vulnerabilities: z.record(z.string(), z.unknown()).nullish(),
  package_vulnerabilities: z.record(z.string(), z.array(z.string()).nullish()).nullish(),
  enrichments: z.record(z.string(), z.array(z.unknown()).nullish()).nullish(),
});
type Report = z.infer<typeof Report>;

const Enrichment = z.record(
  z.string(),
  z.array(z.object({ vectorString: Str, baseScore: z.number().nullish() })).nullish(),
);

const TOOL = { name: "Clair" };
const CVE_IN_TEXT = /\bCVE-\d{4}-\d{4,}\b/gi;
const OS_TYPES = new Set(["deb", "rpm", "apk"]);

function isReport(value: unknown): boolean {
  return (
    isRecord(value) &&
    typeof value.manifest_hash === "string" &&
    isRecord(value.package_vulnerabilities) &&
    isRecord(value.vulnerabilities)
  );
}

/** CVSS per vulnerability id from the `clair.cvss` enrichment. */
function cvssByVuln(report: Report): Map<string, Cvss> {
  const out = new Map<string, Cvss>();
  for (const [kind, list] of Object.entries(report.enrichments ?? {})) {
    if (!kind.includes("clair.cvss")) continue;
    for (const [i, raw] of (list ?? []).entries()) {
      const byId = parseShape(Enrichment, raw, FORMAT, `enrichments["${kind}"][${i}]`);
      for (const [id, scores] of Object.entries(byId)) {
        const best = newestCvss((scores ?? []).map((s) => cvssFrom(s.vectorString, s.baseScore)));
        if (best) out.set(id, best);
      }
    }
  }
  return out;
}

/**
 * The CVE first: distro advisories are named `DSA-5218-1 zlib` and OSV records `GHSA-…`, and the
 * CVEs they are about are in the links.
 */
function idsOf(v: Vulnerability): { id: string; aliases: string[] } {
  const name = canonicalVulnId(v.name.trim().split(/\s+/)[0] ?? v.name);
  const cves = [...`${v.name} ${v.links ?? ""}`.matchAll(CVE_IN_TEXT)].map((m) => canonicalVulnId(m[0]));
  const all = [...new Set([name, ...cves])];
  const id = all.find((i) => vulnIdKind(i) === "cve") ?? name;
  return { id, aliases: all.filter((i) => i !== id) };
}

function distroOf(report: Report, packageId: string, v: Vulnerability): string | undefined {
  if (v.distribution?.did) return v.distribution.did;
  const envId = report.environments?.[packageId]?.find((e) => e.distribution_id)?.distribution_id;
  const dist = envId ? report.distributions?.[envId] : undefined;
  return isRecord(dist) && typeof dist.did === "string" ? dist.did : undefined;
}

export const clairJson: ReportFormat = {
  id: FORMAT,
  tools: "Clair v4 (`clairctl report -o json`, matcher API vulnerability reports, Quay)",
  description: "Clair v4 vulnerability report: one finding per package × vulnerability",
  detect(doc: ReportDocument): boolean {
    return doc.syntax === "json" && isReport(doc.value);
  },
  parse(doc: ReportDocument): ParsedReport {
    if (doc.syntax !== "json") throw new ParseError("not a JSON document", FORMAT);
    const report = parseShape(Report, doc.value, FORMAT);
    const scores = cvssByVuln(report);
    const findings: NormalizedFinding[] = [];
    for (const [packageId, vulnIds] of Object.entries(report.package_vulnerabilities ?? {})) {
      const pkg = parseShape(Package, report.packages?.[packageId], FORMAT, `packages["${packageId}"]`);
      for (const vulnId of vulnIds ?? []) {
        const v = parseShape(
          Vulnerability,
          report.vulnerabilities?.[vulnId],
          FORMAT,
          `vulnerabilities["${vulnId}"]`,
        );
        const repoType = purlTypeFor(v.repository?.name ?? undefined);
        const language = repoType !== undefined && !OS_TYPES.has(repoType);
        const ecosystem = language ? v.repository?.name : distroOf(report, packageId, v);
        const version = pkg.version ?? undefined;
        const purl = purlFromEcosystem(ecosystem ?? undefined, pkg.name, version);
        const ids = idsOf(v);
        const cvss = scores.get(vulnId);
        const word = v.normalized_severity ?? v.severity;
        const known = word && word.toLowerCase() !== "unknown" ? severityFromWord(word) : undefined;
        const packageDb = report.environments?.[packageId]?.[0]?.package_db ?? undefined;
        findings.push(
          makeFinding({
            category: language ? "sca" : "container",
            tool: TOOL,
            rule: { id: ids.id },
            title: `${ids.id} in ${pkg.name}${version ? `@${version}` : ""}`,
            description: v.description ?? undefined,
            severity: known ?? (cvss?.score !== undefined ? severityFromScore(cvss.score) : "info"),
            rawSeverity: [v.normalized_severity, v.severity].filter(Boolean).join(" / ") || undefined,
            cvss,
            vulnerability: ids,
            package: {
              purl: purl.purl,
              ecosystem: purl.type,
              name: pkg.name,
              version,
              fixedVersions: v.fixed_in_version ? [v.fixed_in_version] : [],
              manifest: language ? packageDb : undefined,
            },
            location: { image: report.manifest_hash, file: language ? packageDb : undefined },
            references: (v.links ?? "").split(/\s+/),
            tags: [v.updater ? `updater:${v.updater}` : undefined],
            toolId: v.id ?? vulnId,
          }),
        );
      }
    }
    return { tool: TOOL, findings };
  },
};
