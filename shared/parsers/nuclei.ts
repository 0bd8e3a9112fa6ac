import { z } from "zod";
import type { NormalizedFinding } from "#shared/domain/finding";
import { severityFromWord } from "#shared/domain/severity";
import { isCve } from "#shared/domain/vulnerability-id";
import { cvssFrom } from "./cvss-vector.ts";
import { isRecord, type ReportDocument, recordsOf } from "./document.ts";
import { anyOf, emptyArray, emptyFile } from "./empty-report.ts";
import { findingList, makeFinding, parsedFindings } from "./finding-builder.ts";
import type { ParsedReport, ReportFormat } from "./format.ts";
import { LazyArray } from "./lazy-json.ts";
import { isNullishListOf, isNullishString, parseShape } from "./shape.ts";

/**
 * Nuclei results: JSON Lines (`-jsonl`, `-json` before v3) or the `-json-export` array, one finding per
 * record. Nuclei 2 before 2.5 wrote `templateID`, `matched`, `matcher_name`, `extractor_name` and
 * `curl_command`; those keys are read as their newer spellings. With `-matcher-status` Nuclei also
 * writes the templates that did not match (`matcher-status: false`): they are not findings. A clean
 * run writes an empty file (JSON Lines) or `[]` (`-json-export`). Severity info/low/medium/high/critical one to one, unknown → info. The location is
 * `matched-at` plus the matcher or extractor name as parameter, which is what tells apart the results
 * of one template on one URL (`http-missing-security-headers` per header). The method comes from
 * the request line. Request, response, curl command, extracted results and OOB interaction data are
 * never kept: they carry cookies, tokens and personal data.
 */

const FORMAT = "nuclei-json";
const HTTP_METHOD = /^[A-Z]{3,10}$/;
const CURL_METHOD = /-X\s+'?([A-Z]{3,10})'?/;

const StringOrList = z.union([z.string(), z.array(z.string())]).nullish();

const Info = z.object({
  name: z.string().nullish(),
  description: z.string().nullish(),
  severity: z.string().nullish(),
  tags: StringOrList,
  reference: StringOrList,
  remediation: z.string().nullish(),
  classification: z
    .object({
      "cve-id": StringOrList,
      "cwe-id": StringOrList,
      "cvss-metrics": z.string().nullish(),
      "cvss-score": z.union([z.number(), z.string()]).nullish(),
    })
    .nullish(),
});

const Result = z.object({
  "template-id": z.string(),
  "template-url": z.string().nullish(),
  info: Info,
  type: z.string().nullish(),
  host: z.string().nullish(),
  "matched-at": z.string().nullish(),
  "matcher-name": z.string().nullish(),
  "extractor-name": z.string().nullish(),
  request: z.string().nullish(),
  "curl-command": z.string().nullish(),
  "matcher-status": z.boolean().nullish(),
});
type Result = z.infer<typeof Result>;

/** Nuclei 2 (before 2.5) spellings and the keys that replaced them. */
const V2_KEYS: ReadonlyArray<readonly [string, string]> = [
  ["templateID", "template-id"],
  ["matched", "matched-at"],
  ["matcher_name", "matcher-name"],
  ["extractor_name", "extractor-name"],
  ["curl_command", "curl-command"],
];

function withCurrentKeys(record: unknown): unknown {
  if (!isRecord(record) || !("templateID" in record)) return record;
  const out: Record<string, unknown> = { ...record };
  for (const [old, current] of V2_KEYS) if (!(current in out) && old in out) out[current] = out[old];
  return out;
}

// A hand check of the shapes above for the common valid record: zod builds a copy of every object
// it checks, which cost more than the mapping. It accepts only what the zod shape accepts; a record
// it refuses goes through zod, which then names the broken field.

function isStringOrList(v: unknown): boolean {
  return isNullishString(v) || isNullishListOf(v, (item) => typeof item === "string");
}

function isClassification(c: unknown): boolean {
  if (c === undefined || c === null) return true;
  if (!isRecord(c)) return false;
  const score = c["cvss-score"];
  return (
    isStringOrList(c["cve-id"]) &&
    isStringOrList(c["cwe-id"]) &&
    isNullishString(c["cvss-metrics"]) &&
    (isNullishString(score) || (typeof score === "number" && Number.isFinite(score)))
  );
}

function isResult(r: unknown): r is Result {
  if (!isRecord(r)) return false;
  const info = r.info;
  const status = r["matcher-status"];
  return (
    typeof r["template-id"] === "string" &&
    isRecord(info) &&
    isNullishString(info.name) &&
    isNullishString(info.description) &&
    isNullishString(info.severity) &&
    isStringOrList(info.tags) &&
    isStringOrList(info.reference) &&
    isNullishString(info.remediation) &&
    isClassification(info.classification) &&
    isNullishString(r["template-url"]) &&
    isNullishString(r.type) &&
    isNullishString(r.host) &&
    isNullishString(r["matched-at"]) &&
    isNullishString(r["matcher-name"]) &&
    isNullishString(r["extractor-name"]) &&
    isNullishString(r.request) &&
    isNullishString(r["curl-command"]) &&
    (status === undefined || status === null || typeof status === "boolean")
  );
}

function detect(doc: ReportDocument): boolean {
  const first = withCurrentKeys(recordsOf(doc)?.[0]);
  return isRecord(first) && typeof first["template-id"] === "string" && isRecord(first.info);
}

function list(value: string | string[] | null | undefined): string[] {
  if (!value) return [];
  return typeof value === "string" ? value.split(",").map((v) => v.trim()) : value;
}

function methodOf(result: Result): string | undefined {
  const fromRequest = result.request?.trimStart().slice(0, 12).split(" ", 1)[0];
  if (fromRequest && HTTP_METHOD.test(fromRequest)) return fromRequest;
  const curl = result["curl-command"];
  return curl ? CURL_METHOD.exec(curl.slice(0, 40))?.[1] : undefined;
}

function toFinding(result: Result): NormalizedFinding {
  const info = result.info;
  const classification = info.classification;
  const cves = list(classification?.["cve-id"]).filter(isCve);
  const tags = list(info.tags);
  const word = info.severity ?? undefined;
  return makeFinding({
    category: "dast",
    tool: { name: "Nuclei" },
    rule: { id: result["template-id"], name: info.name ?? undefined },
    title: info.name ?? result["template-id"],
    description: info.description ?? undefined,
    severity: severityFromWord(word) ?? "info",
    rawSeverity: word,
    cvss: cvssFrom(classification?.["cvss-metrics"], classification?.["cvss-score"]),
    vulnerability: cves[0] ? { id: cves[0], aliases: cves.slice(1) } : undefined,
    cwes: list(classification?.["cwe-id"]),
    location: {
      url: result["matched-at"] ?? result.host ?? undefined,
      method: !result.type || result.type === "http" ? methodOf(result) : undefined,
      parameter: result["matcher-name"] ?? result["extractor-name"] ?? undefined,
    },
    // templates tagged `kev` cover CISA Known Exploited Vulnerabilities
    exploit: tags.includes("kev") ? "active" : undefined,
    remediation: info.remediation ?? undefined,
    references: [...list(info.reference), result["template-url"] ?? undefined],
    tags: [result.type ?? undefined, ...tags],
  });
}

function parse(doc: ReportDocument): ParsedReport {
  // big reports arrive lazily (LazyLines, a LazyArray for -json-export): each record is parsed as
  // it is visited, then dropped
  const records: Iterable<unknown> =
    doc.syntax === "jsonl"
      ? doc.values
      : doc.syntax === "json" && doc.value instanceof LazyArray
        ? doc.value
        : (recordsOf(doc) ?? []);
  const where = doc.syntax === "jsonl" ? (i: number) => `record ${i + 1}` : (i: number) => `[${i}]`;
  const findings = findingList();
  let i = 0;
  for (const raw of records) {
    const record = withCurrentKeys(raw);
    const result = isResult(record) ? record : parseShape(Result, record, FORMAT, where(i));
    if (result["matcher-status"] !== false) findings.push(toFinding(result));
    i++;
  }
  return { tool: { name: "Nuclei" }, ...parsedFindings(findings) };
}

export const nucleiJson: ReportFormat = {
  id: FORMAT,
  tools: "Nuclei (ProjectDiscovery): -jsonl / -json and -json-export",
  description: "Nuclei JSON Lines or JSON array: one finding per result, CVE/CWE/CVSS from classification",
  detect,
  isEmptyReport: anyOf(emptyFile, emptyArray),
  parse,
  lazyArrays: true,
};
