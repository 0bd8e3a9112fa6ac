import { z } from "zod";
import type { Category, NormalizedFinding, SecretRef } from "#shared/domain/finding";
import { sha256Hex } from "#shared/domain/hash";
import { normalizePath } from "#shared/domain/path";
import { buildPurl, purlTypeFor } from "#shared/domain/purl";
import { PREVIEW_CHARS } from "#shared/domain/secret";
import { severityFromWord } from "#shared/domain/severity";
import { hashSnippet } from "#shared/domain/snippet";
import { cvssFrom } from "./cvss-vector.ts";
import { isRecord, type ReportDocument } from "./document.ts";
import { type FindingDraft, makeFinding } from "./finding-builder.ts";
import type { ParseContext, ParsedReport, ReportFormat } from "./format.ts";
import { parseShape } from "./shape.ts";

/**
 * Checkov `-o json`: one report object per framework (`check_type`), an array of them when several
 * frameworks ran, or the bare summary `{passed, failed, …, checkov_version}` when nothing was scanned.
 * Findings are `results.failed_checks`; `skipped_checks` (skipped by the user with a reason) are kept
 * as suppressed findings. Severity is Checkov's own when present (it is null without a Prisma API key),
 * else medium. Category: `secrets` → secret, `sca_package` → sca, `sca_image` → container, every other
 * framework → iac.
 */

const FORMAT = "checkov-json";
const DEFAULT_SEVERITY = "medium";
// Checkov prints this when no fix exists
const UNFIXABLE = "N/A";
const LEADING_SLASHES = /^\/+/;
// the characters Checkov leaves visible right before its `****` mask
const VISIBLE_BEFORE_MASK = /[^\s"'=:]+$/;

const VulnerabilityDetails = z.object({
  id: z.string().nullish(),
  severity: z.string().nullish(),
  package_name: z.string().nullish(),
  package_version: z.string().nullish(),
  package_type: z.string().nullish(),
  link: z.string().nullish(),
  cvss: z.union([z.number(), z.string()]).nullish(),
  vector: z.string().nullish(),
  description: z.string().nullish(),
  lowest_fixed_version: z.string().nullish(),
  fixed_versions: z.array(z.unknown()).nullish(),
  fix_version: z.string().nullish(),
  license: z.string().nullish(),
});

const CheckRecord = z.object({
  check_id: z.string(),
  bc_check_id: z.string().nullish(),
  check_name: z.string().nullish(),
  check_result: z.object({ result: z.string(), suppress_comment: z.string().nullish() }),
  code_block: z.array(z.tuple([z.unknown(), z.string()])).nullish(),
  file_path: z.string().nullish(),
  repo_file_path: z.string().nullish(),
  file_line_range: z.array(z.number()).nullish(),
  resource: z.string().nullish(),
  guideline: z.string().nullish(),
  severity: z.union([z.string(), z.object({ name: z.string() })]).nullish(),
  bc_category: z.string().nullish(),
  description: z.string().nullish(),
  short_description: z.string().nullish(),
  details: z.array(z.unknown()).nullish(),
  vulnerability_details: VulnerabilityDetails.nullish(),
  validation_status: z.string().nullish(),
});
type CheckRecord = z.infer<typeof CheckRecord>;

const Report = z.object({
  check_type: z.string(),
  results: z
    .object({
      failed_checks: z.array(z.unknown()).nullish(),
      skipped_checks: z.array(z.unknown()).nullish(),
    })
    .nullish(),
  summary: z.object({ checkov_version: z.string().nullish() }).nullish(),
});

const EmptySummary = z.object({ checkov_version: z.string().nullish() });

function isReport(value: unknown): boolean {
  return (
    isRecord(value) && typeof value.check_type === "string" && ("results" in value || "summary" in value)
  );
}

function isEmptySummary(value: unknown): boolean {
  return (
    isRecord(value) && typeof value.checkov_version === "string" && "passed" in value && "failed" in value
  );
}

function detect(doc: ReportDocument): boolean {
  if (doc.syntax !== "json") return false;
  const v = doc.value;
  if (Array.isArray(v)) return v.length > 0 && isReport(v[0]);
  return isReport(v) || isEmptySummary(v);
}

function categoryOf(checkType: string): Category {
  if (checkType === "secrets") return "secret";
  if (checkType === "sca_package") return "sca";
  if (checkType === "sca_image") return "container";
  return "iac";
}

/** Checkov paths are relative to the scanned root with a leading `/` (`/modules/x/main.tf`). */
function checkovPath(path: string | null | undefined): string | undefined {
  if (!path) return undefined;
  return normalizePath(path).replace(LEADING_SLASHES, "") || undefined;
}

function severityWord(record: CheckRecord): string | undefined {
  const raw = record.severity;
  const word = typeof raw === "string" ? raw : raw?.name;
  return word ?? record.vulnerability_details?.severity ?? undefined;
}

/**
 * Checkov gives a secret only as its unsalted SHA-1 (`resource`) and a censored line that keeps at
 * most the first few characters. We keep a salted hash of that SHA-1 (stable across re-scans, no
 * lookup table) and a preview of what Checkov left visible.
 */
function checkovSecret(record: CheckRecord, salt: string): SecretRef | undefined {
  if (!record.resource) return undefined;
  const line = record.code_block?.[0]?.[1] ?? "";
  const mask = line.indexOf("****");
  // Checkov leaves a quarter of the secret visible: 4 characters or more means 16 or more in all,
  // long enough for a 4-character preview (shared/domain/secret.ts); a shorter secret gets none
  const exposed = mask > 0 ? (VISIBLE_BEFORE_MASK.exec(line.slice(0, mask))?.[0] ?? "") : "";
  const visible = exposed.length >= PREVIEW_CHARS ? exposed.slice(0, PREVIEW_CHARS) : "";
  const status = record.validation_status?.toUpperCase();
  const verified = status === "VALID" ? true : status === "INVALID" ? false : undefined;
  return {
    hash: sha256Hex(salt, `checkov-secret-sha1:${record.resource}`),
    preview: `${visible}…`,
    ...(verified === undefined ? {} : { verified }),
  };
}

function fixedVersions(details: z.infer<typeof VulnerabilityDetails>): string[] {
  const listed = (details.fixed_versions ?? []).filter((v): v is string => typeof v === "string");
  const candidates = [...listed, details.lowest_fixed_version ?? undefined, details.fix_version ?? undefined];
  return candidates.filter((v): v is string => !!v && v !== UNFIXABLE);
}

function toFinding(
  record: CheckRecord,
  checkType: string,
  tool: ParsedReport["tool"],
  suppressed: boolean,
  ctx: ParseContext,
): NormalizedFinding {
  const category = categoryOf(checkType);
  const word = severityWord(record);
  const file = checkovPath(record.repo_file_path) ?? checkovPath(record.file_path);
  const [startLine, endLine] = record.file_line_range ?? [];
  const details = (record.details ?? []).filter((d): d is string => typeof d === "string");
  const vuln = record.vulnerability_details ?? undefined;
  const draft: FindingDraft = {
    category,
    tool,
    rule: { id: record.check_id, name: record.check_name ?? undefined },
    title: record.check_name ?? record.check_id,
    description:
      [record.description ?? record.short_description ?? vuln?.description, ...details]
        .filter(Boolean)
        .join("\n") || undefined,
    severity: severityFromWord(word) ?? DEFAULT_SEVERITY,
    rawSeverity: word,
    cwes: [],
    location: {
      file,
      startLine,
      endLine: endLine ?? startLine,
      resource: category === "secret" ? undefined : (record.resource ?? undefined),
      snippetHash:
        category === "secret" ? undefined : hashSnippet(record.code_block?.map(([, text]) => text).join("")),
    },
    references: [record.guideline ?? undefined, vuln?.link ?? undefined],
    tags: [checkType, record.bc_category ?? undefined],
  };
  if (category === "secret") draft.secret = checkovSecret(record, ctx.secretSalt);
  if (vuln && (category === "sca" || category === "container") && vuln.package_name) {
    const type = purlTypeFor(vuln.package_type ?? undefined);
    const version = vuln.package_version ?? undefined;
    draft.package = {
      name: vuln.package_name,
      version,
      ecosystem: type,
      purl: type ? buildPurl(type, vuln.package_name, version) : undefined,
      fixedVersions: fixedVersions(vuln),
      manifest: file,
    };
    if (vuln.id && !vuln.license) draft.vulnerability = { id: vuln.id, aliases: [] };
    draft.cvss = cvssFrom(vuln.vector, vuln.cvss);
  }
  if (suppressed) {
    draft.suppressed = { kind: "skipped", justification: record.check_result.suppress_comment ?? undefined };
  }
  return makeFinding(draft);
}

function parseReport(
  raw: unknown,
  where: string,
  ctx: ParseContext,
  out: NormalizedFinding[],
): string | undefined {
  const report = parseShape(Report, raw, FORMAT, where || undefined);
  const version = report.summary?.checkov_version ?? undefined;
  const tool = { name: "Checkov", version };
  const lists = [
    ["failed_checks", report.results?.failed_checks ?? [], false],
    ["skipped_checks", report.results?.skipped_checks ?? [], true],
  ] as const;
  for (const [key, list, suppressed] of lists) {
    list.forEach((rawRecord, i) => {
      const at = `${where ? `${where}.` : ""}results.${key}[${i}]`;
      const record = parseShape(CheckRecord, rawRecord, FORMAT, at);
      out.push(toFinding(record, report.check_type, tool, suppressed, ctx));
    });
  }
  return version;
}

function parse(doc: ReportDocument, ctx: ParseContext): ParsedReport {
  const value = doc.syntax === "json" ? doc.value : undefined;
  const findings: NormalizedFinding[] = [];
  if (!Array.isArray(value) && isEmptySummary(value)) {
    const summary = parseShape(EmptySummary, value, FORMAT);
    return { tool: { name: "Checkov", version: summary.checkov_version ?? undefined }, findings };
  }
  const reports = Array.isArray(value) ? value : [value];
  const versions = reports.map((r, i) => parseReport(r, Array.isArray(value) ? `[${i}]` : "", ctx, findings));
  const version = versions.find(Boolean);
  return { tool: version ? { name: "Checkov", version } : { name: "Checkov" }, findings };
}

export const checkovJson: ReportFormat = {
  id: FORMAT,
  tools: "Checkov (terraform, cloudformation, kubernetes, helm, dockerfile, secrets, sca_package, …)",
  description:
    "Checkov -o json: failed checks (skipped checks as suppressed), one report or an array per framework",
  detect,
  parse,
};
