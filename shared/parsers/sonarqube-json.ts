import { z } from "zod";
import type { NormalizedFinding, Severity } from "#shared/domain/finding";
import { isRecord, type ReportDocument } from "./document.ts";
import { makeFinding } from "./finding-builder.ts";
import type { ParsedReport, ReportFormat } from "./format.ts";
import { parseShape } from "./shape.ts";

/**
 * SonarQube / SonarCloud Web API responses: `api/issues/search` (`issues[]`) and
 * `api/hotspots/search` (`hotspots[]`), one page as saved by the caller.
 *
 * Only security issues are emitted: type VULNERABILITY or SECURITY_HOTSPOT, or (Clean Code
 * taxonomy, 10.2+) an impact on the SECURITY software quality. BUG and CODE_SMELL issues without
 * a security impact are reliability/maintainability debt, not security posture, and are dropped.
 * Issues SonarQube no longer sees (status CLOSED) or resolved as FIXED are dropped too; FALSE-POSITIVE,
 * WONTFIX and ACCEPTED ones (hotspots: SAFE, ACKNOWLEDGED) are kept as suppressed `external`.
 *
 * Severity: the SECURITY impact severity when present (BLOCKER→critical, HIGH→high,
 * MEDIUM→medium, LOW→low, INFO→info), else the legacy severity as SonarQube itself maps it onto
 * impacts (BLOCKER→critical, CRITICAL→high, MAJOR→medium, MINOR→low, INFO→info); hotspots use
 * `vulnerabilityProbability` (HIGH/MEDIUM/LOW). File = the component key after `<project>:`.
 */

const FORMAT = "sonarqube-json";
const TOOL = { name: "sonarqube" };

const IMPACT_SEVERITY: Record<string, Severity> = {
  BLOCKER: "critical",
  HIGH: "high",
  MEDIUM: "medium",
  LOW: "low",
  INFO: "info",
};
const LEGACY_SEVERITY: Record<string, Severity> = {
  BLOCKER: "critical",
  CRITICAL: "high",
  MAJOR: "medium",
  MINOR: "low",
  INFO: "info",
};
const SECURITY_TYPES = new Set(["VULNERABILITY", "SECURITY_HOTSPOT"]);
/** Resolutions (legacy `resolution`, 10.4+ `issueStatus`) meaning the issue is no longer in the code. */
const GONE = new Set(["FIXED", "REMOVED"]);
/** Resolutions meaning someone decided to live with it: kept, marked suppressed. */
const ACCEPTED = new Set(["FALSE-POSITIVE", "WONTFIX", "FALSE_POSITIVE", "ACCEPTED"]);

const TextRange = z.object({
  startLine: z.number().int().nonnegative().optional(),
  endLine: z.number().int().nonnegative().optional(),
});

const Issue = z.object({
  key: z.string(),
  rule: z.string(),
  severity: z.string().optional(),
  component: z.string(),
  project: z.string().optional(),
  line: z.number().int().nonnegative().optional(),
  textRange: TextRange.optional(),
  hash: z.string().optional(),
  message: z.string().optional(),
  type: z.string().optional(),
  status: z.string().optional(),
  issueStatus: z.string().optional(),
  resolution: z.string().optional(),
  tags: z.array(z.string()).optional(),
  impacts: z.array(z.object({ softwareQuality: z.string(), severity: z.string() })).optional(),
  cleanCodeAttribute: z.string().optional(),
});
type Issue = z.infer<typeof Issue>;

const Hotspot = z.object({
  key: z.string(),
  component: z.string(),
  project: z.string().optional(),
  securityCategory: z.string().optional(),
  vulnerabilityProbability: z.string(),
  status: z.string().optional(),
  resolution: z.string().optional(),
  line: z.number().int().nonnegative().optional(),
  textRange: TextRange.optional(),
  message: z.string().optional(),
  ruleKey: z.string().optional(),
});
type Hotspot = z.infer<typeof Hotspot>;

const Component = z.object({ key: z.string(), path: z.string().optional() });
const Rule = z.object({ key: z.string(), name: z.string().optional() });

const Response = z.object({
  issues: z.array(z.unknown()).optional(),
  hotspots: z.array(z.unknown()).optional(),
  components: z.array(z.unknown()).optional(),
  rules: z.array(z.unknown()).optional(),
});

function detect(doc: ReportDocument): boolean {
  if (doc.syntax !== "json" || !isRecord(doc.value)) return false;
  const v = doc.value;
  const paged = isRecord(v.paging) || (typeof v.p === "number" && typeof v.ps === "number");
  if (!paged) return false;
  if (Array.isArray(v.issues)) {
    const first: unknown = v.issues[0];
    return (
      first === undefined ||
      (isRecord(first) && typeof first.rule === "string" && typeof first.component === "string")
    );
  }
  if (Array.isArray(v.hotspots)) {
    const first: unknown = v.hotspots[0];
    return first === undefined || (isRecord(first) && "vulnerabilityProbability" in first);
  }
  return false;
}

interface Lookups {
  paths: Map<string, string>;
  ruleNames: Map<string, string>;
}

/** Component key → repo path: the `components[]` entry, else the key after `<project>:`. */
function fileOf(component: string, project: string | undefined, lookups: Lookups): string | undefined {
  const known = lookups.paths.get(component);
  if (known) return known;
  if (project) return component.startsWith(`${project}:`) ? component.slice(project.length + 1) : undefined;
  const cut = component.lastIndexOf(":");
  return cut === -1 ? undefined : component.slice(cut + 1);
}

function isSecurity(issue: Issue): boolean {
  if (issue.type && SECURITY_TYPES.has(issue.type)) return true;
  return issue.impacts?.some((impact) => impact.softwareQuality === "SECURITY") ?? false;
}

function issueSeverity(issue: Issue): { severity: Severity; raw: string } {
  const impact = issue.impacts?.find((i) => i.softwareQuality === "SECURITY");
  const fromImpact = impact ? IMPACT_SEVERITY[impact.severity] : undefined;
  if (impact && fromImpact) return { severity: fromImpact, raw: `impact=SECURITY:${impact.severity}` };
  const legacy = issue.severity ?? "";
  return { severity: LEGACY_SEVERITY[legacy] ?? "medium", raw: `severity=${legacy}` };
}

function suppression(...states: Array<string | undefined>): NormalizedFinding["suppressed"] {
  const accepted = states.find((s) => s !== undefined && ACCEPTED.has(s));
  return accepted ? { kind: "external", justification: accepted } : undefined;
}

function issueFinding(issue: Issue, lookups: Lookups): NormalizedFinding | undefined {
  if (!isSecurity(issue) || issue.status === "CLOSED") return undefined;
  if (GONE.has(issue.resolution ?? "") || GONE.has(issue.issueStatus ?? "")) return undefined;
  const { severity, raw } = issueSeverity(issue);
  const startLine = issue.textRange?.startLine ?? issue.line;
  return makeFinding({
    category: "sast",
    tool: TOOL,
    rule: { id: issue.rule, name: lookups.ruleNames.get(issue.rule) },
    title: issue.message ?? lookups.ruleNames.get(issue.rule) ?? issue.rule,
    severity,
    rawSeverity: issue.type ? `${raw} type=${issue.type}` : raw,
    location: {
      file: fileOf(issue.component, issue.project, lookups),
      startLine,
      endLine: issue.textRange?.endLine ?? startLine,
    },
    fingerprints: { lineHash: issue.hash },
    toolId: issue.key,
    tags: [...(issue.tags ?? []), issue.type === "SECURITY_HOTSPOT" ? "security-hotspot" : undefined],
    suppressed: suppression(issue.resolution, issue.issueStatus),
  });
}

function hotspotFinding(hotspot: Hotspot, lookups: Lookups): NormalizedFinding | undefined {
  if (hotspot.resolution === "FIXED") return undefined;
  const startLine = hotspot.textRange?.startLine ?? hotspot.line;
  const ruleId = hotspot.ruleKey ?? hotspot.securityCategory ?? "security-hotspot";
  return makeFinding({
    category: "sast",
    tool: TOOL,
    rule: { id: ruleId, name: lookups.ruleNames.get(ruleId) },
    title: hotspot.message ?? ruleId,
    severity: IMPACT_SEVERITY[hotspot.vulnerabilityProbability] ?? "medium",
    rawSeverity: `vulnerabilityProbability=${hotspot.vulnerabilityProbability}`,
    location: {
      file: fileOf(hotspot.component, hotspot.project, lookups),
      startLine,
      endLine: hotspot.textRange?.endLine ?? startLine,
    },
    toolId: hotspot.key,
    tags: ["security-hotspot", hotspot.securityCategory],
    suppressed:
      hotspot.status === "REVIEWED" && hotspot.resolution
        ? { kind: "external", justification: hotspot.resolution }
        : undefined,
  });
}

function lookupsOf(response: z.infer<typeof Response>): Lookups {
  const paths = new Map<string, string>();
  (response.components ?? []).forEach((raw, i) => {
    const component = parseShape(Component, raw, FORMAT, `components[${i}]`);
    if (component.path) paths.set(component.key, component.path);
  });
  const ruleNames = new Map<string, string>();
  (response.rules ?? []).forEach((raw, i) => {
    const rule = parseShape(Rule, raw, FORMAT, `rules[${i}]`);
    if (rule.name) ruleNames.set(rule.key, rule.name);
  });
  return { paths, ruleNames };
}

function parse(doc: ReportDocument): ParsedReport {
  const response = parseShape(Response, doc.syntax === "json" ? doc.value : undefined, FORMAT);
  const lookups = lookupsOf(response);
  const findings: NormalizedFinding[] = [];
  (response.issues ?? []).forEach((raw, i) => {
    const finding = issueFinding(parseShape(Issue, raw, FORMAT, `issues[${i}]`), lookups);
    if (finding) findings.push(finding);
  });
  (response.hotspots ?? []).forEach((raw, i) => {
    const finding = hotspotFinding(parseShape(Hotspot, raw, FORMAT, `hotspots[${i}]`), lookups);
    if (finding) findings.push(finding);
  });
  return { tool: TOOL, findings };
}

export const sonarqubeJson: ReportFormat = {
  id: FORMAT,
  tools: "SonarQube / SonarCloud (Web API `api/issues/search`, `api/hotspots/search`)",
  description:
    "SonarQube issues and hotspots API JSON: security issues only (vulnerabilities, hotspots, SECURITY impacts)",
  detect,
  parse,
};
