import type { NormalizedReport } from "#shared/domain/finding";
import { awsInspector2Json } from "./aws-inspector2.ts";
import { banditJson } from "./bandit-json.ts";
import { brakemanJson } from "./brakeman-json.ts";
import { burpXml } from "./burp.ts";
import { checkovJson } from "./checkov.ts";
import { cyclonedxJson, cyclonedxXml } from "./cyclonedx.ts";
import { dependencyCheckJson, dependencyCheckXml } from "./dependency-check.ts";
import { decodeReport, type ReportDocument, readDocument } from "./document.ts";
import type { ParseContext, ReportFormat } from "./format.ts";
import { githubDependabotJson } from "./github-dependabot.ts";
import { gitleaksJson } from "./gitleaks-json.ts";
import { gosecJson } from "./gosec-json.ts";
import { grypeJson } from "./grype-json.ts";
import { kicsJson } from "./kics.ts";
import { detectionView, hasLazy, materialize } from "./lazy-json.ts";
import { npmAuditJson } from "./npm-audit-json.ts";
import { nucleiJson } from "./nuclei.ts";
import { osvScannerJson } from "./osv-scanner-json.ts";
import { ParseError } from "./parse-error.ts";
import { prowlerCsv, prowlerJson } from "./prowler.ts";
import { sarif } from "./sarif.ts";
import { semgrepJson } from "./semgrep-json.ts";
import { snykJson } from "./snyk-json.ts";
import { sonarqubeJson } from "./sonarqube-json.ts";
import { spdxJson } from "./spdx-json.ts";
import { tfsecJson } from "./tfsec.ts";
import { trivyJson } from "./trivy-json.ts";
import { trufflehog3Json, trufflehogJson } from "./trufflehog.ts";
import { zapJson, zapXml } from "./zap.ts";

/**
 * Every format we read. Adding one: write its module, its fixtures and tests, then add it here.
 * Detection must be unambiguous: the registry test runs every fixture through every detector.
 */
export const FORMATS: readonly ReportFormat[] = [
  sarif,
  // --- SCA and container formats ---
  trivyJson,
  grypeJson,
  snykJson,
  osvScannerJson,
  npmAuditJson,
  dependencyCheckJson,
  dependencyCheckXml,
  cyclonedxJson,
  cyclonedxXml,
  spdxJson,
  githubDependabotJson,
  awsInspector2Json,
  // --- SAST and secrets formats ---
  semgrepJson,
  gitleaksJson,
  trufflehogJson,
  trufflehog3Json,
  banditJson,
  gosecJson,
  brakemanJson,
  sonarqubeJson,
  // --- IaC, DAST and cloud formats ---
  checkovJson,
  kicsJson,
  tfsecJson,
  zapJson,
  zapXml,
  burpXml,
  nucleiJson,
  prowlerJson,
  prowlerCsv,
];

export function formatById(id: string): ReportFormat | undefined {
  return FORMATS.find((f) => f.id === id);
}

export function detectFormat(doc: ReportDocument): ReportFormat {
  const matches = FORMATS.filter((f) => safeDetect(f, doc));
  if (matches.length === 1 && matches[0]) return matches[0];
  if (matches.length > 1) {
    throw new ParseError(
      `ambiguous input: it looks like ${matches.map((m) => m.id).join(" and ")}; pass --format`,
    );
  }
  throw new ParseError(
    `unsupported input: ${describe(doc)} matches no known format. We read: ${FORMATS.map((f) => f.id).join(", ")}`,
  );
}

function safeDetect(format: ReportFormat, doc: ReportDocument): boolean {
  try {
    return format.detect(doc);
  } catch {
    return false;
  }
}

function describe(doc: ReportDocument): string {
  switch (doc.syntax) {
    case "json": {
      const v = doc.value;
      if (Array.isArray(v)) return `a JSON array of ${v.length} items`;
      if (v && typeof v === "object")
        return `a JSON object with keys [${Object.keys(v).slice(0, 8).join(", ")}]`;
      return "a JSON scalar";
    }
    case "jsonl":
      return `JSON Lines (${doc.values.length} records)`;
    case "xml":
      return `XML with root <${doc.root}>`;
    case "csv":
      return `CSV starting ${JSON.stringify(doc.head.split("\n", 1)[0]?.slice(0, 80))}`;
  }
}

/**
 * Bytes to a normalized report: the one code path behind `aspm parse` and the normalize Lambda.
 * Anything a parser throws that is not already a ParseError becomes one naming the format, so
 * bad input always ends as a clear, typed error.
 */
export function parseReport(bytes: Uint8Array, ctx: ParseContext, formatId?: string): NormalizedReport {
  let doc = readDocument(decodeReport(bytes));
  const lazy = doc.syntax === "json" && hasLazy(doc.value);
  // detectors see plain arrays (the first element of each lazy one): they only look at shapes
  const probe: ReportDocument =
    lazy && doc.syntax === "json" ? { syntax: "json", value: detectionView(doc.value) } : doc;
  const format = formatId ? formatById(formatId) : detectFormat(probe);
  if (!format) {
    throw new ParseError(`unknown format "${formatId}". We read: ${FORMATS.map((f) => f.id).join(", ")}`);
  }
  if (formatId && !safeDetect(format, probe)) {
    throw new ParseError(`the input is ${describe(doc)}, not a ${format.id} report`, format.id);
  }
  if (lazy && !format.lazyArrays && doc.syntax === "json")
    doc = { syntax: "json", value: materialize(doc.value) };
  try {
    const parsed = format.parse(doc, ctx);
    return {
      format: format.id,
      tool: parsed.tool,
      count: parsed.findings.length,
      findings: parsed.findings,
      ...(parsed.components?.length ? { components: parsed.components } : {}),
    };
  } catch (error) {
    if (error instanceof ParseError)
      throw error.format ? error : new ParseError(error.message, format.id, error.where);
    throw new ParseError(
      `could not read the report: ${(error as Error).message ?? String(error)}`,
      format.id,
    );
  }
}
