import { z } from "zod";
import type { NormalizedFinding } from "#shared/domain/finding";
import { severityFromWord } from "#shared/domain/severity";
import { isRecord, type ReportDocument } from "./document.ts";
import { makeFinding } from "./finding-builder.ts";
import type { ParsedReport, ReportFormat } from "./format.ts";
import { ParseError } from "./parse-error.ts";
import { parseShape } from "./shape.ts";

/**
 * Terrascan (`terrascan scan -o json`): `{results: {violations, skipped_violations, scan_summary,
 * scan_errors?, passed_rules?}}`; a clean scan has `violations: null`. One finding per violation,
 * category `iac`; skipped violations (a `#ts:skip` comment or `--skip-rules`) are kept and suppressed
 * with their `skip_comment`. `passed_rules` and `scan_errors` are not findings. Severity HIGH,
 * MEDIUM, LOW one to one.
 */

const FORMAT = "terrascan-json";
const Str = z.string().nullish();

const Violation = z.object({
  rule_name: Str,
  description: Str,
  rule_id: z.string(),
  severity: Str,
  category: Str,
  skip_comment: Str,
  resource_name: Str,
  resource_type: Str,
  module_name: Str,
  file: Str,
  line: z.number().int().nullish(),
});
type Violation = z.infer<typeof Violation>;

const Report = z.object({
  results: z.object({
    violations: z.array(z.unknown()).nullish(),
    skipped_violations: z.array(z.unknown()).nullish(),
    scan_summary: z.object({ iac_type: Str }).nullish(),
  }),
});

const TOOL = { name: "Terrascan" };

function toFinding(v: Violation, skipped: boolean, iacType: string | undefined): NormalizedFinding {
  const resource = [v.resource_type, v.resource_name].filter(Boolean).join(".");
  return makeFinding({
    category: "iac",
    tool: TOOL,
    rule: { id: v.rule_id, name: v.rule_name ?? undefined },
    title: v.description || v.rule_name || v.rule_id,
    severity: severityFromWord(v.severity) ?? "medium",
    rawSeverity: v.severity ?? undefined,
    location: { file: v.file ?? undefined, startLine: v.line ?? undefined, resource: resource || undefined },
    tags: [
      v.category ? `category:${v.category}` : undefined,
      iacType ? `iac:${iacType}` : undefined,
      v.module_name ? `module:${v.module_name}` : undefined,
    ],
    suppressed: skipped ? { kind: "skipped", justification: v.skip_comment ?? undefined } : undefined,
  });
}

export const terrascanJson: ReportFormat = {
  id: FORMAT,
  tools:
    "Terrascan (`terrascan scan -o json`: Terraform, Kubernetes, Helm, Kustomize, CloudFormation, ARM, Docker)",
  description: "Terrascan JSON: one finding per policy violation, skipped ones suppressed",
  detect(doc: ReportDocument): boolean {
    return (
      doc.syntax === "json" &&
      isRecord(doc.value) &&
      isRecord(doc.value.results) &&
      isRecord(doc.value.results.scan_summary) &&
      "violations" in doc.value.results
    );
  },
  parse(doc: ReportDocument): ParsedReport {
    if (doc.syntax !== "json") throw new ParseError("not a JSON document", FORMAT);
    const { results } = parseShape(Report, doc.value, FORMAT);
    const iacType = results.scan_summary?.iac_type ?? undefined;
    const findings: NormalizedFinding[] = [];
    for (const [key, skipped] of [
      ["violations", false],
      ["skipped_violations", true],
    ] as const) {
      (results[key] ?? []).forEach((raw, i) => {
        findings.push(
          toFinding(parseShape(Violation, raw, FORMAT, `results.${key}[${i}]`), skipped, iacType),
        );
      });
    }
    return { tool: TOOL, findings };
  },
};
