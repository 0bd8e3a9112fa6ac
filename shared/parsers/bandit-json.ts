import { z } from "zod";
import type { NormalizedFinding } from "#shared/domain/finding";
import { maskSecretIn, redactSecret } from "#shared/domain/secret";
import { severityFromWord } from "#shared/domain/severity";
import { hashSnippet } from "#shared/domain/snippet";
import { isRecord, type ReportDocument } from "./document.ts";
import { type FindingDraft, makeFinding } from "./finding-builder.ts";
import type { ParseContext, ParsedReport, ReportFormat } from "./format.ts";
import { parseShape } from "./shape.ts";

/**
 * Bandit `-f json`: one finding per `results[]` entry; `errors[]` (files bandit could not parse)
 * and `metrics` are not findings. Severity is `issue_severity` (HIGH/MEDIUM/LOW, UNDEFINED→info),
 * kept with the confidence in `rawSeverity`. The snippet hash covers only the flagged lines
 * (`line_range`) of `code`, without bandit's line-number prefixes, so edits to neighbouring lines
 * do not change it. Hardcoded-password tests (B105-B107) print the password in `issue_text`: it is
 * kept only as a salted secret ref and masked out of the title and the hashed snippet.
 */

const FORMAT = "bandit-json";

const Issue = z.object({
  filename: z.string(),
  line_number: z.number().int().nonnegative(),
  line_range: z.array(z.number().int().nonnegative()).optional(),
  code: z.string().optional(),
  issue_severity: z.string(),
  issue_confidence: z.string().optional(),
  issue_cwe: z
    .object({ id: z.union([z.number(), z.string()]).optional(), link: z.string().optional() })
    .optional(),
  issue_text: z.string(),
  test_id: z.string(),
  test_name: z.string().optional(),
  more_info: z.string().optional(),
});
type Issue = z.infer<typeof Issue>;

const Report = z.object({ results: z.array(z.unknown()) });

/** Bandit prefixes every code line with its number and a space (or a tab). */
const NUMBERED_LINE = /^(\d+)[ \t]?(.*)$/;
const HARDCODED_PASSWORD = /^Possible hardcoded password: '([\s\S]*)'$/;
const DOCS_VERSION = /bandit\.readthedocs\.io\/en\/(\d[\w.]*)\//;

function detect(doc: ReportDocument): boolean {
  if (doc.syntax !== "json" || !isRecord(doc.value)) return false;
  const v = doc.value;
  if (!Array.isArray(v.results)) return false;
  const first: unknown = v.results[0];
  if (first === undefined) return isRecord(v.metrics) && typeof v.generated_at === "string";
  return isRecord(first) && typeof first.test_id === "string" && "issue_severity" in first;
}

/** The flagged lines of bandit's numbered `code`, prefixes stripped. */
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

function toFinding(issue: Issue, tool: ParsedReport["tool"], ctx: ParseContext): NormalizedFinding {
  const range = issue.line_range?.length ? issue.line_range : [issue.line_number];
  const from = Math.min(issue.line_number, ...range);
  const to = Math.max(issue.line_number, ...range);
  const code = issue.code ? flaggedCode(issue.code, from, to) : undefined;
  const password = HARDCODED_PASSWORD.exec(issue.issue_text)?.[1] || undefined;
  const draft: FindingDraft = {
    category: "sast",
    tool,
    rule: { id: issue.test_id, name: issue.test_name },
    title: issue.issue_text,
    severity: severityFromWord(issue.issue_severity) ?? "medium",
    rawSeverity: `severity=${issue.issue_severity} confidence=${issue.issue_confidence ?? "UNDEFINED"}`,
    confidence: confidenceOf(issue.issue_confidence),
    cwes: [issue.issue_cwe?.id],
    location: { file: issue.filename, startLine: from, endLine: to, snippetHash: hashSnippet(code) },
    references: [issue.more_info],
  };
  if (password) {
    draft.secret = redactSecret(password, ctx.secretSalt);
    draft.title =
      password.length >= 4 ? maskSecretIn(issue.issue_text, password) : "Possible hardcoded password";
    draft.location = { ...draft.location, snippetHash: hashSnippet(code?.split(password).join("<secret>")) };
  }
  return makeFinding(draft);
}

function parse(doc: ReportDocument, ctx: ParseContext): ParsedReport {
  const report = parseShape(Report, doc.syntax === "json" ? doc.value : undefined, FORMAT);
  const issues = report.results.map((raw, i) => parseShape(Issue, raw, FORMAT, `results[${i}]`));
  // bandit writes no version field; its docs links carry it (`/en/1.9.4/plugins/…`)
  const version = DOCS_VERSION.exec(issues[0]?.more_info ?? "")?.[1];
  const tool = version ? { name: "bandit", version } : { name: "bandit" };
  return { tool, findings: issues.map((issue) => toFinding(issue, tool, ctx)) };
}

export const banditJson: ReportFormat = {
  id: FORMAT,
  tools: "Bandit (`bandit -f json`)",
  description: "Bandit JSON: Python SAST issues with severity, confidence and CWE",
  detect,
  parse,
};
