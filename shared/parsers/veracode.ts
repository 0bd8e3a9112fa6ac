import { z } from "zod";
import type { Category, NormalizedFinding, Severity } from "#shared/domain/finding";
import { buildPurl, purlTypeFor } from "#shared/domain/purl";
import { severityFromScore } from "#shared/domain/severity";
import { canonicalVulnId } from "#shared/domain/vulnerability-id";
import { isRecord, type ReportDocument } from "./document.ts";
import { type FindingDraft, makeFinding } from "./finding-builder.ts";
import type { ParsedReport, ReportFormat } from "./format.ts";
import { ParseError } from "./parse-error.ts";
import { parseShape } from "./shape.ts";
import { parseXml, xmlList } from "./xml.ts";

/**
 * Veracode detailed report XML (`detailedreport`, report_format_version 1.1–1.5; from the platform,
 * the XML API `detailedreport.do` or the Pipeline Scan's `--json`-less export): static flaws
 * (`severity/category/cwe/staticflaws/flaw`), dynamic flaws (`dynamicflaws/flaw`) and the
 * software composition analysis (`software_composition_analysis/vulnerable_components/component/
 * vulnerabilities/vulnerability`).
 *
 * One finding per flaw and per component × vulnerability. Flaws whose `remediation_status` is
 * `Fixed` are not findings. Flaws with an accepted mitigation, and SCA vulnerabilities marked
 * `mitigation="true"`, are kept and suppressed. Severity 5 Very High → critical, 4 High → high,
 * 3 Medium → medium, 2 Low and 1 Very Low → low, 0 Informational → info.
 */

const FORMAT = "veracode-xml";
const Attr = z.string().optional();

const SEVERITY: Record<string, Severity> = {
  "5": "critical",
  "4": "high",
  "3": "medium",
  "2": "low",
  "1": "low",
  "0": "info",
};
const SEVERITY_WORD: Record<string, string> = {
  "5": "Very High",
  "4": "High",
  "3": "Medium",
  "2": "Low",
  "1": "Very Low",
  "0": "Informational",
};

const Flaw = z.object({
  "@_severity": z.string(),
  "@_categoryname": Attr,
  "@_issueid": Attr,
  "@_module": Attr,
  "@_type": Attr,
  "@_description": Attr,
  "@_cweid": Attr,
  "@_exploitLevel": Attr,
  "@_remediation_status": Attr,
  "@_mitigation_status": Attr,
  "@_mitigation_status_desc": Attr,
  "@_sourcefile": Attr,
  "@_sourcefilepath": Attr,
  "@_line": Attr,
  "@_functionprototype": Attr,
  "@_url": Attr,
  "@_vuln_parameter": Attr,
  annotations: z
    .union([z.literal(""), z.object({ annotation: z.array(z.object({ "@_description": Attr })).optional() })])
    .optional(),
});
type Flaw = z.infer<typeof Flaw>;

const Flaws = z.union([z.literal(""), z.object({ flaw: z.array(z.unknown()).optional() })]).optional();

const Cwe = z.object({
  "@_cweid": Attr,
  "@_cwename": Attr,
  staticflaws: Flaws,
  dynamicflaws: Flaws,
});

const Category_ = z.object({
  "@_categoryname": Attr,
  recommendations: z.union([z.literal(""), z.object({ para: z.unknown().optional() })]).optional(),
  cwe: z.array(z.unknown()).optional(),
});

/** `<recommendations><para text="…"/>…</recommendations>` as lines of text. */
function paragraphs(node: z.infer<typeof Category_>["recommendations"]): string | undefined {
  if (!node) return undefined;
  const texts = xmlList(node.para)
    .filter(isRecord)
    .map((p) => p["@_text"])
    .filter((t): t is string => typeof t === "string" && t.trim() !== "");
  return texts.join("\n") || undefined;
}

const Severity_ = z.object({ "@_level": z.string(), category: z.array(z.unknown()).optional() });

const ScaVulnerability = z.object({
  "@_cve_id": z.string(),
  "@_cvss_score": Attr,
  "@_severity": Attr,
  "@_cwe_id": Attr,
  "@_cve_summary": Attr,
  "@_severity_desc": Attr,
  "@_mitigation": Attr,
  "@_mitigation_type": Attr,
});
type ScaVulnerability = z.infer<typeof ScaVulnerability>;

const Component = z.object({
  "@_component_id": Attr,
  "@_file_name": Attr,
  "@_library": Attr,
  "@_library_id": Attr,
  "@_vendor": Attr,
  "@_version": Attr,
  file_paths: z.union([z.literal(""), z.object({ file_path: z.unknown().optional() })]).optional(),
  vulnerabilities: z
    .union([z.literal(""), z.object({ vulnerability: z.array(z.unknown()).optional() })])
    .optional(),
});
type Component = z.infer<typeof Component>;

const Report = z.object({
  detailedreport: z.object({
    "@_app_name": Attr,
    "@_version": Attr,
    "static-analysis": z.union([z.literal(""), z.object({ "@_engine_version": Attr })]).optional(),
    severity: z.array(z.unknown()).optional(),
    software_composition_analysis: z
      .union([
        z.literal(""),
        z.object({
          vulnerable_components: z
            .union([z.literal(""), z.object({ component: z.array(z.unknown()).optional() })])
            .optional(),
        }),
      ])
      .optional(),
  }),
});

const TOOL_NAME = "Veracode";

function detect(doc: ReportDocument): boolean {
  return (
    doc.syntax === "xml" &&
    (doc.root === "detailedreport" || doc.root.endsWith(":detailedreport")) &&
    /veracode/i.test(doc.head)
  );
}

function lineOf(value: string | undefined): number | undefined {
  const n = Number(value);
  return value && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

function flawSuppression(f: Flaw): FindingDraft["suppressed"] {
  if (f["@_mitigation_status"]?.toLowerCase() !== "accepted") return undefined;
  const notes = f.annotations === "" ? [] : (f.annotations?.annotation ?? []);
  const last = notes[notes.length - 1]?.["@_description"];
  return { kind: "mitigated", justification: last || f["@_mitigation_status_desc"] };
}

interface FlawContext {
  cweName?: string;
  remediation?: string;
  tool: ParsedReport["tool"];
}

function flawFinding(f: Flaw, dynamic: boolean, c: FlawContext): NormalizedFinding {
  const level = f["@_severity"];
  const severity = SEVERITY[level];
  if (!severity)
    throw new ParseError(`unknown flaw severity "${level}"`, FORMAT, `flaw ${f["@_issueid"] ?? "?"}`);
  const cwe = f["@_cweid"];
  const name = f["@_categoryname"] ?? c.cweName;
  const path = f["@_sourcefilepath"] ?? "";
  const file = f["@_sourcefile"]
    ? `${path}${path && !path.endsWith("/") ? "/" : ""}${f["@_sourcefile"]}`
    : undefined;
  const category: Category = dynamic ? "dast" : "sast";
  return makeFinding({
    category,
    tool: c.tool,
    rule: { id: cwe ? `CWE-${cwe}` : (name ?? "veracode-flaw"), name },
    remediation: c.remediation,
    title: name ?? `CWE-${cwe}`,
    description: f["@_description"],
    severity,
    rawSeverity: `${level} ${SEVERITY_WORD[level] ?? ""}`.trim(),
    cwes: [cwe],
    location: dynamic
      ? { url: f["@_url"], parameter: f["@_vuln_parameter"] }
      : { file, startLine: lineOf(f["@_line"]), resource: f["@_functionprototype"] || f["@_type"] },
    fingerprints: { "veracode/issueid": f["@_issueid"] },
    toolId: f["@_issueid"],
    tags: [
      f["@_module"] ? `module:${f["@_module"]}` : undefined,
      f["@_remediation_status"] ? `status:${f["@_remediation_status"]}` : undefined,
      f["@_mitigation_status"] && f["@_mitigation_status"] !== "none"
        ? `mitigation:${f["@_mitigation_status"]}`
        : undefined,
      f["@_exploitLevel"] ? `exploit-level:${f["@_exploitLevel"]}` : undefined,
    ],
    suppressed: flawSuppression(f),
  });
}

/** Veracode's library ids: `maven:org.apache.logging.log4j:log4j-core:2.14.1:`; the vendor of a Maven component is its group. */
function purlOf(c: Component): { purl?: string; type?: string; name: string } {
  const library = c["@_library"] ?? c["@_file_name"] ?? "unknown";
  const ecosystem = c["@_library_id"]?.split(":")[0];
  const type = purlTypeFor(ecosystem);
  const vendor = c["@_vendor"];
  const name = type === "maven" && vendor ? `${vendor}:${library}` : library;
  return { type, name, purl: type ? buildPurl(type, name, c["@_version"]) : undefined };
}

function scaFinding(c: Component, v: ScaVulnerability, tool: ParsedReport["tool"]): NormalizedFinding {
  const id = canonicalVulnId(v["@_cve_id"]);
  const { purl, type, name } = purlOf(c);
  const score = Number(v["@_cvss_score"]);
  const severity =
    SEVERITY[v["@_severity"] ?? ""] ??
    (v["@_cvss_score"] && Number.isFinite(score) ? severityFromScore(score) : "info");
  const mitigated = v["@_mitigation"]?.toLowerCase() === "true";
  const paths = c.file_paths ? xmlList(c.file_paths.file_path) : [];
  const first = paths.find(isRecord);
  const firstPath = first?.["@_value"];
  return makeFinding({
    category: "sca",
    tool,
    rule: { id },
    title: `${id} in ${name}@${c["@_version"] ?? "?"}`,
    description: v["@_cve_summary"],
    severity,
    rawSeverity: v["@_severity_desc"] ?? v["@_severity"],
    cwes: [v["@_cwe_id"]],
    vulnerability: { id, aliases: [] },
    package: { purl, ecosystem: type, name, version: c["@_version"], fixedVersions: [] },
    location: { file: typeof firstPath === "string" ? firstPath : c["@_file_name"] },
    fingerprints: { "veracode/component": c["@_component_id"] ? `${c["@_component_id"]}/${id}` : undefined },
    toolId: c["@_component_id"] ? `${c["@_component_id"]}/${id}` : undefined,
    suppressed: mitigated ? { kind: "mitigated", justification: v["@_mitigation_type"] } : undefined,
  });
}

function flawsOf(node: z.infer<typeof Flaws>): unknown[] {
  return node ? (node.flaw ?? []) : [];
}

function parse(doc: ReportDocument): ParsedReport {
  if (doc.syntax !== "xml") throw new ParseError("not an XML document", FORMAT);
  const xml = parseXml(doc.bytes, FORMAT, {
    arrays: ["severity", "category", "cwe", "flaw", "annotation", "component", "vulnerability"],
  });
  const report = parseShape(Report, xml, FORMAT).detailedreport;
  const statics = report["static-analysis"];
  const engine = statics ? statics["@_engine_version"] : undefined;
  const tool = engine ? { name: TOOL_NAME, version: engine } : { name: TOOL_NAME };
  const findings: NormalizedFinding[] = [];
  (report.severity ?? []).forEach((rawSeverity, si) => {
    const sev = parseShape(Severity_, rawSeverity, FORMAT, `severity[${si}]`);
    (sev.category ?? []).forEach((rawCategory, ci) => {
      const category = parseShape(Category_, rawCategory, FORMAT, `severity[${si}].category[${ci}]`);
      (category.cwe ?? []).forEach((rawCwe, wi) => {
        const where = `severity[${si}].category[${ci}].cwe[${wi}]`;
        const cwe = parseShape(Cwe, rawCwe, FORMAT, where);
        for (const [dynamic, list] of [
          [false, flawsOf(cwe.staticflaws)],
          [true, flawsOf(cwe.dynamicflaws)],
        ] as const) {
          list.forEach((rawFlaw, fi) => {
            const flaw = parseShape(Flaw, rawFlaw, FORMAT, `${where}.flaw[${fi}]`);
            if (flaw["@_remediation_status"]?.toLowerCase() === "fixed") return;
            const cweName = cwe["@_cwename"] ?? category["@_categoryname"];
            findings.push(
              flawFinding(flaw, dynamic, {
                cweName,
                remediation: paragraphs(category.recommendations),
                tool,
              }),
            );
          });
        }
      });
    });
  });
  const sca = report.software_composition_analysis;
  const components = sca ? (sca.vulnerable_components ?? "") : "";
  (components === "" ? [] : (components.component ?? [])).forEach((rawComponent, ci) => {
    const component = parseShape(Component, rawComponent, FORMAT, `component[${ci}]`);
    const vulns = component.vulnerabilities === "" ? [] : (component.vulnerabilities?.vulnerability ?? []);
    vulns.forEach((rawVuln, vi) => {
      const vuln = parseShape(ScaVulnerability, rawVuln, FORMAT, `component[${ci}].vulnerability[${vi}]`);
      findings.push(scaFinding(component, vuln, tool));
    });
  });
  return { tool, findings };
}

export const veracodeXml: ReportFormat = {
  id: FORMAT,
  tools: "Veracode Static, Dynamic and SCA (detailed report XML, report_format_version 1.1–1.5)",
  description: "Veracode detailed report XML: static and dynamic flaws, SCA component vulnerabilities",
  detect,
  parse,
};
