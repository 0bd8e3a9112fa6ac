import type { NormalizedFinding, NormalizedReport } from "#shared/domain/finding";
import { awsInspector2Json } from "./aws-inspector2.ts";
import { awsSecurityHubAsff } from "./aws-securityhub-asff.ts";
import { banditJson } from "./bandit-json.ts";
import { brakemanJson } from "./brakeman-json.ts";
import { burpXml } from "./burp.ts";
import { checkmarxOneJson, checkmarxXml } from "./checkmarx.ts";
import { checkovJson } from "./checkov.ts";
import { clairJson } from "./clair.ts";
import { cyclonedxJson, cyclonedxXml } from "./cyclonedx.ts";
import { dependencyCheckJson, dependencyCheckXml } from "./dependency-check.ts";
import { dockleJson } from "./dockle.ts";
import {
  inputLimits,
  isBlankReport,
  LazyLines,
  type ReportDocument,
  readReport,
  reportBytes,
} from "./document.ts";
import { EMPTY_FILE } from "./empty-report.ts";
import { withFindingCap } from "./finding-builder.ts";
import type { ParseContext, ReportFormat } from "./format.ts";
import { githubDependabotJson } from "./github-dependabot.ts";
import { githubDependabotGraphql } from "./github-dependabot-graphql.ts";
import { gitlabSecurityJson } from "./gitlab-security.ts";
import { gitleaksJson } from "./gitleaks-json.ts";
import { gosecJson } from "./gosec-json.ts";
import { grypeJson } from "./grype-json.ts";
import { hadolintJson } from "./hadolint.ts";
import { horusecJson } from "./horusec.ts";
import { kicsJson } from "./kics.ts";
import { detectionView, hasLazy, materialize, treeTooBig } from "./lazy-json.ts";
import { niktoJson, niktoXml } from "./nikto.ts";
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
import { terrascanJson } from "./terrascan.ts";
import { tfsecJson } from "./tfsec.ts";
import { trivyJson } from "./trivy-json.ts";
import { trufflehog3Json, trufflehogJson } from "./trufflehog.ts";
import { twistlockJson } from "./twistlock.ts";
import { veracodeXml } from "./veracode.ts";
import { wapitiJson } from "./wapiti.ts";
import { checkXmlDocument } from "./xml-bounds.ts";
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
  // --- added in issue 9: platform and commercial scanner formats ---
  gitlabSecurityJson,
  awsSecurityHubAsff,
  githubDependabotGraphql,
  checkmarxXml,
  checkmarxOneJson,
  veracodeXml,
  niktoJson,
  niktoXml,
  hadolintJson,
  dockleJson,
  terrascanJson,
  horusecJson,
  twistlockJson,
  clairJson,
  wapitiJson,
];

export function formatById(id: string): ReportFormat | undefined {
  return FORMATS.find((f) => f.id === id);
}

/** How a format claims a document: by its content, or as one of its tool's bare clean-run shapes. */
function claimOf(format: ReportFormat, doc: ReportDocument): "content" | "empty" | undefined {
  if (safely(() => format.detect(doc))) return "content";
  if (safely(() => format.isEmptyReport?.(doc) === true)) return "empty";
  return undefined;
}

/**
 * The one format that claims the document. Two or more claims are ambiguous, whatever they rest
 * on: a clean run's `[]` that several tools write cannot be told apart, and guessing would let
 * it resolve the findings of the wrong scanner.
 */
export function detectFormat(doc: ReportDocument): ReportFormat {
  const claims = FORMATS.map((f) => ({ f, claim: claimOf(f, doc) })).filter((c) => c.claim);
  const [only, ...others] = claims;
  if (only && others.length === 0) return only.f;
  if (only) {
    const ids = claims.map((c) => c.f.id);
    const what = claims.every((c) => c.claim === "empty")
      ? `${describe(doc)} is a report with no findings that ${listed(ids)} write`
      : `it looks like ${listed(ids)}`;
    throw new ParseError(`ambiguous input: ${what}; pass --format`);
  }
  throw new ParseError(
    `unsupported input: ${describe(doc)} matches no known format. We read: ${FORMATS.map((f) => f.id).join(", ")}`,
  );
}

/** `a`, `a and b`, `a, b and c`. */
function listed(items: string[]): string {
  return items.length < 2 ? items.join("") : `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}

function safely(check: () => boolean): boolean {
  try {
    return check();
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
      return v === null ? "the JSON literal null" : "a JSON scalar";
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
 * Big JSON Lines stay lazy only for the parser that walks them so, which detection from the first
 * record picks (it reads no more). For any other parser, and for detection among the others,
 * every record is parsed first, a malformed line refused, as for a small report.
 */
function jsonLinesFor(lines: LazyLines, declared: ReportFormat | undefined): ReportDocument {
  let reader = declared;
  if (!reader) {
    try {
      reader = detectFormat({ syntax: "jsonl", values: lines.head(1) });
    } catch (error) {
      if (!(error instanceof ParseError)) throw error;
    }
  }
  return { syntax: "jsonl", values: reader?.lazyArrays ? lines : lines.materialize() };
}

/** The declared format, or a clear error naming the ids we read. */
function declaredFormat(formatId: string): ReportFormat {
  const format = formatById(formatId);
  if (!format) {
    throw new ParseError(`unknown format "${formatId}". We read: ${FORMATS.map((f) => f.id).join(", ")}`);
  }
  return format;
}

/**
 * Bytes to a normalized report: the one code path behind `aspm parse` and the normalize Lambda.
 * Anything a parser throws that is not already a ParseError becomes one naming the format, so
 * bad input always ends as a clear, typed error. The input bounds (document.ts) are checked
 * before the memory they protect is allocated; the findings cap as findings are made.
 *
 * An empty input is a report only for a declared format whose tool writes an empty file when it
 * finds nothing (JSON Lines writers); undeclared, or for a tool that always writes a document,
 * it is refused: a scan that did not finish must not resolve every finding of its scope.
 */
export function parseReport(bytes: Uint8Array, ctx: ParseContext, formatId?: string): NormalizedReport {
  const findings: NormalizedFinding[] = [];
  const { components, ...summary } = parseReportTo(bytes, ctx, (f) => findings.push(f), formatId);
  return { ...summary, findings, ...(components ? { components } : {}) };
}

/** A normalized report without its findings, which went to the sink one by one. */
export type ReportSummary = Omit<NormalizedReport, "findings">;

/**
 * `parseReport`, handing each finding to `sink` in order as it is made: the parsers of big
 * reports (`findingList`) then never hold them all. An error the sink throws is rethrown as it is.
 */
export function parseReportTo(
  bytes: Uint8Array,
  ctx: ParseContext,
  sink: (finding: NormalizedFinding) => void,
  formatId?: string,
): ReportSummary {
  const limits = inputLimits(ctx.limits);
  const declared = formatId === undefined ? undefined : declaredFormat(formatId);
  const utf8 = reportBytes(bytes, limits.maxBytes);
  let doc: ReportDocument;
  if (!isBlankReport(utf8)) doc = readReport(utf8, limits);
  else if (!declared)
    throw new ParseError(
      "the input is empty; pass --format if your scanner writes an empty file when it finds nothing",
    );
  else if (declared.isEmptyReport?.(EMPTY_FILE)) doc = EMPTY_FILE;
  else {
    throw new ParseError(
      "the input is empty, but this tool writes a report even when it finds nothing: the scan did not finish",
      declared.id,
    );
  }
  if (doc.syntax === "jsonl" && doc.values instanceof LazyLines) doc = jsonLinesFor(doc.values, declared);
  const lazy = doc.syntax === "json" && hasLazy(doc.value);
  // detectors see plain arrays (the first element of each lazy one): they only look at shapes
  let probe: ReportDocument = doc;
  if (lazy && doc.syntax === "json") probe = { syntax: "json", value: detectionView(doc.value) };
  else if (doc.syntax === "jsonl" && doc.values instanceof LazyLines)
    probe = { syntax: "jsonl", values: doc.values.head(1) };
  let format: ReportFormat;
  try {
    format = declared ?? detectFormat(probe);
    if (declared && !claimOf(declared, probe)) {
      throw new ParseError(`the input is ${describe(doc)}, not a ${declared.id} report`, declared.id);
    }
  } catch (error) {
    // an input past a bound is refused for that, whatever its format
    if (doc.syntax === "xml") checkXmlDocument(doc.bytes, limits);
    throw error;
  }
  if (lazy && !format.lazyArrays && doc.syntax === "json") {
    // this parser reads plain arrays: the whole tree must fit the memory bound
    const fullBytes = doc.fullBytes ?? 0;
    if (fullBytes > limits.maxTreeBytes) throw treeTooBig(fullBytes, limits);
    doc = { syntax: "json", value: materialize(doc.value) };
  }
  // a record reader bounds what it reads as it reads it; this parser builds the whole tree
  if (doc.syntax === "xml" && !format.xmlRecords) checkXmlDocument(doc.bytes, limits);
  let sinkFailed: { error: unknown } | undefined;
  const pass = (finding: NormalizedFinding): void => {
    try {
      sink(finding);
    } catch (error) {
      sinkFailed = { error };
      throw error;
    }
  };
  try {
    const parsed = withFindingCap(limits.maxFindings, () => format.parse(doc, ctx), pass);
    for (const finding of parsed.findings) pass(finding);
    return {
      format: format.id,
      tool: parsed.tool,
      ...(parsed.artifact ? { artifact: parsed.artifact } : {}),
      count: (parsed.streamed ?? 0) + parsed.findings.length,
      ...(parsed.components?.length ? { components: parsed.components } : {}),
    };
  } catch (error) {
    if (sinkFailed) throw sinkFailed.error;
    if (error instanceof ParseError) throw error.ofFormat(format.id);
    throw new ParseError(
      `could not read the report: ${(error as Error).message ?? String(error)}`,
      format.id,
    );
  }
}
