import { z } from "zod";
import type { Category, NormalizedFinding, Severity } from "#shared/domain/finding";
import { buildPurl, purlTypeFor } from "#shared/domain/purl";
import { maskSecretIn, redactSecret } from "#shared/domain/secret";
import { severityFromWord } from "#shared/domain/severity";
import { hashSnippet } from "#shared/domain/snippet";
import { isRecord, type ReportDocument } from "./document.ts";
import { type FindingDraft, makeFinding } from "./finding-builder.ts";
import type { ParseContext, ParsedReport, ReportFormat } from "./format.ts";
import { ParseError } from "./parse-error.ts";
import { parseShape } from "./shape.ts";

/**
 * Semgrep `--json` (semgrep_output_v1 cli_output). One finding per `results[]` entry; `errors[]`
 * are scan problems, not findings. Category: `sca` when the result carries `sca_info` (Supply
 * Chain), `secret` when the rule's metadata says secrets (Semgrep Secrets), else `sast`.
 *
 * Severity is `extra.severity` as the rule author set it (Semgrep's docs call it the source of
 * truth; registry rules already derive it from likelihood x impact): ERROR→high, WARNING→medium,
 * INFO→low, the newer CRITICAL/HIGH/MEDIUM/LOW map directly, EXPERIMENT/INVENTORY→info.
 * likelihood/impact/confidence are kept in `rawSeverity`, not re-scored. Supply Chain results use
 * `metadata.sca-severity` (CVSS-based) when present. A secret Semgrep validated as live
 * (CONFIRMED_VALID) is raised to critical, as TruffleHog's verified secrets are.
 */

const FORMAT = "semgrep-json";
const LOGIN_PLACEHOLDER = "requires login";

const SEVERITY: Record<string, Severity> = {
  CRITICAL: "critical",
  ERROR: "high",
  HIGH: "high",
  WARNING: "medium",
  MEDIUM: "medium",
  INFO: "low",
  LOW: "low",
  EXPERIMENT: "info",
  INVENTORY: "info",
};

// Rule metadata is free-form YAML written by any rule author: a field of an unexpected type is
// treated as absent rather than failing the whole report.
function wordOf(value: unknown): string[] {
  if (typeof value === "string") return [value];
  return typeof value === "number" && Number.isFinite(value) ? [String(value)] : [];
}

const Word = z.string().optional().catch(undefined);
/** One or many words; numbers (`cwe: 79`) are read as their text. */
const Words = z
  .union([z.string(), z.number(), z.array(z.unknown())])
  .transform((v) => (Array.isArray(v) ? v : [v]).flatMap(wordOf))
  .optional()
  .catch(undefined);

const Metadata = z
  .object({
    cwe: Words,
    owasp: Words,
    confidence: Word,
    likelihood: Word,
    impact: Word,
    references: Words,
    category: Word,
    subcategory: Words,
    technology: Words,
    vulnerability_class: Words,
    source: Word,
    shortlink: Word,
    product: Word,
    cve: Words,
    ghsa: Words,
    "sca-vuln-database-identifier": Word,
    "sca-severity": Word,
    "sca-fix-versions": z.array(z.record(z.string(), z.string())).optional().catch(undefined),
  })
  .optional()
  .catch(undefined);
type Metadata = NonNullable<z.infer<typeof Metadata>>;

const Position = z.object({ line: z.number().int().nonnegative(), col: z.number().int().optional() });

const ScaInfo = z.object({
  reachable: z.boolean().optional(),
  reachability_rule: z.boolean().optional(),
  dependency_match: z.object({
    found_dependency: z.object({
      package: z.string(),
      version: z.string().optional(),
      ecosystem: z.string().optional(),
      transitivity: z.string().optional(),
      lockfile_path: z.string().optional(),
      manifest_path: z.string().optional(),
    }),
    lockfile: z.string().optional(),
  }),
});
type ScaInfo = z.infer<typeof ScaInfo>;

const Result = z.object({
  check_id: z.string(),
  path: z.string(),
  start: Position,
  end: Position,
  extra: z.object({
    message: z.string(),
    severity: z.string(),
    metadata: Metadata,
    fingerprint: z.string().optional(),
    lines: z.string().optional(),
    is_ignored: z.boolean().optional(),
    fix: z.string().optional(),
    validation_state: z.string().optional(),
    sca_info: ScaInfo.optional(),
  }),
});
type Result = z.infer<typeof Result>;

const ScanError = z.object({
  level: z.string().optional().catch(undefined),
  type: z.unknown(),
  message: z.string().optional().catch(undefined),
});

const Output = z.object({
  version: z.string().optional(),
  results: z.array(z.unknown()),
  errors: z.array(ScanError).optional().catch(undefined),
});

/**
 * A run that stopped on a fatal error (an invalid rule or config: `level: "error"`) writes no
 * results either, but it is not a clean run: read as one, it would resolve every open finding.
 * File-level problems (`level: "warn"`: a parse error, a timeout) leave the rest of the scan valid.
 */
function fatalError(output: z.infer<typeof Output>): string | undefined {
  if (output.results.length > 0) return undefined;
  const fatal = output.errors?.find((e) => e.level === "error");
  if (!fatal) return undefined;
  const type =
    typeof fatal.type === "string" ? fatal.type : Array.isArray(fatal.type) ? String(fatal.type[0]) : "";
  return [type, fatal.message?.split("\n", 1)[0]].filter(Boolean).join(": ") || "no detail";
}

const SENTENCE_END = /\.(\s|$)|\n/;

function detect(doc: ReportDocument): boolean {
  if (doc.syntax !== "json" || !isRecord(doc.value)) return false;
  const v = doc.value;
  if (!Array.isArray(v.results)) return false;
  const first: unknown = v.results[0];
  // a clean run: `{"results": [], "errors": [], "paths": …}`; Bandit's clean run also has
  // `errors` but always `generated_at` and `metrics`
  if (first === undefined) return Array.isArray(v.errors) && !("generated_at" in v) && !("metrics" in v);
  return isRecord(first) && typeof first.check_id === "string" && isRecord(first.extra);
}

/** Semgrep's placeholder for fields it hides from logged-out users is not data. */
function real(value: string | undefined): string | undefined {
  return value && value !== LOGIN_PLACEHOLDER ? value : undefined;
}

function firstSentence(message: string): string {
  const match = SENTENCE_END.exec(message);
  return match ? message.slice(0, match.index + (match[0].startsWith(".") ? 1 : 0)) : message;
}

function categoryOf(result: Result, metadata: Metadata | undefined): Category {
  if (result.extra.sca_info) return "sca";
  const product = metadata?.product?.toLowerCase();
  const category = metadata?.category?.toLowerCase();
  if (product === "secrets" || category === "secrets" || category === "secret") return "secret";
  return "sast";
}

/** The matched text of a one-line match, cut from `lines` by the reported columns (1-based). */
function matchedText(result: Result): string | undefined {
  const lines = real(result.extra.lines);
  const { start, end } = result;
  if (!lines || start.line !== end.line || start.col === undefined || end.col === undefined) return undefined;
  const firstLine = lines.split("\n", 1)[0] ?? "";
  const text = firstLine.slice(start.col - 1, end.col - 1);
  return text.trim() ? text : undefined;
}

function rawSeverityOf(result: Result, metadata: Metadata | undefined): string {
  const parts = [`severity=${result.extra.severity}`];
  if (metadata?.["sca-severity"]) parts.push(`sca-severity=${metadata["sca-severity"]}`);
  if (metadata?.impact) parts.push(`impact=${metadata.impact}`);
  if (metadata?.likelihood) parts.push(`likelihood=${metadata.likelihood}`);
  if (metadata?.confidence) parts.push(`confidence=${metadata.confidence}`);
  if (result.extra.validation_state && result.extra.validation_state !== "NO_VALIDATOR") {
    parts.push(`validation=${result.extra.validation_state}`);
  }
  return parts.join(" ");
}

function confidenceOf(word: string | undefined): "high" | "medium" | "low" | undefined {
  const w = word?.toLowerCase();
  return w === "high" || w === "medium" || w === "low" ? w : undefined;
}

function transitivity(value: string | undefined): boolean | undefined {
  if (value === "direct") return true;
  if (value === "transitive") return false;
  return undefined;
}

function addSupplyChain(draft: FindingDraft, sca: ScaInfo, metadata: Metadata | undefined): void {
  const dep = sca.dependency_match.found_dependency;
  const type = purlTypeFor(dep.ecosystem);
  const ids = [
    metadata?.["sca-vuln-database-identifier"],
    ...(metadata?.cve ?? []),
    ...(metadata?.ghsa ?? []),
  ].filter((id): id is string => Boolean(id));
  const [id, ...aliases] = ids;
  if (id) {
    draft.vulnerability = { id, aliases };
    draft.title = `${dep.package} - ${id}`;
  }
  draft.package = {
    purl: type ? buildPurl(type, dep.package, dep.version) : undefined,
    ecosystem: type,
    name: dep.package,
    version: dep.version,
    fixedVersions: (metadata?.["sca-fix-versions"] ?? []).flatMap((entry) => Object.values(entry)),
    direct: transitivity(dep.transitivity),
    manifest: dep.lockfile_path ?? sca.dependency_match.lockfile ?? dep.manifest_path,
  };
  if (sca.reachable) draft.reachability = "reachable";
  else if (sca.reachability_rule) draft.reachability = "unreachable";
}

function toFinding(result: Result, tool: ParsedReport["tool"], ctx: ParseContext): NormalizedFinding {
  const { extra } = result;
  const metadata = extra.metadata;
  const category = categoryOf(result, metadata);
  const validated = extra.validation_state;
  const verified =
    validated === "CONFIRMED_VALID" ? true : validated === "CONFIRMED_INVALID" ? false : undefined;

  let severity =
    (extra.sca_info ? severityFromWord(metadata?.["sca-severity"]) : undefined) ??
    SEVERITY[extra.severity.toUpperCase()] ??
    "medium";
  if (category === "secret" && verified) severity = "critical";

  const secret = category === "secret" ? matchedText(result) : undefined;
  const message = secret ? maskSecretIn(extra.message, secret) : extra.message;
  const tags = [
    ...(metadata?.owasp ?? []),
    ...(metadata?.technology ?? []),
    ...(metadata?.vulnerability_class ?? []),
    ...(metadata?.subcategory ?? []),
  ];

  const draft: FindingDraft = {
    category,
    tool,
    rule: { id: result.check_id },
    title: firstSentence(message),
    description: message,
    severity,
    rawSeverity: rawSeverityOf(result, metadata),
    confidence: confidenceOf(metadata?.confidence),
    cwes: metadata?.cwe ?? [],
    location: {
      file: result.path,
      startLine: result.start.line,
      endLine: result.end.line,
      // the matched lines of a secret rule contain the secret: never hash them unsalted
      snippetHash: category === "secret" ? undefined : hashSnippet(real(extra.lines)),
    },
    fingerprints: { semgrep: real(extra.fingerprint) },
    references: [...(metadata?.references ?? []), metadata?.source ?? metadata?.shortlink],
    tags,
    remediation: category === "secret" ? undefined : extra.fix,
  };
  if (extra.sca_info) addSupplyChain(draft, extra.sca_info, metadata);
  if (secret) draft.secret = redactSecret(secret, ctx.secretSalt, verified);
  if (extra.is_ignored) draft.suppressed = { kind: "inSource" };
  return makeFinding(draft);
}

function parse(doc: ReportDocument, ctx: ParseContext): ParsedReport {
  const output = parseShape(Output, doc.syntax === "json" ? doc.value : undefined, FORMAT);
  const fatal = fatalError(output);
  if (fatal) throw new ParseError(`Semgrep stopped on an error (${fatal}): the scan did not finish`, FORMAT);
  const tool = { name: "semgrep", version: output.version };
  const findings = output.results.map((raw, i) =>
    toFinding(parseShape(Result, raw, FORMAT, `results[${i}]`), tool, ctx),
  );
  return { tool: output.version ? tool : { name: tool.name }, findings };
}

export const semgrepJson: ReportFormat = {
  id: FORMAT,
  tools: "Semgrep CLI / Semgrep Code, Supply Chain and Secrets (`semgrep scan --json`)",
  description:
    "Semgrep JSON: code, supply-chain (sca_info) and secrets results with registry metadata; nosemgrep kept as suppressed",
  detect,
  parse,
};
