import { z } from "zod";
import type { NormalizedFinding } from "#shared/domain/finding";
import { repoRelative } from "#shared/domain/path";
import { severityFromWord } from "#shared/domain/severity";
import { isRecord, type ReportDocument } from "./document.ts";
import { emptyList } from "./empty-report.ts";
import { makeFinding } from "./finding-builder.ts";
import type { ParsedReport, ReportFormat } from "./format.ts";
import { parseShape } from "./shape.ts";

/**
 * tfsec `--format json`: `{results: [...]}`; a clean run writes `{"results": null}` (0.x) or
 * `{"results": []}` (1.x). The latter is also OSV-Scanner's clean run, so from content alone it
 * is ambiguous: pass `--format tfsec-json`.
 * Severity CRITICAL/HIGH/MEDIUM/LOW one to one (pre-1.0 ERROR/WARNING/INFO through the shared word
 * list). `status` 1 (passed, with `--include-passed`) is not a finding; 2 (ignored by a `tfsec:ignore`
 * comment, with `--include-ignored`) is kept as suppressed. `rule_id` is the AVD id Trivy also uses,
 * so tfsec and Trivy misconfigurations share rule ids.
 */

const FORMAT = "tfsec-json";
const STATUS_PASSED = 1;
const STATUS_IGNORED = 2;

const Result = z.object({
  rule_id: z.string(),
  long_id: z.string().nullish(),
  rule_description: z.string().nullish(),
  rule_provider: z.string().nullish(),
  rule_service: z.string().nullish(),
  impact: z.string().nullish(),
  resolution: z.string().nullish(),
  links: z.array(z.string()).nullish(),
  link: z.string().nullish(),
  description: z.string().nullish(),
  severity: z.string().nullish(),
  warning: z.boolean().nullish(),
  status: z.number().nullish(),
  resource: z.string().nullish(),
  location: z.object({
    filename: z.string(),
    start_line: z.number().nullish(),
    end_line: z.number().nullish(),
  }),
});

const Report = z.object({ results: z.array(z.unknown()).nullable() });

function detect(doc: ReportDocument): boolean {
  if (doc.syntax !== "json" || !isRecord(doc.value)) return false;
  const results = doc.value.results;
  if (!Array.isArray(results)) return false;
  const first = results[0];
  return (
    isRecord(first) &&
    typeof first.rule_id === "string" &&
    isRecord(first.location) &&
    typeof first.location.filename === "string"
  );
}

function parse(doc: ReportDocument): ParsedReport {
  const report = parseShape(Report, doc.syntax === "json" ? doc.value : undefined, FORMAT);
  const tool = { name: "tfsec" };
  const findings: NormalizedFinding[] = [];
  (report.results ?? []).forEach((raw, i) => {
    const result = parseShape(Result, raw, FORMAT, `results[${i}]`);
    if (result.status === STATUS_PASSED) return;
    const startLine = result.location.start_line ?? undefined;
    findings.push(
      makeFinding({
        category: "iac",
        tool,
        rule: { id: result.rule_id, name: result.long_id ?? undefined },
        title: result.rule_description ?? result.description ?? result.rule_id,
        description:
          [result.description, result.impact ? `Impact: ${result.impact}` : undefined]
            .filter(Boolean)
            .join("\n") || undefined,
        severity: severityFromWord(result.severity) ?? "medium",
        rawSeverity: result.severity ?? undefined,
        cwes: [],
        location: {
          file: repoRelative(result.location.filename),
          startLine,
          endLine: result.location.end_line ?? startLine,
          resource: result.resource ?? undefined,
        },
        remediation: result.resolution ?? undefined,
        references: [...(result.links ?? []), result.link ?? undefined],
        tags: [
          result.rule_provider ?? undefined,
          result.rule_service ?? undefined,
          result.warning ? "warning" : undefined,
        ],
        suppressed: result.status === STATUS_IGNORED ? { kind: "ignored" } : undefined,
      }),
    );
  });
  return { tool, findings };
}

export const tfsecJson: ReportFormat = {
  id: FORMAT,
  tools: "tfsec (Aqua Security)",
  description: "tfsec --format json: failed Terraform checks (ignored ones as suppressed), AVD rule ids",
  detect,
  isEmptyReport: emptyList("results", { allowNull: true }),
  parse,
};
