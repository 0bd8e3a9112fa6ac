import { z } from "zod";
import type { NormalizedFinding, Severity } from "#shared/domain/finding";
import { isRecord, type ReportDocument } from "./document.ts";
import { emptyArray } from "./empty-report.ts";
import { makeFinding } from "./finding-builder.ts";
import type { ParsedReport, ReportFormat } from "./format.ts";
import { ParseError } from "./parse-error.ts";
import { parseShape } from "./shape.ts";

/**
 * Hadolint (`hadolint -f json Dockerfile…`): a JSON array of `{line, column, code, message, file,
 * level}`, `[]` for a clean Dockerfile. One finding per entry, category `iac`. The rule is the
 * `DL` check or the embedded ShellCheck `SC` code. Level error → high, warning → medium,
 * info → low, style → info.
 */

const FORMAT = "hadolint-json";
const TOOL = { name: "Hadolint" };

const LEVEL: Record<string, Severity> = { error: "high", warning: "medium", info: "low", style: "info" };

const Entry = z.object({
  line: z.number().int(),
  column: z.number().int().nullish(),
  code: z.string(),
  message: z.string(),
  file: z.string(),
  level: z.string(),
});
type Entry = z.infer<typeof Entry>;

function isEntry(value: unknown): boolean {
  return (
    isRecord(value) &&
    typeof value.code === "string" &&
    typeof value.level === "string" &&
    typeof value.line === "number" &&
    typeof value.file === "string" &&
    typeof value.message === "string"
  );
}

function ruleUrl(code: string): string | undefined {
  if (code.startsWith("DL")) return `https://github.com/hadolint/hadolint/wiki/${code}`;
  if (code.startsWith("SC")) return `https://www.shellcheck.net/wiki/${code}`;
  return undefined;
}

function toFinding(e: Entry, where: string): NormalizedFinding {
  const severity = LEVEL[e.level.toLowerCase()];
  if (!severity) throw new ParseError(`unknown level "${e.level}"`, FORMAT, `${where}.level`);
  return makeFinding({
    category: "iac",
    tool: TOOL,
    rule: { id: e.code },
    title: e.message,
    severity,
    rawSeverity: e.level,
    location: { file: e.file, startLine: e.line },
    references: [ruleUrl(e.code)],
    tags: [e.code.startsWith("SC") ? "shellcheck" : undefined],
  });
}

export const hadolintJson: ReportFormat = {
  id: FORMAT,
  tools: "Hadolint (`hadolint -f json`), Dockerfile linter with ShellCheck",
  description: "Hadolint JSON: one finding per Dockerfile rule violation",
  detect(doc: ReportDocument): boolean {
    return doc.syntax === "json" && Array.isArray(doc.value) && isEntry(doc.value[0]);
  },
  // a clean Dockerfile is `[]`, which other tools write too: read only with --format
  isEmptyReport: emptyArray,
  parse(doc: ReportDocument): ParsedReport {
    if (doc.syntax !== "json" || !Array.isArray(doc.value)) throw new ParseError("not a JSON array", FORMAT);
    const findings = doc.value.map((raw, i) => toFinding(parseShape(Entry, raw, FORMAT, `[${i}]`), `[${i}]`));
    return { tool: TOOL, findings };
  },
};
