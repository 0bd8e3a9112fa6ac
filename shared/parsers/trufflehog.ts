import { z } from "zod";
import type { NormalizedFinding, Severity } from "#shared/domain/finding";
import { maskSecretIn, redactSecret } from "#shared/domain/secret";
import { severityFromWord } from "#shared/domain/severity";
import { isRecord, type ReportDocument, recordsOf } from "./document.ts";
import { emptyArray, emptyFile } from "./empty-report.ts";
import { makeFinding } from "./finding-builder.ts";
import type { ParseContext, ParsedReport, ReportFormat } from "./format.ts";
import { parseShape } from "./shape.ts";

/**
 * The two TruffleHogs. Both are secret scanners; neither value nor any unsalted hash of it is kept.
 *
 * `trufflehog-json`: TruffleHog v3 (Go) `--json`, JSON Lines, one finding per line. Its JSON log
 * lines (`{"level":…,"logger":"trufflehog","msg":…}`, present when stderr was captured too) are
 * skipped; the `finished scanning` line gives the tool version. Severity: Verified → critical (a
 * live credential), unverified → high (unverified includes "verification disabled or failed", so
 * it is not evidence of a dead key). Email, timestamp, ExtraData and `Redacted` (which can hold
 * part of the secret) are not kept.
 *
 * `trufflehog3-json`: the Python trufflehog3 (feeltheajf) JSON report, a top-level array of
 * issues with a rule severity (HIGH/MEDIUM/LOW; MEDIUM is trufflehog3's own default). Its issue
 * `id` is a uuid3 of path + secret, an unsalted hash of the secret, so it is not kept.
 */

const V3 = "trufflehog-json";
const PY = "trufflehog3-json";

const LineNumber = z
  .union([z.number().int().nonnegative(), z.string().regex(/^\d+$/).transform(Number)])
  .optional();

/** Source metadata differs per source (Git, Github, Filesystem, Docker, S3, …); these are the location fields. */
const SourceData = z.object({
  file: z.string().optional(),
  filename: z.string().optional(),
  path: z.string().optional(),
  line: LineNumber,
  commit: z.string().optional(),
  link: z.string().optional(),
  repository: z.string().optional(),
  image: z.string().optional(),
  bucket: z.string().optional(),
});
type SourceData = z.infer<typeof SourceData>;

const V3Result = z.object({
  SourceMetadata: z.object({ Data: z.record(z.string(), SourceData) }).nullish(),
  SourceName: z.string().optional(),
  DetectorName: z.string(),
  DetectorDescription: z.string().optional(),
  DecoderName: z.string().optional(),
  Verified: z.boolean(),
  VerificationError: z.string().optional(),
  Raw: z.string().optional(),
  RawV2: z.string().optional(),
  ExtraData: z.record(z.string(), z.unknown()).nullish(),
});
type V3Result = z.infer<typeof V3Result>;

const PyIssue = z.object({
  rule: z.object({ id: z.string(), message: z.string().optional(), severity: z.string().optional() }),
  path: z.string(),
  line: LineNumber,
  secret: z.string(),
  context: z.record(z.string(), z.string()).nullish(),
  commit: z.string().nullish(),
});
type PyIssue = z.infer<typeof PyIssue>;

function isLogLine(record: unknown): record is Record<string, unknown> {
  return (
    isRecord(record) &&
    typeof record.level === "string" &&
    typeof record.msg === "string" &&
    !("SourceMetadata" in record)
  );
}

function isV3Result(record: unknown): boolean {
  return isRecord(record) && "SourceMetadata" in record && typeof record.DetectorName === "string";
}

function detectV3(doc: ReportDocument): boolean {
  // an array is a JSON report of another tool (gitleaks, trufflehog3), not TruffleHog's JSON Lines
  if (doc.syntax === "json" && Array.isArray(doc.value)) return false;
  const records = recordsOf(doc);
  if (!records?.length) return false;
  for (const record of records) {
    if (isV3Result(record)) return true;
    if (!isLogLine(record) || record.logger !== "trufflehog") return false;
  }
  return true; // only TruffleHog log lines: a run that found nothing
}

/** The one source's fields: `Data` holds a single key named after the source (Git, Filesystem, …). */
function sourceOf(result: V3Result): SourceData | undefined {
  const data = result.SourceMetadata?.Data;
  return data ? Object.values(data)[0] : undefined;
}

function v3Finding(result: V3Result, tool: ParsedReport["tool"], ctx: ParseContext): NormalizedFinding {
  const source = sourceOf(result);
  const value = result.Raw || result.RawV2;
  const severity: Severity = result.Verified ? "critical" : "high";
  const rotation = result.ExtraData?.rotation_guide;
  return makeFinding({
    category: "secret",
    tool,
    rule: { id: result.DetectorName },
    title: `${result.DetectorName} secret`,
    description: result.DetectorDescription,
    severity,
    rawSeverity: result.Verified
      ? "verified"
      : result.VerificationError
        ? "unverified (verification error)"
        : "unverified",
    location: {
      file: source?.file ?? source?.filename ?? source?.path,
      startLine: source?.line,
      endLine: source?.line,
      image: source?.image,
      resource: source?.repository ?? source?.bucket,
    },
    secret: value ? redactSecret(value, ctx.secretSalt, result.Verified) : undefined,
    fingerprints: { commit: source?.commit },
    references: [source?.link, typeof rotation === "string" ? rotation : undefined],
    tags: [
      result.DecoderName && result.DecoderName !== "PLAIN" ? `decoder:${result.DecoderName}` : undefined,
    ],
  });
}

function parseV3(doc: ReportDocument, ctx: ParseContext): ParsedReport {
  const records = recordsOf(doc) ?? [];
  // the `finished scanning` log line comes last: look back only through the trailing log lines
  let version: string | undefined;
  for (let i = records.length - 1; i >= 0 && version === undefined; i--) {
    const record = records[i];
    if (!isLogLine(record)) break;
    if (typeof record.trufflehog_version === "string") version = record.trufflehog_version;
  }
  const tool = version ? { name: "trufflehog", version } : { name: "trufflehog" };
  const findings: NormalizedFinding[] = [];
  records.forEach((record, i) => {
    if (isLogLine(record)) return;
    findings.push(v3Finding(parseShape(V3Result, record, V3, `record ${i + 1}`), tool, ctx));
  });
  return { tool, findings };
}

function detectPy(doc: ReportDocument): boolean {
  if (doc.syntax !== "json" || !Array.isArray(doc.value)) return false;
  const first: unknown = doc.value[0];
  return isRecord(first) && isRecord(first.rule) && typeof first.path === "string" && "secret" in first;
}

/** The matched line from the context, kept only when masking demonstrably removed the secret. */
function maskedLine(issue: PyIssue): string | undefined {
  const line = issue.line === undefined ? undefined : issue.context?.[String(issue.line)];
  if (!line || issue.secret.length < 4 || !line.includes(issue.secret)) return undefined;
  return maskSecretIn(line, issue.secret).trim();
}

function pyFinding(issue: PyIssue, ctx: ParseContext): NormalizedFinding {
  const line = maskedLine(issue);
  const message = issue.rule.message;
  return makeFinding({
    category: "secret",
    tool: { name: "trufflehog3" },
    rule: { id: issue.rule.id, name: message },
    title: message ?? issue.rule.id,
    description: [message, line ? `Line: ${line}` : undefined].filter(Boolean).join("\n"),
    severity: severityFromWord(issue.rule.severity) ?? "medium",
    rawSeverity: issue.rule.severity,
    location: { file: issue.path, startLine: issue.line, endLine: issue.line },
    secret: redactSecret(issue.secret, ctx.secretSalt),
    fingerprints: { commit: issue.commit ?? undefined },
  });
}

function parsePy(doc: ReportDocument, ctx: ParseContext): ParsedReport {
  const issues = parseShape(z.array(z.unknown()), doc.syntax === "json" ? doc.value : undefined, PY);
  const findings = issues.map((raw, i) => pyFinding(parseShape(PyIssue, raw, PY, `[${i}]`), ctx));
  return { tool: { name: "trufflehog3" }, findings };
}

export const trufflehogJson: ReportFormat = {
  id: V3,
  tools: "TruffleHog v3 (`trufflehog <source> --json`)",
  description:
    "TruffleHog v3 JSON Lines: verified/unverified secrets from git, filesystem, GitHub, GitLab, …",
  detect: detectV3,
  // results go to stdout as JSON Lines: a clean run with the logs on stderr writes nothing
  isEmptyReport: emptyFile,
  parse: parseV3,
};

export const trufflehog3Json: ReportFormat = {
  id: PY,
  tools: "trufflehog3 (Python, `trufflehog3 --format json`)",
  description: "trufflehog3 JSON: rule-graded secrets with salted hashes",
  detect: detectPy,
  isEmptyReport: emptyArray,
  parse: parsePy,
};
