import { z } from "zod";
import type { NormalizedFinding, Severity } from "#shared/domain/finding";
import { hashSnippet } from "#shared/domain/snippet";
import { isRecord, type ReportDocument } from "./document.ts";
import { makeFinding } from "./finding-builder.ts";
import type { ParsedReport, ReportFormat } from "./format.ts";
import { parseShape } from "./shape.ts";

/**
 * Brakeman `-f json`: one finding per `warnings[]` entry, plus `ignored_warnings[]` (silenced in
 * brakeman.ignore) kept as suppressed `external`; `errors[]` and `obsolete[]` are not findings.
 * Brakeman grades confidence only, so severity follows it as Brakeman's own SARIF writer does
 * (High→error, Medium→warning, Weak→note): High→high, Medium→medium, Weak→low. The rule id is
 * `BRAKE<warning_code>` as in that SARIF output, so both report kinds correlate; the warning
 * `fingerprint` is Brakeman's stable id.
 */

const FORMAT = "brakeman-json";

const CONFIDENCE: Record<string, "high" | "medium" | "low"> = {
  high: "high",
  medium: "medium",
  weak: "low",
  low: "low",
};

const Warning = z.object({
  warning_type: z.string(),
  warning_code: z.number().int().nonnegative().optional(),
  fingerprint: z.string(),
  check_name: z.string().optional(),
  message: z.string(),
  file: z.string(),
  line: z.number().int().nonnegative().nullish(),
  link: z.string().optional(),
  code: z.string().nullish(),
  location: z
    .object({
      type: z.string().optional(),
      class: z.string().optional(),
      method: z.string().optional(),
      template: z.string().optional(),
      model: z.string().optional(),
      controller: z.string().optional(),
    })
    .nullish(),
  user_input: z.string().nullish(),
  confidence: z.string(),
  cwe_id: z.array(z.number()).optional(),
  note: z.string().optional(),
});
type Warning = z.infer<typeof Warning>;

const Report = z.object({
  scan_info: z.object({ brakeman_version: z.string().optional() }),
  warnings: z.array(z.unknown()),
  ignored_warnings: z.array(z.unknown()).optional(),
});

function detect(doc: ReportDocument): boolean {
  if (doc.syntax !== "json" || !isRecord(doc.value)) return false;
  return isRecord(doc.value.scan_info) && Array.isArray(doc.value.warnings);
}

/** Where in the app: `Controller#action`, the template or the model. */
function resourceOf(location: Warning["location"]): string | undefined {
  if (!location) return undefined;
  if (location.class && location.method) return `${location.class}#${location.method}`;
  return location.template ?? location.model ?? location.controller ?? location.class;
}

function ruleId(warning: Warning): string {
  if (warning.warning_code === undefined) return warning.check_name ?? warning.warning_type;
  return `BRAKE${String(warning.warning_code).padStart(4, "0")}`;
}

function toFinding(warning: Warning, tool: ParsedReport["tool"], ignored: boolean): NormalizedFinding {
  const confidence = CONFIDENCE[warning.confidence.toLowerCase()];
  const severity: Severity = confidence ?? "medium";
  const description = [
    warning.message,
    warning.code ? `Code: ${warning.code}` : undefined,
    warning.user_input ? `User input: ${warning.user_input}` : undefined,
  ]
    .filter(Boolean)
    .join("\n");
  return makeFinding({
    category: "sast",
    tool,
    rule: { id: ruleId(warning), name: warning.warning_type },
    title: warning.message,
    description,
    severity,
    rawSeverity: `confidence=${warning.confidence}`,
    confidence,
    cwes: warning.cwe_id ?? [],
    location: {
      file: warning.file,
      startLine: warning.line ?? undefined,
      endLine: warning.line ?? undefined,
      snippetHash: hashSnippet(warning.code ?? undefined),
      resource: resourceOf(warning.location),
    },
    fingerprints: { brakeman: warning.fingerprint },
    toolId: warning.fingerprint,
    references: [warning.link],
    tags: [warning.check_name],
    suppressed: ignored ? { kind: "external", justification: warning.note } : undefined,
  });
}

function parse(doc: ReportDocument): ParsedReport {
  const report = parseShape(Report, doc.syntax === "json" ? doc.value : undefined, FORMAT);
  const version = report.scan_info.brakeman_version;
  const tool = version ? { name: "brakeman", version } : { name: "brakeman" };
  const findings = report.warnings.map((raw, i) =>
    toFinding(parseShape(Warning, raw, FORMAT, `warnings[${i}]`), tool, false),
  );
  (report.ignored_warnings ?? []).forEach((raw, i) => {
    findings.push(toFinding(parseShape(Warning, raw, FORMAT, `ignored_warnings[${i}]`), tool, true));
  });
  return { tool, findings };
}

export const brakemanJson: ReportFormat = {
  id: FORMAT,
  tools: "Brakeman (`brakeman -f json`)",
  description:
    "Brakeman JSON: Rails SAST warnings graded by confidence; brakeman.ignore entries kept as suppressed",
  detect,
  parse,
};
