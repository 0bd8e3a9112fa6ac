import { z } from "zod";
import type { NormalizedFinding, Severity } from "#shared/domain/finding";
import { buildPurl } from "#shared/domain/purl";
import { severityFromScore, severityFromWord } from "#shared/domain/severity";
import { cvssFrom } from "./cvss-vector.ts";
import { isRecord, type ReportDocument } from "./document.ts";
import { type FindingDraft, makeFinding } from "./finding-builder.ts";
import type { ParsedReport, ReportFormat } from "./format.ts";
import { ParseError } from "./parse-error.ts";
import { parseShape } from "./shape.ts";

/**
 * npm audit JSON: the v2 report of npm 7+ (`auditReportVersion: 2`) and the legacy npm 6 report
 * (`advisories` keyed by id, which pnpm audit also writes).
 *
 * v2 keys `vulnerabilities` by package, and each `via[]` mixes advisory objects with names of other
 * vulnerable packages. We emit ONE finding per (package, advisory object). A package whose `via[]`
 * only names other packages is vulnerable through them, and those advisories already are findings
 * on the packages that carry them, so it is not a finding of its own: its role is kept on the
 * advisory findings as the chain up to the direct dependencies (`introduced-by:` tags, description).
 * The v2 report gives no installed version, only the vulnerable range.
 *
 * Legacy: one finding per (advisory, installed version) from `findings[]`; direct when a path has
 * a single hop; scope dev when npm says the install is a dev dependency.
 *
 * Ids: the GHSA id from a github.com/advisories URL; else the npm advisory number as `npm:<id>`.
 * Severity: the advisory's word (critical/high/moderate/low/info), else its CVSS score band.
 */

const FORMAT = "npm-audit-json";
const TOOL = { name: "npm audit" };
const GHSA_URL = /\/advisories\/(GHSA(?:-[0-9a-z]{4}){3})/i;
const MAX_INTRODUCERS = 10;

const Cvss = z.object({ score: z.number().nullish(), vectorString: z.string().nullish() }).nullish();

const Advisory = z.object({
  source: z.number().optional(),
  id: z.number().optional(),
  title: z.string().optional(),
  url: z.string().optional(),
  severity: z.string().optional(),
  cwe: z.union([z.array(z.string()), z.string()]).nullish(),
  cvss: Cvss,
  range: z.string().optional(),
  vulnerable_versions: z.string().optional(),
});

const Vulnerability = z.object({
  name: z.string().min(1),
  severity: z.string().optional(),
  isDirect: z.boolean().optional(),
  via: z.array(z.union([z.string(), Advisory])),
  effects: z.array(z.string()).nullish(),
  range: z.string().optional(),
  nodes: z.array(z.string()).nullish(),
  fixAvailable: z
    .union([
      z.boolean(),
      z.object({ name: z.string(), version: z.string(), isSemVerMajor: z.boolean().optional() }),
    ])
    .optional(),
});
type Vulnerability = z.infer<typeof Vulnerability>;

const ReportV2 = z.object({ vulnerabilities: z.record(z.string(), z.unknown()) });

const LegacyAdvisory = z.object({
  id: z.number(),
  module_name: z.string().min(1),
  title: z.string().optional(),
  url: z.string().optional(),
  github_advisory_id: z.string().optional(),
  severity: z.string().optional(),
  cves: z.array(z.string()).nullish(),
  cwe: z.union([z.array(z.string()), z.string()]).nullish(),
  cvss: Cvss,
  overview: z.string().optional(),
  recommendation: z.string().optional(),
  patched_versions: z.string().optional(),
  vulnerable_versions: z.string().optional(),
  findings: z
    .array(
      z.object({
        version: z.string().optional(),
        paths: z.array(z.string()).nullish(),
        dev: z.boolean().optional(),
      }),
    )
    .nullish(),
});
type LegacyAdvisory = z.infer<typeof LegacyAdvisory>;

const LegacyReport = z.object({ advisories: z.record(z.string(), z.unknown()) });

function detect(doc: ReportDocument): boolean {
  if (doc.syntax !== "json" || !isRecord(doc.value)) return false;
  const v = doc.value;
  if (v.auditReportVersion === 2) return isRecord(v.vulnerabilities);
  return isRecord(v.advisories) && isRecord(v.metadata) && ("actions" in v || "muted" in v);
}

function advisoryId(url: string | undefined, numeric: number | undefined, where: string): string {
  const ghsa = url ? GHSA_URL.exec(url)?.[1] : undefined;
  if (ghsa) return ghsa;
  if (numeric !== undefined) return `npm:${numeric}`;
  throw new ParseError(
    "unexpected report shape: an advisory has neither a GHSA url nor an id",
    FORMAT,
    where,
  );
}

function severityOf(word: string | undefined, score: number | undefined): Severity {
  return severityFromWord(word) ?? (score !== undefined ? severityFromScore(score) : "info");
}

/** The direct dependencies that pull `name` in, following `effects` (its vulnerable dependents). */
function introducers(
  name: string,
  byName: ReadonlyMap<string, Vulnerability>,
  memo: Map<string, string[]>,
): string[] {
  const cached = memo.get(name);
  if (cached) return cached;
  const roots = new Set<string>();
  const seen = new Set([name]);
  const queue = [name];
  for (let i = 0; i < queue.length; i++) {
    const current = queue[i];
    const entry = current === undefined ? undefined : byName.get(current);
    if (!entry || current === undefined) continue;
    if (entry.isDirect && current !== name) roots.add(current);
    for (const parent of entry.effects ?? []) {
      if (!seen.has(parent)) {
        seen.add(parent);
        queue.push(parent);
      }
    }
  }
  const sorted = [...roots].sort();
  memo.set(name, sorted);
  return sorted;
}

/** `fixAvailable` names a version of this very package (not of a parent to upgrade): that is its fix. */
function ownFix(key: string, fix: Vulnerability["fixAvailable"]): string[] {
  return typeof fix === "object" && fix.name === key ? [fix.version] : [];
}

/** The lower bounds of a patched range (`>=4.17.21`, `>=2.1.3 <3.0.0 || >=3.0.2`): each branch's fix. */
export function patchedLowerBounds(range: string | undefined): string[] {
  if (!range) return [];
  const out: string[] = [];
  for (const branch of range.split("||")) {
    const match = /(?:^|\s)>=\s*v?(\d[^\s<>=|]*)/.exec(branch.trim());
    if (match?.[1]) out.push(match[1]);
  }
  return out;
}

function remediationOf(fix: Vulnerability["fixAvailable"]): string | undefined {
  if (fix === undefined || typeof fix === "boolean") return fix ? "npm audit fix" : undefined;
  return `Upgrade ${fix.name} to ${fix.version}${fix.isSemVerMajor ? " (semver-major: npm audit fix --force)" : ""}`;
}

function parseV2(value: unknown): NormalizedFinding[] {
  const report = parseShape(ReportV2, value, FORMAT);
  const byName = new Map<string, Vulnerability>();
  for (const [key, raw] of Object.entries(report.vulnerabilities)) {
    byName.set(key, parseShape(Vulnerability, raw, FORMAT, `vulnerabilities[${JSON.stringify(key)}]`));
  }
  const memo = new Map<string, string[]>();
  const findings: NormalizedFinding[] = [];
  for (const [key, vuln] of byName) {
    vuln.via.forEach((via, i) => {
      if (typeof via === "string") return;
      const where = `vulnerabilities[${JSON.stringify(key)}].via[${i}]`;
      const id = advisoryId(via.url, via.source ?? via.id, where);
      const cvss = cvssFrom(via.cvss?.vectorString, via.cvss?.score);
      const range = via.range ?? via.vulnerable_versions;
      const roots = introducers(key, byName, memo);
      const nodes = vuln.nodes ?? [];
      const description = [
        range ? `Vulnerable versions: ${range}.` : undefined,
        roots.length ? `Introduced through: ${roots.join(", ")}.` : undefined,
        nodes.length
          ? `Installed at: ${nodes.slice(0, 5).join(", ")}${nodes.length > 5 ? ", …" : ""}.`
          : undefined,
      ];
      const draft: FindingDraft = {
        category: "sca",
        tool: TOOL,
        rule: { id, name: via.title },
        title: via.title ?? `${id} in ${key}`,
        description: description.filter(Boolean).join("\n"),
        severity: severityOf(via.severity ?? vuln.severity, cvss?.score),
        rawSeverity: via.severity ?? vuln.severity,
        cvss,
        vulnerability: { id, aliases: [] },
        cwes: typeof via.cwe === "string" ? [via.cwe] : (via.cwe ?? []),
        package: {
          purl: buildPurl("npm", key),
          ecosystem: "npm",
          name: key,
          fixedVersions: ownFix(key, vuln.fixAvailable),
          direct: vuln.isDirect,
        },
        toolId: via.source !== undefined || via.id !== undefined ? String(via.source ?? via.id) : undefined,
        remediation: remediationOf(vuln.fixAvailable),
        references: [via.url],
        tags: [
          vuln.fixAvailable === false
            ? "no-fix"
            : vuln.fixAvailable !== undefined
              ? "fix-available"
              : undefined,
          nodes.length > 1 ? `nodes:${nodes.length}` : undefined,
          ...roots.slice(0, MAX_INTRODUCERS).map((r) => `introduced-by:${r}`),
        ],
      };
      findings.push(makeFinding(draft));
    });
  }
  return findings;
}

function legacyDrafts(a: LegacyAdvisory, where: string): FindingDraft[] {
  // later npm 6 registries name the GitHub advisory behind the numeric one
  const id = a.github_advisory_id?.startsWith("GHSA-")
    ? a.github_advisory_id
    : advisoryId(a.url, a.id, where);
  const numeric = `npm:${a.id}`;
  const cvss = cvssFrom(a.cvss?.vectorString, a.cvss?.score);
  const installs = a.findings?.length ? a.findings : [{ version: undefined, paths: [], dev: undefined }];
  return installs.map((install) => {
    const paths = install.paths ?? [];
    return {
      category: "sca",
      tool: TOOL,
      rule: { id, name: a.title },
      title: a.title ?? `${id} in ${a.module_name}`,
      description: a.overview,
      severity: severityOf(a.severity, cvss?.score),
      rawSeverity: a.severity,
      cvss,
      vulnerability: { id, aliases: [...(a.cves ?? []), ...(id === numeric ? [] : [numeric])] },
      cwes: typeof a.cwe === "string" ? [a.cwe] : (a.cwe ?? []),
      package: {
        purl: buildPurl("npm", a.module_name, install.version),
        ecosystem: "npm",
        name: a.module_name,
        version: install.version,
        fixedVersions: patchedLowerBounds(a.patched_versions),
        direct: paths.length ? paths.some((p) => !p.includes(">")) : undefined,
        scope: install.dev === undefined ? undefined : install.dev ? "dev" : "runtime",
      },
      toolId: String(a.id),
      remediation: [
        a.recommendation,
        a.patched_versions ? `Patched versions: ${a.patched_versions}` : undefined,
      ]
        .filter(Boolean)
        .join("\n"),
      references: [a.url],
      tags: paths.length ? [`paths:${paths.length}`] : [],
    };
  });
}

function parseLegacy(value: unknown): NormalizedFinding[] {
  const report = parseShape(LegacyReport, value, FORMAT);
  const findings: NormalizedFinding[] = [];
  for (const [key, raw] of Object.entries(report.advisories)) {
    const where = `advisories[${JSON.stringify(key)}]`;
    for (const draft of legacyDrafts(parseShape(LegacyAdvisory, raw, FORMAT, where), where)) {
      findings.push(makeFinding(draft));
    }
  }
  return findings;
}

function parse(doc: ReportDocument): ParsedReport {
  const value = doc.syntax === "json" ? doc.value : undefined;
  const v2 = isRecord(value) && value.auditReportVersion === 2;
  return { tool: TOOL, findings: v2 ? parseV2(value) : parseLegacy(value) };
}

export const npmAuditJson: ReportFormat = {
  id: FORMAT,
  tools: "npm audit (`npm audit --json`: npm 7+ v2 report and npm 6 / pnpm legacy report)",
  description:
    "npm audit JSON: one finding per package and advisory, dependency chain to the direct dependencies kept",
  detect,
  parse,
};
