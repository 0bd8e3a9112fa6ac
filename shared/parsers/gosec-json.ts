import { z } from "zod";
import type { NormalizedFinding } from "#shared/domain/finding";
import { severityFromWord } from "#shared/domain/severity";
import { hashSnippet } from "#shared/domain/snippet";
import { isRecord, type ReportDocument } from "./document.ts";
import { makeFinding } from "./finding-builder.ts";
import type { ParsedReport, ReportFormat } from "./format.ts";
import { parseShape } from "./shape.ts";

/**
 * gosec `-fmt json`: one finding per `Issues[]` entry; `Golang errors` (packages that failed to
 * build) and `Stats` are not findings. Severity is gosec's HIGH/MEDIUM/LOW, kept with the
 * confidence in `rawSeverity`. `line` is a string and may be a range (`"96-98"`). Issues gosec
 * reports despite a `#nosec` (`-show-ignored`, `-track-suppressions`) are kept as suppressed.
 * Paths are absolute as gosec writes them.
 */

const FORMAT = "gosec-json";

const LINE = /^(\d+)(?:-(\d+))?$/;
/** gosec prefixes every code line with its number, a colon and a space. */
const NUMBERED_LINE = /^(\d+): ?(.*)$/;

const Issue = z.object({
  severity: z.string(),
  confidence: z.string().optional(),
  // gosec < 2.4 wrote `ID`/`URL`
  cwe: z
    .object({
      id: z.union([z.string(), z.number()]).optional(),
      ID: z.union([z.string(), z.number()]).optional(),
    })
    .nullish(),
  rule_id: z.string(),
  details: z.string(),
  file: z.string(),
  code: z.string().optional(),
  line: z.union([z.number().int().nonnegative(), z.string().regex(LINE)]),
  nosec: z.boolean().optional(),
  suppressions: z
    .array(z.object({ kind: z.string().optional(), justification: z.string().optional() }))
    .nullish(),
  autofix: z.string().optional(),
});
type Issue = z.infer<typeof Issue>;

const Report = z.object({ Issues: z.array(z.unknown()).nullish(), GosecVersion: z.string().optional() });

/** gosec's run metrics (`files`, `lines`, `nosec`, `found`), written by every version. */
function isStats(value: unknown): boolean {
  return isRecord(value) && "files" in value && "lines" in value && "found" in value;
}

/**
 * `Issues` (a list, or `null` when nothing was found) beside `Stats`. `Golang errors` and
 * `GosecVersion` (2.9+) are not required: reports trimmed by CI wrappers drop them.
 */
function detect(doc: ReportDocument): boolean {
  if (doc.syntax !== "json" || !isRecord(doc.value)) return false;
  const v = doc.value;
  const issues = v.Issues;
  if (!(Array.isArray(issues) || issues === null) || !isRecord(v.Stats)) return false;
  return "Golang errors" in v || "GosecVersion" in v || isStats(v.Stats);
}

function lineRange(line: Issue["line"]): { start: number; end: number } {
  if (typeof line === "number") return { start: line, end: line };
  const match = LINE.exec(line);
  const start = Number(match?.[1]);
  return { start, end: match?.[2] ? Number(match[2]) : start };
}

/** The flagged lines of gosec's numbered `code` context, prefixes stripped. */
function flaggedCode(code: string, from: number, to: number): string | undefined {
  const picked: string[] = [];
  for (const line of code.split("\n")) {
    const match = NUMBERED_LINE.exec(line);
    const n = Number(match?.[1]);
    if (n >= from && n <= to) picked.push(match?.[2] ?? "");
  }
  return picked.length ? picked.join("\n") : undefined;
}

function confidenceOf(word: string | undefined): "high" | "medium" | "low" | undefined {
  const w = word?.toLowerCase();
  return w === "high" || w === "medium" || w === "low" ? w : undefined;
}

function suppressionOf(issue: Issue): NormalizedFinding["suppressed"] {
  const first = issue.suppressions?.[0];
  if (first) return { kind: first.kind ?? "inSource", justification: first.justification };
  return issue.nosec ? { kind: "inSource" } : undefined;
}

function toFinding(issue: Issue, tool: ParsedReport["tool"]): NormalizedFinding {
  const { start, end } = lineRange(issue.line);
  return makeFinding({
    category: "sast",
    tool,
    rule: { id: issue.rule_id },
    title: issue.details,
    severity: severityFromWord(issue.severity) ?? "medium",
    rawSeverity: `severity=${issue.severity}${issue.confidence ? ` confidence=${issue.confidence}` : ""}`,
    confidence: confidenceOf(issue.confidence),
    cwes: [issue.cwe?.id ?? issue.cwe?.ID],
    location: {
      file: issue.file,
      startLine: start,
      endLine: end,
      snippetHash: hashSnippet(issue.code ? flaggedCode(issue.code, start, end) : undefined),
    },
    suppressed: suppressionOf(issue),
    remediation: issue.autofix,
  });
}

function parse(doc: ReportDocument): ParsedReport {
  const report = parseShape(Report, doc.syntax === "json" ? doc.value : undefined, FORMAT);
  const tool = report.GosecVersion ? { name: "gosec", version: report.GosecVersion } : { name: "gosec" };
  const findings = (report.Issues ?? []).map((raw, i) =>
    toFinding(parseShape(Issue, raw, FORMAT, `Issues[${i}]`), tool),
  );
  return { tool, findings };
}

export const gosecJson: ReportFormat = {
  id: FORMAT,
  tools: "gosec (`gosec -fmt json`)",
  description: "gosec JSON: Go SAST issues with severity, confidence, CWE and #nosec suppressions",
  detect,
  parse,
};
