import { z } from "zod";
import type { Cvss, NormalizedFinding } from "#shared/domain/finding";
import { buildPurl, purlTypeFor } from "#shared/domain/purl";
import { severityFromScore, severityFromWord } from "#shared/domain/severity";
import { canonicalVulnId } from "#shared/domain/vulnerability-id";
import { isRecord, type ReportDocument, recordsOf } from "./document.ts";
import { anyOf, emptyArray, emptyFile } from "./empty-report.ts";
import { type FindingDraft, makeFinding } from "./finding-builder.ts";
import type { ParsedReport, ReportFormat } from "./format.ts";
import { parseShape } from "./shape.ts";

/**
 * GitHub Dependabot alerts as the REST API returns them (`GET /repos/{owner}/{repo}/dependabot/alerts`,
 * the org and enterprise variants, or one alert): a JSON array, JSON Lines (`gh api --jq '.[]'`)
 * or a single alert object.
 *
 * State: `open` alerts are findings; `dismissed` and `auto_dismissed` are kept and marked suppressed
 * with the dismissal reason and comment; `fixed` alerts are not findings (the dependency was
 * updated). Severity: the vulnerable package's severity, else the advisory's (low, medium, high,
 * critical), else the CVSS score band. An alert names no installed version, only the vulnerable range.
 */

const FORMAT = "github-dependabot-json";
const Str = z.string().nullish();

const CvssScore = z.object({ vector_string: Str, score: z.number().nullish() });
type CvssScore = z.infer<typeof CvssScore>;

const Package = z.object({ ecosystem: z.string(), name: z.string() });

const Epss = z.object({ percentage: z.number().nullish() });

const Alert = z.object({
  number: z.number(),
  state: z.string(),
  dependency: z.object({
    package: Package.nullish(),
    manifest_path: Str,
    scope: Str,
    relationship: Str,
  }),
  security_advisory: z.object({
    ghsa_id: z.string(),
    cve_id: Str,
    summary: Str,
    description: Str,
    severity: Str,
    identifiers: z.array(z.object({ value: z.string() })).nullish(),
    references: z.array(z.object({ url: z.string() })).nullish(),
    cvss: CvssScore.nullish(),
    cvss_severities: z.object({ cvss_v3: CvssScore.nullish(), cvss_v4: CvssScore.nullish() }).nullish(),
    // the docs show a list; accept the single object some exports flatten it to
    epss: z.union([z.array(Epss), Epss]).nullish(),
    cwes: z.array(z.object({ cwe_id: z.string() })).nullish(),
  }),
  security_vulnerability: z
    .object({
      package: Package.nullish(),
      severity: Str,
      vulnerable_version_range: Str,
      first_patched_version: z.object({ identifier: z.string() }).nullish(),
    })
    .nullish(),
  url: Str,
  html_url: Str,
  dismissed_reason: Str,
  dismissed_comment: Str,
  repository: z.object({ full_name: Str }).nullish(),
});
type Alert = z.infer<typeof Alert>;

const VECTOR_VERSION = /^CVSS:(3\.0|3\.1|4\.0)\//;
// GitHub ecosystem words purlTypeFor does not know
const ECOSYSTEM_TYPE: Record<string, string> = { actions: "github", erlang: "hex" };

/** GitHub sends `{ vector_string: null, score: 0 }` for a CVSS version it has no data for. */
function cvssOf(s: CvssScore | null | undefined, fallback: Cvss["version"]): Cvss | undefined {
  if (!s || (!s.vector_string && !s.score)) return undefined;
  const stated = VECTOR_VERSION.exec(s.vector_string ?? "")?.[1];
  const version = stated === "3.0" || stated === "3.1" || stated === "4.0" ? stated : fallback;
  return { version, vector: s.vector_string ?? undefined, score: s.score ?? undefined };
}

function bestCvss(a: Alert["security_advisory"]): Cvss | undefined {
  return (
    cvssOf(a.cvss_severities?.cvss_v4, "4.0") ??
    cvssOf(a.cvss_severities?.cvss_v3, "3.0") ??
    cvssOf(a.cvss, "3.0")
  );
}

function epssOf(a: Alert["security_advisory"]): number | undefined {
  const epss = Array.isArray(a.epss) ? a.epss[0] : a.epss;
  return epss?.percentage ?? undefined;
}

function toFinding(alert: Alert): NormalizedFinding | undefined {
  if (alert.state === "fixed") return undefined;
  const advisory = alert.security_advisory;
  const vuln = alert.security_vulnerability;
  const pkg = vuln?.package ?? alert.dependency.package;
  const cvss = bestCvss(advisory);
  const word = vuln?.severity || advisory.severity;
  const severity =
    severityFromWord(word) ?? (cvss?.score !== undefined ? severityFromScore(cvss.score) : "info");
  const type = pkg ? (ECOSYSTEM_TYPE[pkg.ecosystem.toLowerCase()] ?? purlTypeFor(pkg.ecosystem)) : undefined;
  const relationship = alert.dependency.relationship;
  const scope = alert.dependency.scope;
  const epss = epssOf(advisory);
  const repo = alert.repository?.full_name;
  const id = canonicalVulnId(advisory.ghsa_id);

  const draft: FindingDraft = {
    category: "sca",
    tool: { name: "GitHub Dependabot" },
    rule: { id, name: advisory.summary ?? undefined },
    title: advisory.summary || `${id}${pkg ? ` in ${pkg.name}` : ""}`,
    description: advisory.description ?? undefined,
    severity,
    rawSeverity: word ?? undefined,
    cvss,
    vulnerability: {
      id,
      aliases: [advisory.cve_id ?? undefined, ...(advisory.identifiers ?? []).map((i) => i.value)].filter(
        (x): x is string => Boolean(x),
      ),
    },
    cwes: (advisory.cwes ?? []).map((c) => c.cwe_id),
    package: pkg
      ? {
          purl: type ? buildPurl(type, pkg.name) : undefined,
          ecosystem: type ?? pkg.ecosystem,
          name: pkg.name,
          fixedVersions: vuln?.first_patched_version ? [vuln.first_patched_version.identifier] : [],
          direct: relationship === "direct" ? true : relationship === "transitive" ? false : undefined,
          scope: scope === "runtime" ? "runtime" : scope === "development" ? "dev" : undefined,
          manifest: alert.dependency.manifest_path ?? undefined,
        }
      : undefined,
    location: { file: alert.dependency.manifest_path ?? undefined },
    fingerprints: { "dependabot/alert": alert.html_url ?? alert.url ?? undefined },
    toolId: alert.html_url ?? alert.url ?? String(alert.number),
    references: [alert.html_url ?? undefined, ...(advisory.references ?? []).map((r) => r.url)],
    tags: [
      repo ? `repo:${repo}` : undefined,
      vuln?.vulnerable_version_range ? `vulnerable:${vuln.vulnerable_version_range}` : undefined,
      epss !== undefined ? `epss:${epss}` : undefined,
    ],
  };
  if (alert.state === "dismissed" || alert.state === "auto_dismissed") {
    const why = [alert.dismissed_reason, alert.dismissed_comment].filter(Boolean).join(": ");
    draft.suppressed = { kind: alert.state, justification: why || undefined };
  }
  return makeFinding(draft);
}

function isAlert(value: unknown): boolean {
  return (
    isRecord(value) &&
    typeof value.number === "number" &&
    isRecord(value.dependency) &&
    isRecord(value.security_advisory) &&
    typeof value.security_advisory.ghsa_id === "string"
  );
}

export const githubDependabotJson: ReportFormat = {
  id: FORMAT,
  tools:
    "GitHub Dependabot alerts (REST API `dependabot/alerts` for a repository, organization or enterprise)",
  description: "Dependabot alerts: open ones as findings, dismissed ones suppressed, fixed ones skipped",
  detect(doc: ReportDocument): boolean {
    const records = recordsOf(doc);
    return records !== undefined && records.length > 0 && isAlert(records[0]);
  },
  // the REST API lists no alert as `[]`; `gh api --paginate --jq '.[]'` then prints nothing
  isEmptyReport: anyOf(emptyArray, emptyFile),
  parse(doc: ReportDocument): ParsedReport {
    const findings: NormalizedFinding[] = [];
    (recordsOf(doc) ?? []).forEach((raw, i) => {
      const finding = toFinding(parseShape(Alert, raw, FORMAT, `[${i}]`));
      if (finding) findings.push(finding);
    });
    return { tool: { name: "GitHub Dependabot" }, findings };
  },
};
