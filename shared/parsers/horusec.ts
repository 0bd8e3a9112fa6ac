import { z } from "zod";
import type { Category, NormalizedFinding } from "#shared/domain/finding";
import { severityFromWord } from "#shared/domain/severity";
import { hashSnippet } from "#shared/domain/snippet";
import { isRecord, type ReportDocument } from "./document.ts";
import { type FindingDraft, makeFinding } from "./finding-builder.ts";
import type { ParseContext, ParsedReport, ReportFormat } from "./format.ts";
import { ParseError } from "./parse-error.ts";
import { lineSecretRef } from "./secret-line.ts";
import { parseShape } from "./shape.ts";

/**
 * Horusec (`horusec start -o json`, v2.x): `{version, status, errors, analysisVulnerabilities:
 * [{vulnerabilities: {…}}]}`; a clean run has `analysisVulnerabilities: []` or `null`. One finding
 * per entry. Horusec runs many engines; the category comes from the engine and language: `Leaks` →
 * secret, dependency auditors (npm/yarn audit, Safety, bundler-audit, …) → sca, IaC checkers → iac,
 * the rest → sast. Entries of type `Corrected` are not findings; `False Positive` and
 * `Risk Accepted` are kept and suppressed.
 *
 * A leak is reported only as the source line that holds it: only its salted hash is kept, never
 * the line, its snippet hash or Horusec's `vulnHash` (an unsalted hash over it).
 */

const FORMAT = "horusec-json";
const Str = z.string().nullish();
const NumberLike = z.union([z.string(), z.number()]).nullish();

const Entry = z.object({
  vulnerabilityID: Str,
  line: NumberLike,
  column: NumberLike,
  confidence: Str,
  file: Str,
  code: Str,
  details: z.string(),
  securityTool: Str,
  language: Str,
  severity: Str,
  type: Str,
  rule_id: Str,
  commitHash: Str,
  vulnHash: Str,
});
type Entry = z.infer<typeof Entry>;

const Report = z.object({
  version: Str,
  analysisVulnerabilities: z.array(z.object({ vulnerabilities: z.unknown() })).nullish(),
});

const DEPENDENCY_TOOLS = new Set([
  "npmaudit",
  "yarnaudit",
  "safety",
  "bundleraudit",
  "mixaudit",
  "nancy",
  "owaspdependencycheck",
  "dotnetcli",
]);
const IAC_TOOLS = new Set(["tfsec", "checkov", "trivy"]);
// `(1/1) * Possible vulnerability detected: SQL Injection`
const HORUSEC_PREFIX = /^\(\d+\/\d+\)\s*\*\s*Possible vulnerability detected:\s*/;
const CONFIDENCE: Record<string, "high" | "medium" | "low"> = { HIGH: "high", MEDIUM: "medium", LOW: "low" };

function categoryOf(e: Entry): Category {
  const tool = (e.securityTool ?? "").toLowerCase().replace(/[\s_-]/g, "");
  if ((e.language ?? "").toLowerCase() === "leaks" || tool === "gitleaks") return "secret";
  if (DEPENDENCY_TOOLS.has(tool)) return "sca";
  if (IAC_TOOLS.has(tool)) return "iac";
  return "sast";
}

function lineOf(value: string | number | null | undefined): number | undefined {
  const n = typeof value === "number" ? value : Number.parseInt(value ?? "", 10);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

function suppressionOf(type: string | undefined | null): FindingDraft["suppressed"] {
  const word = (type ?? "").toLowerCase();
  if (word === "false positive") return { kind: "false_positive" };
  if (word === "risk accepted") return { kind: "risk_accepted" };
  return undefined;
}

function toFinding(e: Entry, tool: ParsedReport["tool"], salt: string): NormalizedFinding | undefined {
  if ((e.type ?? "").toLowerCase() === "corrected") return undefined;
  const category = categoryOf(e);
  const [line = e.details] = e.details.split("\n");
  const first = line.replace(HORUSEC_PREFIX, "").trim() || line;
  const secret = category === "secret";
  return makeFinding({
    category,
    tool,
    rule: { id: e.rule_id || first, name: e.rule_id ? first : undefined },
    title: first,
    description: e.details,
    severity: severityFromWord(e.severity) ?? "medium",
    rawSeverity: e.severity ?? undefined,
    confidence: CONFIDENCE[(e.confidence ?? "").toUpperCase()],
    // Horusec names CWEs in the text of its details
    cwes: [e.details],
    location: {
      file: e.file ?? undefined,
      startLine: lineOf(e.line),
      snippetHash: secret ? undefined : hashSnippet(e.code ?? undefined),
    },
    fingerprints: {
      "horusec/vulnHash": secret ? undefined : (e.vulnHash ?? undefined),
      commit: e.commitHash && e.commitHash !== "-" ? e.commitHash : undefined,
    },
    toolId: e.vulnerabilityID ?? undefined,
    secret: secret ? lineSecretRef(e.code ?? undefined, salt) : undefined,
    tags: [
      e.securityTool ? `engine:${e.securityTool}` : undefined,
      e.language ? `language:${e.language}` : undefined,
    ],
    suppressed: suppressionOf(e.type),
  });
}

function detect(doc: ReportDocument): boolean {
  if (doc.syntax !== "json" || !isRecord(doc.value)) return false;
  const v = doc.value;
  return (
    "analysisVulnerabilities" in v &&
    (Array.isArray(v.analysisVulnerabilities) || v.analysisVulnerabilities === null) &&
    typeof v.status === "string" &&
    "createdAt" in v
  );
}

export const horusecJson: ReportFormat = {
  id: FORMAT,
  tools:
    "Horusec v2 (`horusec start -o json`): HorusecEngine, GoSec, Bandit, Brakeman, npm/yarn audit, Safety, GitLeaks, …",
  description: "Horusec JSON: one finding per analysis vulnerability, leaks as salted line hashes",
  detect,
  parse(doc: ReportDocument, ctx: ParseContext): ParsedReport {
    if (doc.syntax !== "json") throw new ParseError("not a JSON document", FORMAT);
    const report = parseShape(Report, doc.value, FORMAT);
    const tool = report.version ? { name: "Horusec", version: report.version } : { name: "Horusec" };
    const findings: NormalizedFinding[] = [];
    (report.analysisVulnerabilities ?? []).forEach((a, i) => {
      const entry = parseShape(
        Entry,
        a.vulnerabilities,
        FORMAT,
        `analysisVulnerabilities[${i}].vulnerabilities`,
      );
      const finding = toFinding(entry, tool, ctx.secretSalt);
      if (finding) findings.push(finding);
    });
    return { tool, findings };
  },
};
