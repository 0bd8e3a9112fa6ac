import { z } from "zod";
import type { NormalizedFinding } from "#shared/domain/finding";
import { severityFromWord } from "#shared/domain/severity";
import { csvRecords } from "./csv.ts";
import { isRecord, type ReportDocument, recordsOf } from "./document.ts";
import { makeFinding } from "./finding-builder.ts";
import type { ParsedReport, ReportFormat } from "./format.ts";
import { ParseError } from "./parse-error.ts";
import { parseShape } from "./shape.ts";

/**
 * Prowler v4/v5 cloud posture results, OCSF JSON (`-M json-ocsf`, an array of Detection Findings)
 * and CSV (`-M csv`, `;`-delimited). Only FAIL results are findings (PASS and MANUAL are not); muted
 * ones (OCSF status "Suppressed", CSV MUTED=True) are kept as suppressed. Cloud misconfigurations are
 * filed under category iac with `location.resource` = the cloud resource uid (ARN, Azure/GCP id), and
 * account, region, provider, service and compliance frameworks as tags. Severity critical/high/
 * medium/low one to one, informational → info.
 */

const FAIL = "FAIL";

/** One Prowler result, whichever syntax it came from. */
interface ProwlerResult {
  checkId: string;
  title?: string;
  status: string;
  statusExtended?: string;
  muted: boolean;
  severity?: string;
  description?: string;
  risk?: string;
  remediation?: string;
  references: Array<string | undefined>;
  findingUid?: string;
  resourceUid?: string;
  resourceName?: string;
  resourceType?: string;
  provider?: string;
  service?: string;
  account?: string;
  region?: string;
  compliance: string[];
  categories: string[];
}

type Tool = ParsedReport["tool"];

function toFinding(r: ProwlerResult, tool: Tool): NormalizedFinding {
  return makeFinding({
    category: "iac",
    tool,
    rule: { id: r.checkId, name: r.title },
    title: r.title ?? r.checkId,
    description:
      [r.statusExtended, r.description, r.risk ? `Risk: ${r.risk}` : undefined]
        .filter(Boolean)
        .join("\n\n") || undefined,
    severity: severityFromWord(r.severity) ?? "medium",
    rawSeverity: r.severity,
    cwes: [],
    location: { resource: r.resourceUid || r.resourceName },
    fingerprints: { findingUid: r.findingUid },
    toolId: r.findingUid,
    remediation: r.remediation,
    references: r.references,
    tags: [
      r.provider,
      r.service,
      r.resourceType,
      r.account ? `account:${r.account}` : undefined,
      r.region ? `region:${r.region}` : undefined,
      ...r.compliance.map((c) => `compliance:${c}`),
      ...r.categories,
    ],
    suppressed: r.muted ? { kind: "muted", justification: "muted in Prowler (mutelist)" } : undefined,
  });
}

function nonEmpty(value: string | null | undefined): string | undefined {
  return value?.trim() ? value : undefined;
}

// ---- OCSF JSON ----

const JSON_FORMAT = "prowler-json";

const Ocsf = z.object({
  message: z.string().nullish(),
  status_code: z.string(),
  status: z.string().nullish(),
  status_detail: z.string().nullish(),
  severity: z.string().nullish(),
  finding_info: z.object({
    uid: z.string().nullish(),
    title: z.string().nullish(),
    desc: z.string().nullish(),
  }),
  metadata: z.object({
    event_code: z.string(),
    product: z.object({ name: z.string().nullish(), version: z.string().nullish() }).nullish(),
  }),
  resources: z
    .array(
      z.object({
        uid: z.string().nullish(),
        name: z.string().nullish(),
        type: z.string().nullish(),
        region: z.string().nullish(),
        group: z.object({ name: z.string().nullish() }).nullish(),
      }),
    )
    .nullish(),
  remediation: z.object({ desc: z.string().nullish(), references: z.array(z.string()).nullish() }).nullish(),
  risk_details: z.string().nullish(),
  unmapped: z
    .object({
      related_url: z.string().nullish(),
      compliance: z.record(z.string(), z.unknown()).nullish(),
      categories: z.array(z.string()).nullish(),
    })
    .nullish(),
  cloud: z
    .object({
      account: z.object({ uid: z.string().nullish() }).nullish(),
      region: z.string().nullish(),
      provider: z.string().nullish(),
    })
    .nullish(),
});

function isProwlerOcsf(value: unknown): boolean {
  if (!isRecord(value) || !isRecord(value.finding_info) || !isRecord(value.metadata)) return false;
  const product = value.metadata.product;
  return isRecord(product) && typeof product.name === "string" && product.name.toLowerCase() === "prowler";
}

function detectJson(doc: ReportDocument): boolean {
  return doc.syntax === "json" && isProwlerOcsf(recordsOf(doc)?.[0]);
}

function parseJson(doc: ReportDocument): ParsedReport {
  const records = recordsOf(doc) ?? [];
  const findings: NormalizedFinding[] = [];
  let tool: Tool = { name: "Prowler" };
  records.forEach((raw, i) => {
    const o = parseShape(Ocsf, raw, JSON_FORMAT, `[${i}]`);
    const version = o.metadata.product?.version;
    if (i === 0 && version) tool = { name: "Prowler", version };
    if (o.status_code.toUpperCase() !== FAIL) return;
    const resource = o.resources?.[0];
    const result: ProwlerResult = {
      checkId: o.metadata.event_code,
      title: nonEmpty(o.finding_info.title),
      status: o.status_code,
      statusExtended: nonEmpty(o.status_detail ?? o.message),
      muted: o.status?.toLowerCase() === "suppressed",
      severity: nonEmpty(o.severity),
      description: nonEmpty(o.finding_info.desc),
      risk: nonEmpty(o.risk_details),
      remediation: nonEmpty(o.remediation?.desc),
      references: [...(o.remediation?.references ?? []), o.unmapped?.related_url ?? undefined],
      findingUid: nonEmpty(o.finding_info.uid),
      resourceUid: nonEmpty(resource?.uid),
      resourceName: nonEmpty(resource?.name),
      resourceType: nonEmpty(resource?.type),
      provider: nonEmpty(o.cloud?.provider),
      service: nonEmpty(resource?.group?.name),
      account: nonEmpty(o.cloud?.account?.uid),
      region: nonEmpty(resource?.region ?? o.cloud?.region),
      compliance: Object.keys(o.unmapped?.compliance ?? {}),
      categories: o.unmapped?.categories ?? [],
    };
    findings.push(toFinding(result, tool));
  });
  return { tool, findings };
}

// ---- CSV ----

const CSV_FORMAT = "prowler-csv";
const DELIMITER = ";";
const REQUIRED_COLUMNS = ["FINDING_UID", "PROVIDER", "CHECK_ID", "STATUS"];
const LIST_SEPARATOR = " | ";

const Cell = z.string().optional();
const CsvRow = z.object({
  CHECK_ID: z.string().min(1),
  STATUS: z.string(),
  CHECK_TITLE: Cell,
  STATUS_EXTENDED: Cell,
  MUTED: Cell,
  SEVERITY: Cell,
  DESCRIPTION: Cell,
  RISK: Cell,
  RELATED_URL: Cell,
  REMEDIATION_RECOMMENDATION_TEXT: Cell,
  REMEDIATION_RECOMMENDATION_URL: Cell,
  ADDITIONAL_URLS: Cell,
  FINDING_UID: Cell,
  RESOURCE_UID: Cell,
  RESOURCE_NAME: Cell,
  RESOURCE_TYPE: Cell,
  PROVIDER: Cell,
  SERVICE_NAME: Cell,
  ACCOUNT_UID: Cell,
  REGION: Cell,
  COMPLIANCE: Cell,
  CATEGORIES: Cell,
  PROWLER_VERSION: Cell,
});

function detectCsv(doc: ReportDocument): boolean {
  if (doc.syntax !== "csv") return false;
  const header = new Set((doc.head.split(/\r?\n/, 1)[0] ?? "").split(DELIMITER).map((c) => c.trim()));
  return REQUIRED_COLUMNS.every((c) => header.has(c));
}

function splitList(value: string | undefined): string[] {
  return value
    ? value
        .split(LIST_SEPARATOR)
        .map((v) => v.trim())
        .filter(Boolean)
    : [];
}

/** `CIS-2.0: 1.2, 1.3 | GDPR: article_32` → framework names. */
function frameworks(value: string | undefined): string[] {
  return splitList(value).map((entry) => entry.split(":", 1)[0]?.trim() ?? "");
}

function parseCsv(doc: ReportDocument): ParsedReport {
  if (doc.syntax !== "csv") throw new ParseError("not a CSV document", CSV_FORMAT);
  const rows = csvRecords(doc.text, DELIMITER, CSV_FORMAT);
  const findings: NormalizedFinding[] = [];
  let tool: Tool = { name: "Prowler" };
  rows.forEach((raw, i) => {
    const row = parseShape(CsvRow, raw, CSV_FORMAT, `row ${i + 1}`);
    if (i === 0 && row.PROWLER_VERSION) tool = { name: "Prowler", version: row.PROWLER_VERSION };
    if (row.STATUS.toUpperCase() !== FAIL) return;
    const result: ProwlerResult = {
      checkId: row.CHECK_ID,
      title: nonEmpty(row.CHECK_TITLE),
      status: row.STATUS,
      statusExtended: nonEmpty(row.STATUS_EXTENDED),
      muted: row.MUTED?.toLowerCase() === "true",
      severity: nonEmpty(row.SEVERITY),
      description: nonEmpty(row.DESCRIPTION),
      risk: nonEmpty(row.RISK),
      remediation: nonEmpty(row.REMEDIATION_RECOMMENDATION_TEXT),
      references: [row.REMEDIATION_RECOMMENDATION_URL, row.RELATED_URL, ...splitList(row.ADDITIONAL_URLS)],
      findingUid: nonEmpty(row.FINDING_UID),
      resourceUid: nonEmpty(row.RESOURCE_UID),
      resourceName: nonEmpty(row.RESOURCE_NAME),
      resourceType: nonEmpty(row.RESOURCE_TYPE),
      provider: nonEmpty(row.PROVIDER),
      service: nonEmpty(row.SERVICE_NAME),
      account: nonEmpty(row.ACCOUNT_UID),
      region: nonEmpty(row.REGION),
      compliance: frameworks(row.COMPLIANCE),
      categories: splitList(row.CATEGORIES),
    };
    findings.push(toFinding(result, tool));
  });
  return { tool, findings };
}

export const prowlerJson: ReportFormat = {
  id: JSON_FORMAT,
  tools: "Prowler v4/v5 (AWS, Azure, GCP, Kubernetes, M365, GitHub): -M json-ocsf",
  description: "Prowler OCSF JSON: FAIL results as cloud misconfigurations (muted as suppressed)",
  detect: detectJson,
  parse: parseJson,
};

export const prowlerCsv: ReportFormat = {
  id: CSV_FORMAT,
  tools: "Prowler v4/v5 (AWS, Azure, GCP, Kubernetes, M365, GitHub): -M csv",
  description: "Prowler CSV (; delimited): FAIL rows as cloud misconfigurations (MUTED as suppressed)",
  detect: detectCsv,
  parse: parseCsv,
};
