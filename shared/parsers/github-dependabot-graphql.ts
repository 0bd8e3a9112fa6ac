import { z } from "zod";
import type { Cvss, NormalizedFinding } from "#shared/domain/finding";
import { buildPurl } from "#shared/domain/purl";
import { severityFromScore, severityFromWord } from "#shared/domain/severity";
import { canonicalVulnId } from "#shared/domain/vulnerability-id";
import { cvssFrom } from "./cvss-vector.ts";
import { isRecord, type ReportDocument, recordsOf } from "./document.ts";
import { type FindingDraft, makeFinding } from "./finding-builder.ts";
import type { ParsedReport, ReportFormat } from "./format.ts";
import { ParseError } from "./parse-error.ts";
import { parseShape } from "./shape.ts";

/**
 * GitHub Dependabot alerts as the GraphQL API returns them (`repository { vulnerabilityAlerts }`, or
 * `organization { repositories { nodes { vulnerabilityAlerts } } }`), with `nodes` or `edges`: one
 * response, `gh api graphql --paginate --slurp` (an array of pages) or pages as JSON Lines. The REST
 * alerts are `github-dependabot-json`; both name an alert by the same URL, so they correlate.
 *
 * Queries pick their fields, so every field is optional but the advisory's GHSA id. `FIXED` alerts
 * (or a `fixedAt`) are not findings; `DISMISSED` and `AUTO_DISMISSED` ones (or a `dismissedAt`) are
 * kept and suppressed with the reason and comment. `vulnerableRequirements` of the form `= 1.2.3`
 * is the installed version; any other requirement is kept as a tag.
 */

const FORMAT = "github-dependabot-graphql";
const TOOL = { name: "GitHub Dependabot" };
const Str = z.string().nullish();

const Score = z.object({ score: z.number().nullish(), vectorString: Str });
type Score = z.infer<typeof Score>;

const Package = z.object({ ecosystem: z.string(), name: z.string() });

const Advisory = z.object({
  ghsaId: z.string(),
  summary: Str,
  description: Str,
  severity: Str,
  permalink: Str,
  identifiers: z.array(z.object({ type: Str, value: z.string() })).nullish(),
  references: z.array(z.object({ url: z.string() })).nullish(),
  cvss: Score.nullish(),
  cvssSeverities: z.object({ cvssV3: Score.nullish(), cvssV4: Score.nullish() }).nullish(),
  cwes: z.object({ nodes: z.array(z.object({ cweId: z.string() })).nullish() }).nullish(),
  epss: z.object({ percentage: z.number().nullish() }).nullish(),
});
type Advisory = z.infer<typeof Advisory>;

const Alert = z.object({
  id: Str,
  number: z.number().nullish(),
  state: Str,
  dismissReason: Str,
  dismissComment: Str,
  dismissedAt: Str,
  autoDismissedAt: Str,
  fixedAt: Str,
  vulnerableManifestPath: Str,
  vulnerableManifestFilename: Str,
  vulnerableRequirements: Str,
  dependencyScope: Str,
  dependencyRelationship: Str,
  repository: z.object({ nameWithOwner: Str }).nullish(),
  securityAdvisory: Advisory.nullish(),
  securityVulnerability: z
    .object({
      package: Package.nullish(),
      severity: Str,
      vulnerableVersionRange: Str,
      firstPatchedVersion: z.object({ identifier: z.string() }).nullish(),
      advisory: Advisory.nullish(),
    })
    .nullish(),
});
type Alert = z.infer<typeof Alert>;

const ECOSYSTEM: Record<string, string> = {
  ACTIONS: "github",
  COMPOSER: "composer",
  ERLANG: "hex",
  GO: "golang",
  MAVEN: "maven",
  NPM: "npm",
  NUGET: "nuget",
  PIP: "pypi",
  PUB: "pub",
  RUBYGEMS: "gem",
  RUST: "cargo",
  SWIFT: "swift",
};

const EXACT_REQUIREMENT = /^=\s*(\S+)$/;

interface AlertList {
  repo?: string;
  alerts: unknown[];
}

function alertsOf(connection: unknown): unknown[] | undefined {
  if (!isRecord(connection)) return undefined;
  if (Array.isArray(connection.nodes)) return connection.nodes;
  if (Array.isArray(connection.edges)) return connection.edges.map((e) => (isRecord(e) ? e.node : e));
  return undefined;
}

function repoName(repo: Record<string, unknown>): string | undefined {
  return typeof repo.nameWithOwner === "string" ? repo.nameWithOwner : undefined;
}

/** The alert lists of one GraphQL response, or undefined when it is not one. */
function listsOfPage(page: unknown): AlertList[] | undefined {
  if (!isRecord(page) || !isRecord(page.data)) return undefined;
  const { repository, organization } = page.data;
  if (isRecord(repository)) {
    const alerts = alertsOf(repository.vulnerabilityAlerts);
    return alerts ? [{ repo: repoName(repository), alerts }] : undefined;
  }
  if (isRecord(organization) && isRecord(organization.repositories)) {
    const repos = alertsOf(organization.repositories);
    if (!repos) return undefined;
    const lists: AlertList[] = [];
    for (const repo of repos) {
      const alerts = isRecord(repo) ? alertsOf(repo.vulnerabilityAlerts) : undefined;
      if (!alerts || !isRecord(repo)) return undefined;
      lists.push({ repo: repoName(repo), alerts });
    }
    return lists;
  }
  return undefined;
}

function listsOf(doc: ReportDocument): AlertList[] | undefined {
  const pages = recordsOf(doc);
  if (!pages?.length) return undefined;
  const lists: AlertList[] = [];
  for (const page of pages) {
    const found = listsOfPage(page);
    if (!found) return undefined;
    lists.push(...found);
  }
  return lists;
}

function cvssOf(s: Score | null | undefined): Cvss | undefined {
  // GitHub answers `{ score: 0, vectorString: null }` for a version it has no data for
  return s?.vectorString ? cvssFrom(s.vectorString, s.score) : undefined;
}

function bestCvss(a: Advisory): Cvss | undefined {
  return cvssOf(a.cvssSeverities?.cvssV4) ?? cvssOf(a.cvssSeverities?.cvssV3) ?? cvssOf(a.cvss);
}

function suppressionOf(alert: Alert): FindingDraft["suppressed"] {
  const state = alert.state?.toUpperCase();
  const dismissed =
    state === "DISMISSED" ||
    state === "AUTO_DISMISSED" ||
    (!state && (alert.dismissedAt || alert.autoDismissedAt));
  if (!dismissed) return undefined;
  const why = [alert.dismissReason, alert.dismissComment].filter(Boolean).join(": ");
  const kind =
    state === "AUTO_DISMISSED" || (!state && alert.autoDismissedAt) ? "auto_dismissed" : "dismissed";
  return { kind, justification: why || undefined };
}

function toFinding(alert: Alert, repo: string | undefined, where: string): NormalizedFinding | undefined {
  const state = alert.state?.toUpperCase();
  if (state === "FIXED" || (!state && alert.fixedAt)) return undefined;
  const vuln = alert.securityVulnerability;
  const advisory = alert.securityAdvisory ?? vuln?.advisory;
  if (!advisory) {
    throw new ParseError(
      "an alert needs securityAdvisory.ghsaId (or securityVulnerability.advisory)",
      FORMAT,
      where,
    );
  }
  const id = canonicalVulnId(advisory.ghsaId);
  const pkg = vuln?.package;
  const type = pkg ? ECOSYSTEM[pkg.ecosystem.toUpperCase()] : undefined;
  const requirement = alert.vulnerableRequirements?.trim();
  const version = requirement ? EXACT_REQUIREMENT.exec(requirement)?.[1] : undefined;
  const cvss = bestCvss(advisory);
  const word = vuln?.severity || advisory.severity;
  const severity =
    severityFromWord(word) ?? (cvss?.score !== undefined ? severityFromScore(cvss.score) : "info");
  const repoName = alert.repository?.nameWithOwner ?? repo;
  const url =
    repoName && alert.number
      ? `https://github.com/${repoName}/security/dependabot/${alert.number}`
      : undefined;
  const manifest = alert.vulnerableManifestPath ?? alert.vulnerableManifestFilename ?? undefined;
  const relationship = alert.dependencyRelationship?.toUpperCase();
  const scope = alert.dependencyScope?.toUpperCase();
  const epss = advisory.epss?.percentage;
  return makeFinding({
    category: "sca",
    tool: TOOL,
    rule: { id, name: advisory.summary ?? undefined },
    title: advisory.summary || `${id}${pkg ? ` in ${pkg.name}` : ""}`,
    description: advisory.description ?? undefined,
    severity,
    rawSeverity: word ?? undefined,
    cvss,
    vulnerability: { id, aliases: (advisory.identifiers ?? []).map((i) => i.value) },
    cwes: (advisory.cwes?.nodes ?? []).map((c) => c.cweId),
    package: pkg
      ? {
          purl: type ? buildPurl(type, pkg.name, version) : undefined,
          ecosystem: type ?? pkg.ecosystem.toLowerCase(),
          name: pkg.name,
          version,
          fixedVersions: vuln?.firstPatchedVersion ? [vuln.firstPatchedVersion.identifier] : [],
          direct: relationship === "DIRECT" ? true : relationship === "TRANSITIVE" ? false : undefined,
          scope: scope === "RUNTIME" ? "runtime" : scope === "DEVELOPMENT" ? "dev" : undefined,
          manifest,
        }
      : undefined,
    location: { file: manifest },
    fingerprints: { "dependabot/alert": url ?? alert.id ?? undefined },
    toolId: url ?? alert.id ?? undefined,
    references: [url, advisory.permalink ?? undefined, ...(advisory.references ?? []).map((r) => r.url)],
    tags: [
      repoName ? `repo:${repoName}` : undefined,
      vuln?.vulnerableVersionRange ? `vulnerable:${vuln.vulnerableVersionRange}` : undefined,
      requirement && !version ? `requirement:${requirement}` : undefined,
      epss !== undefined && epss !== null ? `epss:${epss}` : undefined,
    ],
    suppressed: suppressionOf(alert),
  });
}

export const githubDependabotGraphql: ReportFormat = {
  id: FORMAT,
  tools:
    "GitHub Dependabot alerts (GraphQL `vulnerabilityAlerts` of a repository or an organization's repositories)",
  description:
    "Dependabot alerts from the GraphQL API: open ones as findings, dismissed ones suppressed, fixed ones skipped",
  detect(doc: ReportDocument): boolean {
    return listsOf(doc) !== undefined;
  },
  parse(doc: ReportDocument): ParsedReport {
    const findings: NormalizedFinding[] = [];
    (listsOf(doc) ?? []).forEach((list, l) => {
      list.alerts.forEach((raw, i) => {
        const where = `[${l}].vulnerabilityAlerts[${i}]`;
        const finding = toFinding(parseShape(Alert, raw, FORMAT, where), list.repo, where);
        if (finding) findings.push(finding);
      });
    });
    return { tool: TOOL, findings };
  },
};
