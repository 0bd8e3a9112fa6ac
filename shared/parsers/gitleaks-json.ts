import { z } from "zod";
import type { NormalizedFinding, SecretRef, Severity } from "#shared/domain/finding";
import { sha256Hex } from "#shared/domain/hash";
import { maskSecretIn, redactSecret } from "#shared/domain/secret";
import { isRecord, type ReportDocument } from "./document.ts";
import { anyOf, emptyArray, jsonNull } from "./empty-report.ts";
import { makeFinding } from "./finding-builder.ts";
import type { ParseContext, ParsedReport, ReportFormat } from "./format.ts";
import { parseShape } from "./shape.ts";

/**
 * Gitleaks JSON report (`gitleaks detect|git|dir --report-format json`): a top-level array of
 * findings. v8 writes `RuleID`, `Secret`, `StartLine`…; v7 wrote `rule`, `offender` (the secret),
 * `line` (the whole line), `lineNumber`, `leakURL` and comma-separated `tags`, and is read into the
 * same shape. A clean run writes `[]` (v8 before 8.19 or so wrote `null`; v7 wrote no file). Gitleaks grades nothing, so every finding is `high`: a committed credential is
 * presumed live until someone rotates it. Author, Email, Date and commit Message are personal or
 * irrelevant data and are not kept; only the commit id is.
 *
 * With `--redact` the Secret is `REDACTED` (or, older versions, asterisks; `--redact=N` keeps a
 * prefix and appends `...`). Its hash would then merge unrelated secrets, so the secret ref is
 * marked with preview `REDACTED` and its hash is derived from file + rule + line instead: identity
 * falls back to the location.
 */

const FORMAT = "gitleaks-json";
const SEVERITY: Severity = "high";
const REDACTED_PREVIEW = "REDACTED";
const ALL_ASTERISKS = /^\*+$/;

const Leak = z.object({
  RuleID: z.string(),
  Description: z.string().optional(),
  StartLine: z.number().int().nonnegative().optional(),
  EndLine: z.number().int().nonnegative().optional(),
  Match: z.string().optional(),
  Secret: z.string(),
  File: z.string(),
  Commit: z.string().optional(),
  Link: z.string().optional(),
  Tags: z.array(z.string()).nullish(),
  Fingerprint: z.string().optional(),
});
type Leak = z.infer<typeof Leak>;

/** A gitleaks 7 leak, read into the v8 shape (`rule` names the rule; there is no rule id). */
const V7Leak = z
  .object({
    rule: z.string(),
    offender: z.string(),
    line: z.string().optional(),
    lineNumber: z.number().int().nonnegative().optional(),
    file: z.string(),
    commit: z.string().optional(),
    leakURL: z.string().optional(),
    tags: z.string().optional(),
  })
  .transform(
    (v7): Leak => ({
      RuleID: v7.rule,
      Description: v7.rule,
      StartLine: v7.lineNumber,
      Match: v7.line,
      Secret: v7.offender,
      File: v7.file,
      Commit: v7.commit,
      Link: v7.leakURL,
      Tags: (v7.tags ?? "")
        .split(",")
        .map((t) => t.trim())
        .filter(Boolean),
    }),
  );

const Report = z.array(z.unknown()).nullable();

function isV8(value: unknown): boolean {
  return isRecord(value) && typeof value.RuleID === "string" && "Secret" in value && "StartLine" in value;
}

function isV7(value: unknown): boolean {
  return isRecord(value) && typeof value.rule === "string" && "offender" in value && "lineNumber" in value;
}

function detect(doc: ReportDocument): boolean {
  if (doc.syntax !== "json" || !Array.isArray(doc.value)) return false;
  const first: unknown = doc.value[0];
  return isV8(first) || isV7(first);
}

/** Fully redacted: gitleaks already replaced the secret everywhere, Match included. */
function isFullyRedacted(secret: string): boolean {
  return secret === "REDACTED" || ALL_ASTERISKS.test(secret);
}

/** `--redact=N` (N < 100) keeps a prefix of the secret and appends `...`. */
function isPartlyRedacted(secret: string): boolean {
  return secret.endsWith("...");
}

function secretRef(leak: Leak, salt: string): SecretRef {
  if (!isFullyRedacted(leak.Secret) && !isPartlyRedacted(leak.Secret)) return redactSecret(leak.Secret, salt);
  return {
    hash: sha256Hex(salt, "gitleaks-redacted", leak.File, leak.RuleID, String(leak.StartLine ?? "")),
    preview: REDACTED_PREVIEW,
  };
}

/** The match line, kept only when it is redacted or masking demonstrably removed the secret. */
function maskedMatch(leak: Leak): string | undefined {
  const match = leak.Match;
  if (!match) return undefined;
  if (isFullyRedacted(leak.Secret)) return match;
  if (leak.Secret.length < 4 || !match.includes(leak.Secret)) return undefined;
  return maskSecretIn(match, leak.Secret);
}

function toFinding(leak: Leak, ctx: ParseContext): NormalizedFinding {
  const match = maskedMatch(leak);
  const description = [leak.Description, match ? `Match: ${match}` : undefined].filter(Boolean).join("\n");
  return makeFinding({
    category: "secret",
    tool: { name: "gitleaks" },
    rule: { id: leak.RuleID, name: leak.Description || undefined },
    title: leak.Description || leak.RuleID,
    description,
    severity: SEVERITY,
    location: { file: leak.File, startLine: leak.StartLine, endLine: leak.EndLine ?? leak.StartLine },
    secret: secretRef(leak, ctx.secretSalt),
    fingerprints: { gitleaks: leak.Fingerprint, commit: leak.Commit },
    toolId: leak.Fingerprint,
    references: [leak.Link],
    tags: leak.Tags ?? [],
  });
}

function parse(doc: ReportDocument, ctx: ParseContext): ParsedReport {
  const leaks = parseShape(Report, doc.syntax === "json" ? doc.value : undefined, FORMAT) ?? [];
  const findings = leaks.map((raw, i) =>
    toFinding(parseShape(isV7(raw) ? V7Leak : Leak, raw, FORMAT, `[${i}]`), ctx),
  );
  return { tool: { name: "gitleaks" }, findings };
}

export const gitleaksJson: ReportFormat = {
  id: FORMAT,
  tools: "Gitleaks v7 and v8 (`--report-format json`)",
  description: "Gitleaks JSON: secrets with salted hashes, redacted reports identified by location",
  detect,
  isEmptyReport: anyOf(emptyArray, jsonNull),
  parse,
};
