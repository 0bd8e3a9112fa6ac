import { z } from "zod";
import type { NormalizedFinding } from "#shared/domain/finding";
import { severityFromWord } from "#shared/domain/severity";
import { csvRecords } from "./csv.ts";
import { isRecord, type ReportDocument, recordsOf } from "./document.ts";
import { anyOf, emptyArray, emptyFile } from "./empty-report.ts";
import { makeFinding } from "./finding-builder.ts";
import type { ParsedReport, ReportFormat } from "./format.ts";
import { ParseError } from "./parse-error.ts";
import { parseShape } from "./shape.ts";

/**
 * Prowler cloud posture results, JSON and CSV (`;`-delimited):
 * - v4/v5: OCSF Detection Findings (`-M json-ocsf`, `finding_info`, `status_code`) and CSV
 *   (`FINDING_UID`, `MUTED`);
 * - v3: its own JSON (`-M json`: `CheckID`, `Status`, `FindingUniqueId`), OCSF 1.0.0-rc.3 Security
 *   Findings (`-M json-ocsf`: `finding`, status `Success`/`Failure`) and CSV (`FINDING_UNIQUE_ID`,
 *   `ACCOUNT_ID`/`SUBSCRIPTION`/`PROJECT_ID`, `RESOURCE_ARN`/`RESOURCE_ID`; header in any case).
 * Only failed results are findings (PASS, MANUAL, INFO are not); muted ones (OCSF status
 * "Suppressed", CSV MUTED=True, v3 status MUTED) are kept as suppressed. A clean run writes no
 * record: an empty file (v4/v5), or `[]` (v3 JSON). Cloud misconfigurations are
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

/** Fields both OCSF generations of Prowler write alike. */
const OCSF_TEXT = {
  message: z.string().nullish(),
  status_detail: z.string().nullish(),
  severity: z.string().nullish(),
};
const FINDING_TEXT = { uid: z.string().nullish(), title: z.string().nullish(), desc: z.string().nullish() };

const Ocsf = z.object({
  ...OCSF_TEXT,
  status_code: z.string(),
  status: z.string().nullish(),
  finding_info: z.object(FINDING_TEXT),
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

/** Prowler 3's OCSF 1.0.0-rc.3 Security Finding: the check is `metadata.product.feature.uid`. */
const OcsfV3 = z.object({
  ...OCSF_TEXT,
  status: z.string(),
  finding: z.object({
    ...FINDING_TEXT,
    src_url: z.string().nullish(),
    supporting_data: z.object({ Risk: z.string().nullish() }).nullish(),
    remediation: z
      .object({ desc: z.string().nullish(), kb_articles: z.array(z.string()).nullish() })
      .nullish(),
  }),
  metadata: z.object({
    product: z.object({
      version: z.string().nullish(),
      feature: z.object({ uid: z.string() }),
    }),
  }),
  resources: Ocsf.shape.resources,
  compliance: z.object({ requirements: z.array(z.string()).nullish() }).nullish(),
  cloud: Ocsf.shape.cloud,
});

/** Prowler 3's own JSON (`-M json`), one object per check result. */
const NativeV3 = z.object({
  CheckID: z.string(),
  CheckTitle: z.string().nullish(),
  Status: z.string(),
  StatusExtended: z.string().nullish(),
  Severity: z.string().nullish(),
  Provider: z.string().nullish(),
  ServiceName: z.string().nullish(),
  ResourceType: z.string().nullish(),
  Description: z.string().nullish(),
  Risk: z.string().nullish(),
  RelatedUrl: z.string().nullish(),
  Remediation: z
    .object({ Recommendation: z.object({ Text: z.string().nullish(), Url: z.string().nullish() }).nullish() })
    .nullish(),
  Compliance: z.record(z.string(), z.unknown()).nullish(),
  Categories: z.array(z.string()).nullish(),
  FindingUniqueId: z.string().nullish(),
  AccountId: z.string().nullish(),
  Subscription: z.string().nullish(),
  ProjectId: z.string().nullish(),
  Region: z.string().nullish(),
  Location: z.string().nullish(),
  ResourceId: z.string().nullish(),
  ResourceArn: z.string().nullish(),
  ResourceName: z.string().nullish(),
});

function isProwlerProduct(metadata: unknown): boolean {
  if (!isRecord(metadata) || !isRecord(metadata.product)) return false;
  const name = metadata.product.name;
  return typeof name === "string" && name.toLowerCase() === "prowler";
}

type JsonShape = "ocsf" | "ocsf-v3" | "native-v3";

function jsonShapeOf(value: unknown): JsonShape | undefined {
  if (!isRecord(value)) return undefined;
  if (isRecord(value.finding_info) && isProwlerProduct(value.metadata)) return "ocsf";
  if (isRecord(value.finding) && isProwlerProduct(value.metadata)) return "ocsf-v3";
  const native =
    typeof value.CheckID === "string" && typeof value.Status === "string" && "FindingUniqueId" in value;
  return native ? "native-v3" : undefined;
}

function detectJson(doc: ReportDocument): boolean {
  return doc.syntax === "json" && jsonShapeOf(recordsOf(doc)?.[0]) !== undefined;
}

/** `CIS-1.5: 1.2, 1.3` → `CIS-1.5`. */
function frameworkOf(requirement: string): string {
  return requirement.split(":", 1)[0]?.trim() ?? "";
}

type OcsfPlace = Pick<
  ProwlerResult,
  "resourceUid" | "resourceName" | "resourceType" | "provider" | "service" | "account" | "region"
>;

/** The first resource and the cloud account of an OCSF record, alike in both generations. */
function ocsfPlace(o: Pick<z.infer<typeof Ocsf>, "resources" | "cloud">): OcsfPlace {
  const resource = o.resources?.[0];
  return {
    resourceUid: nonEmpty(resource?.uid),
    resourceName: nonEmpty(resource?.name),
    resourceType: nonEmpty(resource?.type),
    provider: nonEmpty(o.cloud?.provider),
    service: nonEmpty(resource?.group?.name),
    account: nonEmpty(o.cloud?.account?.uid),
    region: nonEmpty(resource?.region ?? o.cloud?.region),
  };
}

function fromOcsf(o: z.infer<typeof Ocsf>): ProwlerResult {
  return {
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
    ...ocsfPlace(o),
    compliance: Object.keys(o.unmapped?.compliance ?? {}),
    categories: o.unmapped?.categories ?? [],
  };
}

const V3_OCSF_STATUS: Record<string, string> = { failure: FAIL, success: "PASS" };

function fromOcsfV3(o: z.infer<typeof OcsfV3>): ProwlerResult {
  const f = o.finding;
  return {
    checkId: o.metadata.product.feature.uid,
    title: nonEmpty(f.title),
    status: V3_OCSF_STATUS[o.status.toLowerCase()] ?? o.status,
    statusExtended: nonEmpty(o.status_detail ?? o.message),
    muted: false,
    severity: nonEmpty(o.severity),
    description: nonEmpty(f.desc),
    risk: nonEmpty(f.supporting_data?.Risk),
    remediation: nonEmpty(f.remediation?.desc),
    references: [
      ...(f.remediation?.kb_articles ?? []).filter((a) => /^https?:\/\//.test(a)),
      f.src_url ?? undefined,
    ],
    findingUid: nonEmpty(f.uid),
    ...ocsfPlace(o),
    compliance: [...new Set((o.compliance?.requirements ?? []).map(frameworkOf))].filter(Boolean),
    categories: [],
  };
}

/** v3 status MUTED (an allowlisted failure) is kept as a muted failure. */
function fromNativeV3(r: z.infer<typeof NativeV3>): ProwlerResult {
  const muted = r.Status.toUpperCase() === "MUTED";
  return {
    checkId: r.CheckID,
    title: nonEmpty(r.CheckTitle),
    status: muted ? FAIL : r.Status,
    statusExtended: nonEmpty(r.StatusExtended),
    muted,
    severity: nonEmpty(r.Severity),
    description: nonEmpty(r.Description),
    risk: nonEmpty(r.Risk),
    remediation: nonEmpty(r.Remediation?.Recommendation?.Text),
    references: [r.Remediation?.Recommendation?.Url ?? undefined, r.RelatedUrl ?? undefined],
    findingUid: nonEmpty(r.FindingUniqueId),
    resourceUid: nonEmpty(r.ResourceArn) ?? nonEmpty(r.ResourceId),
    resourceName: nonEmpty(r.ResourceName) ?? nonEmpty(r.ResourceId),
    resourceType: nonEmpty(r.ResourceType),
    provider: nonEmpty(r.Provider),
    service: nonEmpty(r.ServiceName),
    account: nonEmpty(r.AccountId) ?? nonEmpty(r.Subscription) ?? nonEmpty(r.ProjectId),
    region: nonEmpty(r.Region) ?? nonEmpty(r.Location),
    compliance: Object.keys(r.Compliance ?? {}),
    categories: r.Categories ?? [],
  };
}

function resultOf(raw: unknown, where: string): { result: ProwlerResult; version?: string } {
  switch (jsonShapeOf(raw)) {
    case "ocsf-v3": {
      const o = parseShape(OcsfV3, raw, JSON_FORMAT, where);
      return { result: fromOcsfV3(o), version: nonEmpty(o.metadata.product.version) };
    }
    case "native-v3":
      return { result: fromNativeV3(parseShape(NativeV3, raw, JSON_FORMAT, where)) };
    default: {
      const o = parseShape(Ocsf, raw, JSON_FORMAT, where);
      return { result: fromOcsf(o), version: nonEmpty(o.metadata.product?.version) };
    }
  }
}

function parseJson(doc: ReportDocument): ParsedReport {
  const records = recordsOf(doc) ?? [];
  const findings: NormalizedFinding[] = [];
  let tool: Tool = { name: "Prowler" };
  records.forEach((raw, i) => {
    const { result, version } = resultOf(raw, `[${i}]`);
    if (i === 0 && version) tool = { name: "Prowler", version };
    if (result.status.toUpperCase() === FAIL) findings.push(toFinding(result, tool));
  });
  return { tool, findings };
}

// ---- CSV ----

const CSV_FORMAT = "prowler-csv";
const DELIMITER = ";";
const LIST_SEPARATOR = " | ";

/** v4/v5 column names; a Prowler 3 header maps onto them (`V3_COLUMNS`). */
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

/** Prowler 3 columns, each read as the first v4 column it stands for that the row lacks. */
const V3_COLUMNS: ReadonlyArray<readonly [string, string]> = [
  ["FINDING_UNIQUE_ID", "FINDING_UID"],
  ["ACCOUNT_ID", "ACCOUNT_UID"],
  ["SUBSCRIPTION", "ACCOUNT_UID"],
  ["PROJECT_ID", "ACCOUNT_UID"],
  ["RESOURCE_ARN", "RESOURCE_UID"],
  ["RESOURCE_ID", "RESOURCE_UID"],
  ["RESOURCE_ID", "RESOURCE_NAME"],
  ["LOCATION", "REGION"],
];

function headerOf(doc: ReportDocument): Set<string> {
  if (doc.syntax !== "csv") return new Set();
  const first = doc.head.split(/\r?\n/, 1)[0] ?? "";
  return new Set(first.split(DELIMITER).map((c) => c.trim().toUpperCase()));
}

function detectCsv(doc: ReportDocument): boolean {
  const header = headerOf(doc);
  const uid = header.has("FINDING_UID") || header.has("FINDING_UNIQUE_ID");
  return uid && ["PROVIDER", "CHECK_ID", "STATUS"].every((c) => header.has(c));
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
  return splitList(value).map(frameworkOf);
}

/** A row keyed by upper-case v4 column names. */
function currentColumns(raw: Record<string, string>): Record<string, string> {
  const row: Record<string, string> = {};
  for (const [name, cell] of Object.entries(raw)) row[name.toUpperCase()] = cell;
  for (const [v3, v4] of V3_COLUMNS) if (!row[v4] && row[v3]) row[v4] = row[v3];
  return row;
}

function parseCsv(doc: ReportDocument): ParsedReport {
  const tool: Tool = { name: "Prowler" };
  // an empty file: Prowler writes the header with the first result, so a clean run writes nothing
  if (emptyFile(doc)) return { tool, findings: [] };
  if (doc.syntax !== "csv") throw new ParseError("not a CSV document", CSV_FORMAT);
  const rows = csvRecords(doc.text, DELIMITER, CSV_FORMAT);
  const findings: NormalizedFinding[] = [];
  let named = tool;
  rows.forEach((raw, i) => {
    const row = parseShape(CsvRow, currentColumns(raw), CSV_FORMAT, `row ${i + 1}`);
    if (i === 0 && row.PROWLER_VERSION) named = { name: "Prowler", version: row.PROWLER_VERSION };
    const status = row.STATUS.toUpperCase();
    if (status !== FAIL && status !== "MUTED") return;
    const result: ProwlerResult = {
      checkId: row.CHECK_ID,
      title: nonEmpty(row.CHECK_TITLE),
      status: FAIL,
      statusExtended: nonEmpty(row.STATUS_EXTENDED),
      muted: status === "MUTED" || row.MUTED?.toLowerCase() === "true",
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
    findings.push(toFinding(result, named));
  });
  return { tool: named, findings };
}

export const prowlerJson: ReportFormat = {
  id: JSON_FORMAT,
  tools: "Prowler v3, v4 and v5 (AWS, Azure, GCP, Kubernetes, M365, GitHub): -M json-ocsf, v3 -M json",
  description:
    "Prowler JSON (OCSF or v3 native): FAIL results as cloud misconfigurations (muted as suppressed)",
  detect: detectJson,
  isEmptyReport: anyOf(emptyFile, emptyArray),
  parse: parseJson,
};

export const prowlerCsv: ReportFormat = {
  id: CSV_FORMAT,
  tools: "Prowler v3, v4 and v5 (AWS, Azure, GCP, Kubernetes, M365, GitHub): -M csv",
  description: "Prowler CSV (; delimited): FAIL rows as cloud misconfigurations (MUTED as suppressed)",
  detect: detectCsv,
  isEmptyReport: emptyFile,
  parse: parseCsv,
};
