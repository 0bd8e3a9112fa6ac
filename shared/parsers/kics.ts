import { z } from "zod";
import type { NormalizedFinding, Severity } from "#shared/domain/finding";
import { severityFromWord } from "#shared/domain/severity";
import { isRecord, type ReportDocument } from "./document.ts";
import { makeFinding } from "./finding-builder.ts";
import type { ParsedReport, ReportFormat } from "./format.ts";
import { parseShape } from "./shape.ts";

/**
 * KICS JSON (`--report-formats json`): one finding per `queries[].files[]` entry. `similarity_id` is
 * KICS's own stable fingerprint. Severity CRITICAL/HIGH/MEDIUM/LOW/INFO map one to one, TRACE → info.
 * `bill_of_materials` (TRACE inventory queries, `issue_type` BillOfMaterials) lists resources, not
 * problems, and is not read.
 */

const FORMAT = "kics-json";

const SEVERITY: Record<string, Severity> = {
  CRITICAL: "critical",
  HIGH: "high",
  MEDIUM: "medium",
  LOW: "low",
  INFO: "info",
  TRACE: "info",
};

const Report = z.object({
  kics_version: z.string().nullish(),
  queries: z.array(z.unknown()).nullish(),
});

const Query = z.object({
  query_name: z.string(),
  query_id: z.string(),
  query_url: z.string().nullish(),
  severity: z.string(),
  platform: z.string().nullish(),
  cloud_provider: z.string().nullish(),
  category: z.string().nullish(),
  description: z.string().nullish(),
  cwe: z.union([z.string(), z.number()]).nullish(),
  files: z.array(z.unknown()).nullish(),
});

const FileHit = z.object({
  file_name: z.string(),
  similarity_id: z.string().nullish(),
  line: z.number().nullish(),
  resource_type: z.string().nullish(),
  resource_name: z.string().nullish(),
  issue_type: z.string().nullish(),
  search_key: z.string().nullish(),
  expected_value: z.string().nullish(),
  actual_value: z.string().nullish(),
});

/**
 * A `queries` list (or `null`) beside `kics_version`, or, since KICS omits an empty version
 * (`omitempty`, builds without version info), beside its run summary: `severity_counters`,
 * `total_counter` and the file counters.
 */
function detect(doc: ReportDocument): boolean {
  if (doc.syntax !== "json" || !isRecord(doc.value)) return false;
  const v = doc.value;
  if (!(Array.isArray(v.queries) || v.queries === null)) return false;
  if ("kics_version" in v) return true;
  return (
    isRecord(v.severity_counters) && "total_counter" in v && ("files_scanned" in v || "queries_total" in v)
  );
}

/** `aws_s3_bucket.logs` when KICS names the resource, else its search key (`aws_alb[enabled]`). */
function resourceOf(hit: z.infer<typeof FileHit>): string | undefined {
  if (hit.resource_type && hit.resource_name) return `${hit.resource_type}.${hit.resource_name}`;
  return hit.resource_name ?? hit.search_key ?? undefined;
}

function parse(doc: ReportDocument): ParsedReport {
  const report = parseShape(Report, doc.syntax === "json" ? doc.value : undefined, FORMAT);
  const tool = { name: "KICS", version: report.kics_version ?? undefined };
  const findings: NormalizedFinding[] = [];
  (report.queries ?? []).forEach((rawQuery, q) => {
    const query = parseShape(Query, rawQuery, FORMAT, `queries[${q}]`);
    // a severity word newer than this table still maps through the shared word list
    const severity = SEVERITY[query.severity.toUpperCase()] ?? severityFromWord(query.severity) ?? "medium";
    (query.files ?? []).forEach((rawHit, f) => {
      const hit = parseShape(FileHit, rawHit, FORMAT, `queries[${q}].files[${f}]`);
      const line = hit.line ?? undefined;
      findings.push(
        makeFinding({
          category: "iac",
          tool,
          rule: { id: query.query_id, name: query.query_name },
          title: query.query_name,
          description:
            [query.description, hit.actual_value ? `Actual: ${hit.actual_value}` : undefined]
              .filter(Boolean)
              .join("\n") || undefined,
          severity,
          rawSeverity: query.severity,
          cwes: [query.cwe],
          location: { file: hit.file_name, startLine: line, endLine: line, resource: resourceOf(hit) },
          fingerprints: { similarityId: hit.similarity_id ?? undefined },
          remediation: hit.expected_value ? `Expected: ${hit.expected_value}` : undefined,
          references: [query.query_url ?? undefined],
          tags: [query.platform, query.cloud_provider, query.category, hit.issue_type].map(
            (t) => t ?? undefined,
          ),
        }),
      );
    });
  });
  return { tool: tool.version ? tool : { name: tool.name }, findings };
}

export const kicsJson: ReportFormat = {
  id: FORMAT,
  tools: "KICS (Checkmarx)",
  description: "KICS JSON results: one finding per query match, similarity_id as fingerprint",
  detect,
  parse,
};
