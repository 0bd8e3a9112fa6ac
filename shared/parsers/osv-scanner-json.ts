import { z } from "zod";
import type { Cvss, NormalizedFinding, Severity } from "#shared/domain/finding";
import { maxSeverity, severityFromScore, severityFromWord } from "#shared/domain/severity";
import { cvssFrom } from "./cvss-vector.ts";
import { isRecord, type ReportDocument } from "./document.ts";
import { purlFromEcosystem } from "./ecosystem-purl.ts";
import { emptyList } from "./empty-report.ts";
import { makeFinding } from "./finding-builder.ts";
import type { ParsedReport, ReportFormat } from "./format.ts";
import { newestCvss } from "./newest-cvss.ts";
import { parseShape } from "./shape.ts";

/**
 * OSV-Scanner JSON (`osv-scanner --format json`, v1 and v2): results[] per scanned source (lock
 * file, SBOM, directory), packages[] with the full OSV records that affect them.
 *
 * OSV lists one vulnerability under several ids (GHSA + RUSTSEC + CVE, GO + GHSA) and OSV-Scanner
 * says which records are the same in `groups[]`. We emit ONE finding per (source, package, group):
 * the group's first id is the finding's id, every other id and alias an alias. Records no group
 * names stand alone; a report without groups (old versions) is grouped by shared ids and aliases.
 *
 * Severity: the newest CVSS vector of any record in the group (OSV gives vectors only, so the base
 * score is computed), else the group's max_severity score, else the highest
 * database_specific.severity word (GHSA: LOW/MODERATE/HIGH/CRITICAL) or Ubuntu priority, else info.
 * OS-distribution packages (Debian, Ubuntu, Alpine, …) are `container` findings, the rest `sca`.
 * Call analysis (`experimental_analysis.called`) gives reachability.
 */

const FORMAT = "osv-scanner-json";
const TOOL_NAME = "osv-scanner";

const OsvRecord = z.object({
  id: z.string().min(1),
  aliases: z.array(z.string()).nullish(),
  summary: z.string().optional(),
  details: z.string().optional(),
  severity: z.array(z.object({ type: z.string(), score: z.string() })).nullish(),
  affected: z
    .array(
      z.object({
        package: z.object({ name: z.string().optional(), ecosystem: z.string().optional() }).nullish(),
        ranges: z
          .array(
            z.object({
              type: z.string().optional(),
              events: z.array(z.record(z.string(), z.unknown())).nullish(),
            }),
          )
          .nullish(),
      }),
    )
    .nullish(),
  database_specific: z.record(z.string(), z.unknown()).nullish(),
  references: z.array(z.object({ url: z.string().optional() })).nullish(),
});
type OsvRecord = z.infer<typeof OsvRecord>;

const Group = z.object({
  ids: z.array(z.string()),
  aliases: z.array(z.string()).nullish(),
  max_severity: z.union([z.string(), z.number()]).nullish(),
  experimental_analysis: z.record(z.string(), z.object({ called: z.boolean().optional() })).nullish(),
});
type Group = z.infer<typeof Group>;

const PackageEntry = z.object({
  package: z.object({
    name: z.string().optional(),
    version: z.string().optional(),
    ecosystem: z.string().optional(),
    commit: z.string().optional(),
  }),
  vulnerabilities: z.array(z.unknown()).nullish(),
  groups: z.array(Group).nullish(),
});
type PackageEntry = z.infer<typeof PackageEntry>;

const SourceInfo = z.object({ path: z.string(), type: z.string().optional() });

/** OSV-Scanner before 1.2 (`--json`) named the source `packageSource`. */
const Result = z
  .object({
    source: SourceInfo.optional(),
    packageSource: SourceInfo.optional(),
    packages: z.array(z.unknown()).nullish(),
  })
  .transform((r, ctx) => {
    const source = r.source ?? r.packageSource;
    if (!source) {
      ctx.addIssue({ code: "custom", message: "a result names no source", path: ["source"] });
      return z.NEVER;
    }
    return { source, packages: r.packages };
  });

const Report = z.object({ results: z.array(z.unknown()).nullish() });

const CVSS_TYPES = new Set(["CVSS_V2", "CVSS_V3", "CVSS_V4"]);

function detect(doc: ReportDocument): boolean {
  if (doc.syntax !== "json" || !isRecord(doc.value)) return false;
  const v = doc.value;
  if (!Array.isArray(v.results)) return false;
  const first: unknown = v.results[0];
  // a clean v1.7+ run: `{"results": [], "experimental_config": …}` (a bare `{"results": []}` is
  // tfsec's clean run too: see isEmptyReport)
  if (first === undefined) return Object.keys(v).some((k) => k.startsWith("experimental"));
  return isRecord(first) && (isRecord(first.source) || isRecord(first.packageSource)) && "packages" in first;
}

/** Groups as the report states them, plus one per record no group names. */
function groupsOf(entry: PackageEntry, records: Map<string, OsvRecord>): Group[] {
  if (entry.groups?.length) {
    const named = new Set(entry.groups.flatMap((g) => g.ids));
    const loose = [...records.keys()].filter((id) => !named.has(id)).map((id) => ({ ids: [id] }));
    return [...entry.groups, ...loose];
  }
  // no groups (older reports): records sharing an id or alias are one vulnerability
  const groupOf = new Map<string, Group>();
  const groups: Group[] = [];
  for (const record of records.values()) {
    const keys = [record.id, ...(record.aliases ?? [])];
    const found = keys.map((k) => groupOf.get(k)).find(Boolean);
    const group = found ?? { ids: [] };
    if (!found) groups.push(group);
    group.ids.push(record.id);
    for (const k of keys) if (!groupOf.has(k)) groupOf.set(k, group);
  }
  return groups;
}

function cvssOf(records: OsvRecord[]): Cvss | undefined {
  const candidates: Array<Cvss | undefined> = [];
  for (const r of records)
    for (const s of r.severity ?? []) if (CVSS_TYPES.has(s.type)) candidates.push(cvssFrom(s.score));
  return newestCvss(candidates);
}

function severityOf(
  records: OsvRecord[],
  group: Group,
  cvss: Cvss | undefined,
): { severity: Severity; raw?: string } {
  if (cvss?.score !== undefined)
    return { severity: severityFromScore(cvss.score), raw: `CVSS ${cvss.score}` };
  const max =
    typeof group.max_severity === "string" ? Number.parseFloat(group.max_severity) : group.max_severity;
  if (typeof max === "number" && Number.isFinite(max) && max >= 0 && max <= 10) {
    return { severity: severityFromScore(max), raw: `max_severity ${max}` };
  }
  let best: { severity: Severity; raw?: string } | undefined;
  for (const r of records) {
    const words = [
      r.database_specific?.severity,
      ...(r.severity ?? []).filter((s) => s.type === "Ubuntu").map((s) => s.score),
    ];
    for (const word of words) {
      const severity = typeof word === "string" ? severityFromWord(word) : undefined;
      if (
        severity &&
        typeof word === "string" &&
        (!best || maxSeverity(best.severity, severity) !== best.severity)
      ) {
        best = { severity, raw: word };
      }
    }
  }
  return best ?? { severity: "info", raw: "unknown" };
}

/** Fixed versions of this package from the records' affected ranges (git commit ranges left out). */
function fixedVersions(records: OsvRecord[], name: string | undefined): string[] {
  const out: string[] = [];
  for (const r of records) {
    const affected = r.affected ?? [];
    const own = affected.filter((a) => a.package?.name === name);
    for (const a of own.length ? own : affected) {
      for (const range of a.ranges ?? []) {
        if (range.type === "GIT") continue;
        for (const event of range.events ?? []) if (typeof event.fixed === "string") out.push(event.fixed);
      }
    }
  }
  return out;
}

function cwesOf(records: OsvRecord[]): string[] {
  const out: string[] = [];
  for (const r of records) {
    const ids = r.database_specific?.cwe_ids;
    if (Array.isArray(ids)) for (const id of ids) if (typeof id === "string") out.push(id);
  }
  return out;
}

function reachabilityOf(group: Group): "reachable" | "unreachable" | undefined {
  const calls = Object.values(group.experimental_analysis ?? {})
    .map((a) => a.called)
    .filter((c) => c !== undefined);
  if (calls.some((c) => c)) return "reachable";
  return calls.length ? "unreachable" : undefined;
}

function emitPackage(entry: PackageEntry, where: string, source: string, out: NormalizedFinding[]): void {
  const records = new Map<string, OsvRecord>();
  (entry.vulnerabilities ?? []).forEach((raw, i) => {
    const record = parseShape(OsvRecord, raw, FORMAT, `${where}.vulnerabilities[${i}]`);
    records.set(record.id, record);
  });
  const pkg = entry.package;
  const name = pkg.name ?? pkg.commit ?? source;
  const eco = purlFromEcosystem(pkg.ecosystem, name, pkg.version);
  for (const group of groupsOf(entry, records)) {
    const members = group.ids.flatMap((id) => {
      const r = records.get(id);
      return r ? [r] : [];
    });
    const id = group.ids[0];
    if (!id) continue;
    const lead = members.find((r) => r.summary) ?? members[0];
    const cvss = cvssOf(members);
    const { severity, raw } = severityOf(members, group, cvss);
    out.push(
      makeFinding({
        category: eco.os ? "container" : "sca",
        tool: { name: TOOL_NAME },
        rule: { id, name: lead?.summary },
        title: lead?.summary ?? `${id} in ${name}`,
        description: members.find((r) => r.details)?.details,
        severity,
        rawSeverity: raw,
        cvss,
        vulnerability: {
          id,
          aliases: [...group.ids, ...(group.aliases ?? []), ...members.flatMap((r) => r.aliases ?? [])],
        },
        cwes: cwesOf(members),
        package: {
          purl: eco.purl,
          ecosystem: eco.type,
          name,
          version: pkg.version,
          fixedVersions: fixedVersions(members, pkg.name),
          manifest: source,
        },
        location: { file: source },
        reachability: reachabilityOf(group),
        references: members.flatMap((r) => (r.references ?? []).map((ref) => ref.url)),
        tags: group.ids.length > 1 ? [`osv-records:${group.ids.length}`] : [],
      }),
    );
  }
}

function parse(doc: ReportDocument): ParsedReport {
  const report = parseShape(Report, doc.syntax === "json" ? doc.value : undefined, FORMAT);
  const findings: NormalizedFinding[] = [];
  (report.results ?? []).forEach((raw, i) => {
    const where = `results[${i}]`;
    const result = parseShape(Result, raw, FORMAT, where);
    (result.packages ?? []).forEach((rawPkg, j) => {
      const at = `${where}.packages[${j}]`;
      emitPackage(parseShape(PackageEntry, rawPkg, FORMAT, at), at, result.source.path, findings);
    });
  });
  return { tool: { name: TOOL_NAME }, findings };
}

export const osvScannerJson: ReportFormat = {
  id: FORMAT,
  tools: "OSV-Scanner v1 and v2 (`--format json`, `--json` before 1.2)",
  description:
    "OSV-Scanner JSON: one finding per package and alias group, CVSS vectors scored, call analysis",
  detect,
  isEmptyReport: emptyList("results"),
  parse,
};
