import { z } from "zod";
import type { NormalizedFinding, Severity } from "#shared/domain/finding";
import { isRecord, type ReportDocument } from "./document.ts";
import { clip, makeFinding } from "./finding-builder.ts";
import type { ParsedReport, ReportFormat } from "./format.ts";
import { htmlLinks, htmlToText } from "./html-text.ts";
import { ParseError } from "./parse-error.ts";
import { parseShape } from "./shape.ts";
import { parseXml, xmlText } from "./xml.ts";

/**
 * OWASP ZAP traditional reports, JSON (`traditional-json`) and XML (`traditional-xml`).
 *
 * Emission: one finding per alert instance, i.e. per distinct (method, uri, param) of an alert, which
 * is the DAST identity correlation keys on; instances repeating the same triple with another
 * attack or evidence fold into one. An alert with no instances is one finding at the site URL.
 * `ignoredAlerts` (alerts the scan configuration set to IGNORE) are kept as suppressed findings.
 *
 * Severity: riskcode 3→high, 2→medium, 1→low, 0→info. Confidence does not lower severity; it is
 * carried as `confidence` (1→low, 2→medium, 3 high and 4 user-confirmed→high), and confidence 0
 * ("False Positive", set by a user) marks the finding suppressed. rawSeverity keeps both codes.
 */

const RISK: Record<string, Severity> = { "0": "info", "1": "low", "2": "medium", "3": "high" };
const CONFIDENCE: Record<string, "low" | "medium" | "high"> = {
  "1": "low",
  "2": "medium",
  "3": "high",
  "4": "high",
};
const FALSE_POSITIVE = "0";
const EVIDENCE_MAX = 500;

/** The fields both report syntaxes give, as plain strings. */
interface ZapInstance {
  uri?: string;
  method?: string;
  param?: string;
  attack?: string;
  evidence?: string;
  otherinfo?: string;
}

interface ZapAlert {
  pluginid: string;
  alertRef?: string;
  name: string;
  riskcode: string;
  confidence?: string;
  desc?: string;
  solution?: string;
  otherinfo?: string;
  reference?: string;
  cweid?: string;
  wascid?: string;
  instances: ZapInstance[];
}

interface ZapSite {
  name?: string;
  /** Alert lists with their path in the report, for error messages. */
  lists: Array<{ path: string; items: unknown[]; ignored: boolean }>;
}

type Tool = ParsedReport["tool"];

const Code = z.union([z.string(), z.number()]).transform(String);

// ---- JSON ----

const JsonInstance = z.object({
  uri: z.string().nullish(),
  method: z.string().nullish(),
  param: z.string().nullish(),
  attack: z.string().nullish(),
  evidence: z.string().nullish(),
  otherinfo: z.string().nullish(),
});

const JsonAlert = z.object({
  pluginid: Code,
  alertRef: Code.nullish(),
  alert: z.string().nullish(),
  name: z.string().nullish(),
  riskcode: Code,
  confidence: Code.nullish(),
  desc: z.string().nullish(),
  solution: z.string().nullish(),
  otherinfo: z.string().nullish(),
  reference: z.string().nullish(),
  cweid: Code.nullish(),
  wascid: Code.nullish(),
  instances: z.array(JsonInstance).nullish(),
});

const JsonSite = z.object({
  "@name": z.string().nullish(),
  alerts: z.array(z.unknown()).nullish(),
  ignoredAlerts: z.array(z.unknown()).nullish(),
});

const JsonReport = z.object({
  "@programName": z.string().nullish(),
  "@version": z.string().nullish(),
  site: z.array(z.unknown()),
});

/** zod's `nullish` gives null; the shared shape wants absent. */
function opt(value: string | null | undefined): string | undefined {
  return value ?? undefined;
}

function jsonAlert(raw: unknown, where: string): ZapAlert {
  const a = parseShape(JsonAlert, raw, "zap-json", where);
  return {
    pluginid: a.pluginid,
    alertRef: opt(a.alertRef),
    name: a.alert ?? a.name ?? a.pluginid,
    riskcode: a.riskcode,
    confidence: opt(a.confidence),
    desc: opt(a.desc),
    solution: opt(a.solution),
    otherinfo: opt(a.otherinfo),
    reference: opt(a.reference),
    cweid: opt(a.cweid),
    wascid: opt(a.wascid),
    instances: (a.instances ?? []).map((i) => ({
      uri: opt(i.uri),
      method: opt(i.method),
      param: opt(i.param),
      attack: opt(i.attack),
      evidence: opt(i.evidence),
      otherinfo: opt(i.otherinfo),
    })),
  };
}

function detectJson(doc: ReportDocument): boolean {
  if (doc.syntax !== "json" || !isRecord(doc.value)) return false;
  const v = doc.value;
  return Array.isArray(v.site) && ("@programName" in v || "@version" in v || "@generated" in v);
}

function parseJson(doc: ReportDocument): ParsedReport {
  const report = parseShape(JsonReport, doc.syntax === "json" ? doc.value : undefined, "zap-json");
  const tool = toolOf(report["@programName"], report["@version"]);
  const sites = report.site.map((raw, i) => {
    const site = parseShape(JsonSite, raw, "zap-json", `site[${i}]`);
    const lists = [
      { path: `site[${i}].alerts`, items: site.alerts ?? [], ignored: false },
      { path: `site[${i}].ignoredAlerts`, items: site.ignoredAlerts ?? [], ignored: true },
    ];
    return { name: opt(site["@name"]), lists };
  });
  return { tool, findings: emitSites(sites, tool, "zap-json", jsonAlert) };
}

// ---- XML ----

// fast-xml-parser gives text-only elements as strings and empty ones as ""
const XmlField = z.union([z.string(), z.object({ "#text": z.string().optional() })]).optional();

const XmlInstance = z.object({
  uri: XmlField,
  method: XmlField,
  param: XmlField,
  attack: XmlField,
  evidence: XmlField,
  otherinfo: XmlField,
});

const XmlAlert = XmlInstance.extend({
  pluginid: z.string(),
  alertRef: XmlField,
  alert: XmlField,
  name: XmlField,
  riskcode: z.string(),
  confidence: XmlField,
  desc: XmlField,
  solution: XmlField,
  reference: XmlField,
  cweid: XmlField,
  wascid: XmlField,
  instances: z.union([z.literal(""), z.object({ instance: z.array(z.unknown()).optional() })]).optional(),
});

const XmlSite = z.object({
  "@_name": z.string().optional(),
  alerts: z.union([z.literal(""), z.object({ alertitem: z.array(z.unknown()).optional() })]).optional(),
});

const XmlReport = z.object({
  OWASPZAPReport: z.object({
    "@_programName": z.string().optional(),
    "@_version": z.string().optional(),
    site: z.array(z.unknown()).optional(),
  }),
});

function text(node: unknown): string | undefined {
  const value = xmlText(node);
  return value === "" ? undefined : value;
}

function xmlInstance(raw: unknown, where: string): ZapInstance {
  const i = parseShape(XmlInstance, raw, "zap-xml", where);
  return {
    uri: text(i.uri),
    method: text(i.method),
    param: text(i.param),
    attack: text(i.attack),
    evidence: text(i.evidence),
    otherinfo: text(i.otherinfo),
  };
}

function xmlAlert(raw: unknown, where: string): ZapAlert {
  const a = parseShape(XmlAlert, raw, "zap-xml", where);
  const listed = a.instances === "" || !a.instances ? [] : (a.instances.instance ?? []);
  const instances = listed.map((inst, n) => xmlInstance(inst, `${where}.instances.instance[${n}]`));
  // ZAP 2.4-era reports put the single instance's fields on the alertitem itself
  if (!instances.length && text(a.uri)) instances.push(xmlInstance(raw, where));
  return {
    pluginid: a.pluginid,
    alertRef: text(a.alertRef),
    name: text(a.alert) ?? text(a.name) ?? a.pluginid,
    riskcode: a.riskcode,
    confidence: text(a.confidence),
    desc: text(a.desc),
    solution: text(a.solution),
    otherinfo: instances.length ? undefined : text(a.otherinfo),
    reference: text(a.reference),
    cweid: text(a.cweid),
    wascid: text(a.wascid),
    instances,
  };
}

function detectXml(doc: ReportDocument): boolean {
  return doc.syntax === "xml" && doc.root === "OWASPZAPReport";
}

function parseXmlReport(doc: ReportDocument): ParsedReport {
  if (doc.syntax !== "xml") throw new ParseError("not an XML document", "zap-xml");
  const xml = parseXml(doc.bytes, "zap-xml", { arrays: ["site", "alertitem", "instance"] });
  const root = parseShape(XmlReport, xml, "zap-xml").OWASPZAPReport;
  const tool = toolOf(root["@_programName"], root["@_version"]);
  const sites = (root.site ?? []).map((raw, i) => {
    const site = parseShape(XmlSite, raw, "zap-xml", `site[${i}]`);
    const items = site.alerts === "" || !site.alerts ? [] : (site.alerts.alertitem ?? []);
    return { name: site["@_name"], lists: [{ path: `site[${i}].alerts.alertitem`, items, ignored: false }] };
  });
  return { tool, findings: emitSites(sites, tool, "zap-xml", xmlAlert) };
}

// ---- shared emission ----

function toolOf(programName: string | null | undefined, version: string | null | undefined): Tool {
  // "OWASP ZAP" before 2.13, "ZAP" since; one name keeps findings of both on one tool
  const name = programName && !/zap/i.test(programName) ? programName : "ZAP";
  return version ? { name, version } : { name };
}

function instanceKey(i: ZapInstance): string {
  return [i.method ?? "", i.uri ?? "", i.param ?? ""].join("\u001f");
}

function instanceText(i: ZapInstance | undefined, alertOtherInfo: string | undefined): string | undefined {
  const lines = [
    ["Other info", htmlToText(i?.otherinfo ?? alertOtherInfo)],
    ["Attack", i?.attack],
    ["Evidence", i?.evidence],
  ]
    .filter((pair): pair is [string, string] => !!pair[1])
    .map(([label, value]) => `${label}: ${clip(value, EVIDENCE_MAX)}`);
  return lines.length ? lines.join("\n") : undefined;
}

function emitAlert(
  alert: ZapAlert,
  site: ZapSite,
  tool: Tool,
  where: string,
  format: string,
  ignored: boolean,
  out: NormalizedFinding[],
): void {
  const severity = RISK[alert.riskcode];
  if (!severity) throw new ParseError(`unknown riskcode "${alert.riskcode}"`, format, `${where}.riskcode`);
  const confidence = alert.confidence ? CONFIDENCE[alert.confidence] : undefined;
  const cwe = Number(alert.cweid);
  const wasc = Number(alert.wascid);
  const description = htmlToText(alert.desc);
  const remediation = htmlToText(alert.solution);
  const references = htmlLinks(alert.reference);
  const suppressed = ignored
    ? { kind: "ignored", justification: "alert set to IGNORE in the scan configuration" }
    : alert.confidence === FALSE_POSITIVE
      ? { kind: "false_positive", justification: "confidence set to False Positive in ZAP" }
      : undefined;

  const unique = new Map<string, ZapInstance>();
  for (const instance of alert.instances) {
    const key = instanceKey(instance);
    if (!unique.has(key)) unique.set(key, instance);
  }
  const instances: Array<ZapInstance | undefined> = unique.size ? [...unique.values()] : [undefined];
  for (const instance of instances) {
    const details = instanceText(instance, alert.otherinfo);
    out.push(
      makeFinding({
        category: "dast",
        tool,
        rule: { id: alert.alertRef ?? alert.pluginid, name: alert.name },
        title: alert.name,
        description: [details, description].filter(Boolean).join("\n\n") || undefined,
        severity,
        rawSeverity: `riskcode=${alert.riskcode}${alert.confidence ? ` confidence=${alert.confidence}` : ""}`,
        confidence,
        cwes: cwe > 0 ? [cwe] : [],
        location: {
          url: instance?.uri ?? site.name,
          method: instance?.method,
          parameter: instance?.param,
        },
        remediation,
        references,
        tags: [wasc > 0 ? `WASC-${wasc}` : undefined, `zap-plugin:${alert.pluginid}`],
        suppressed,
      }),
    );
  }
}

function emitSites(
  sites: ZapSite[],
  tool: Tool,
  format: string,
  readAlert: (raw: unknown, where: string) => ZapAlert,
): NormalizedFinding[] {
  const out: NormalizedFinding[] = [];
  for (const site of sites) {
    for (const list of site.lists) {
      list.items.forEach((raw, a) => {
        const where = `${list.path}[${a}]`;
        emitAlert(readAlert(raw, where), site, tool, where, format, list.ignored, out);
      });
    }
  }
  return out;
}

export const zapJson: ReportFormat = {
  id: "zap-json",
  tools: "OWASP ZAP (traditional-json report, zap-baseline/full-scan -J)",
  description: "ZAP JSON report: one finding per alert instance (method + URL + parameter)",
  detect: detectJson,
  parse: parseJson,
};

export const zapXml: ReportFormat = {
  id: "zap-xml",
  tools: "OWASP ZAP (traditional-xml report, zap-baseline/full-scan -x)",
  description: "ZAP XML report: one finding per alert instance (method + URL + parameter)",
  detect: detectXml,
  parse: parseXmlReport,
};
