import { z } from "zod";
import type { NormalizedFinding, Severity } from "#shared/domain/finding";
import { isRecord, type ReportDocument } from "./document.ts";
import { makeFinding } from "./finding-builder.ts";
import type { ParsedReport, ReportFormat } from "./format.ts";
import { ParseError } from "./parse-error.ts";
import { parseShape } from "./shape.ts";
import { parseXml, xmlList, xmlText } from "./xml.ts";

/**
 * Nikto web server scanner, two report kinds:
 *
 * - `nikto-json` (`-Format json`): Nikto 2.5 writes an array of hosts, 2.1.x one host object:
 *   `{host, ip, port, banner, vulnerabilities: [{id, references | OSVDB, method, url, msg}]}`.
 * - `nikto-xml` (`-Format xml`): `<niktoscans>` (2.5) or `<niktoscan>` (2.1.x) of `<scandetails>`
 *   (one per host) of `<item id osvdbid method>` with `description`, `uri`, `namelink`, `references`.
 *
 * One finding per item. Nikto grades nothing: every item is `low` (mostly header and file checks; a
 * CVE the message names is kept as the vulnerability id, so intel scoring can raise it). The
 * rule is Nikto's test id.
 */

const JSON_FORMAT = "nikto-json";
const XML_FORMAT = "nikto-xml";
const SEVERITY: Severity = "low";
const TOOL = { name: "Nikto" };
const CVE = /\bCVE-\d{4}-\d{4,}\b/gi;
const URI_PREFIX = /^\S*:\s+/;

interface Item {
  id: string;
  method?: string;
  url?: string;
  message: string;
  references: string[];
  osvdb?: string;
}

function title(message: string): string {
  // Nikto prefixes the message with the URI it is about: `/admin/: Directory indexing found.`
  return message.replace(URI_PREFIX, "").trim() || message;
}

/** One spelling per URL: the XML report writes `https://host:443/`, the JSON report `https://host/`. */
function canonicalUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).href;
  } catch {
    return url;
  }
}

function toFinding(item: Item, tool: ParsedReport["tool"]): NormalizedFinding {
  const cves = [...new Set([...item.message.matchAll(CVE)].map((m) => m[0].toUpperCase()))];
  const [cve, ...aliases] = cves;
  return makeFinding({
    category: "dast",
    tool,
    rule: { id: item.id },
    title: title(item.message),
    description: item.message,
    severity: SEVERITY,
    vulnerability: cve ? { id: cve, aliases } : undefined,
    location: { url: canonicalUrl(item.url), method: item.method },
    references: item.references,
    tags: item.osvdb && item.osvdb !== "0" ? [`OSVDB-${item.osvdb}`] : [],
  });
}

/** `http://host/` from a host and port; 443 is https, default ports are left out. */
function baseUrl(host: string, port: string | undefined): string {
  const scheme = port === "443" ? "https" : "http";
  const showPort = port && port !== "80" && port !== "443" ? `:${port}` : "";
  return `${scheme}://${host}${showPort}`;
}

function joinUrl(base: string, path: string | undefined): string | undefined {
  if (!path) return base;
  if (/^https?:\/\//i.test(path)) return path;
  return `${base.replace(/\/+$/, "")}${path.startsWith("/") ? "" : "/"}${path}`;
}

function splitRefs(refs: string | undefined): string[] {
  return (refs ?? "").split(/[\s,]+/).filter((r) => /^https?:\/\//i.test(r));
}

// ---- JSON ---------------------------------------------------------------------------------------

const Id = z.union([z.string(), z.number()]).transform(String);

const JsonHost = z.object({
  host: z.string().nullish(),
  ip: z.string().nullish(),
  port: z.union([z.string(), z.number()]).transform(String).nullish(),
  vulnerabilities: z
    .array(
      z.object({
        id: Id,
        OSVDB: Id.nullish(),
        references: z.string().nullish(),
        method: z.string().nullish(),
        url: z.string().nullish(),
        msg: z.string(),
      }),
    )
    .nullish(),
});

function isHost(value: unknown): boolean {
  return (
    isRecord(value) &&
    Array.isArray(value.vulnerabilities) &&
    "port" in value &&
    "banner" in value &&
    (typeof value.host === "string" || typeof value.ip === "string")
  );
}

function jsonHosts(doc: ReportDocument): unknown[] | undefined {
  if (doc.syntax !== "json") return undefined;
  if (Array.isArray(doc.value)) return doc.value.length > 0 && isHost(doc.value[0]) ? doc.value : undefined;
  return isHost(doc.value) ? [doc.value] : undefined;
}

export const niktoJson: ReportFormat = {
  id: JSON_FORMAT,
  tools: "Nikto 2.1.x and 2.5 (`-Format json`)",
  description: "Nikto JSON: one finding per reported item, per host",
  detect(doc: ReportDocument): boolean {
    return jsonHosts(doc) !== undefined;
  },
  parse(doc: ReportDocument): ParsedReport {
    const hosts = jsonHosts(doc);
    if (!hosts) throw new ParseError("not a Nikto JSON report", JSON_FORMAT);
    const findings: NormalizedFinding[] = [];
    hosts.forEach((raw, h) => {
      const host = parseShape(JsonHost, raw, JSON_FORMAT, `[${h}]`);
      const base = baseUrl(host.host || host.ip || "unknown", host.port ?? undefined);
      for (const v of host.vulnerabilities ?? []) {
        findings.push(
          toFinding(
            {
              id: v.id,
              method: v.method ?? undefined,
              url: joinUrl(base, v.url ?? undefined),
              message: v.msg,
              references: splitRefs(v.references ?? undefined),
              osvdb: v.OSVDB ?? undefined,
            },
            TOOL,
          ),
        );
      }
    });
    return { tool: TOOL, findings };
  },
};

// ---- XML ----------------------------------------------------------------------------------------

const XmlItem = z.object({
  "@_id": z.string(),
  "@_osvdbid": z.string().optional(),
  "@_method": z.string().optional(),
  description: z.unknown().optional(),
  uri: z.unknown().optional(),
  namelink: z.unknown().optional(),
  iplink: z.unknown().optional(),
  references: z.unknown().optional(),
});

const ScanDetails = z.object({
  "@_sitename": z.string().optional(),
  "@_siteip": z.string().optional(),
  item: z.array(z.unknown()).optional(),
});

const Scan = z.object({ "@_version": z.string().optional(), scandetails: z.array(z.unknown()).optional() });

function text(node: unknown): string | undefined {
  const value = xmlText(node)?.trim();
  return value || undefined;
}

export const niktoXml: ReportFormat = {
  id: XML_FORMAT,
  tools: "Nikto 2.1.x and 2.5 (`-Format xml`)",
  description: "Nikto XML: one finding per reported item, per host",
  detect(doc: ReportDocument): boolean {
    return doc.syntax === "xml" && (doc.root === "niktoscans" || doc.root === "niktoscan");
  },
  parse(doc: ReportDocument): ParsedReport {
    if (doc.syntax !== "xml") throw new ParseError("not an XML document", XML_FORMAT);
    const xml = parseXml(doc.bytes, XML_FORMAT, { arrays: ["niktoscan", "scandetails", "item"] });
    const scans = isRecord(xml.niktoscans) ? xmlList(xml.niktoscans.niktoscan) : xmlList(xml.niktoscan);
    let version: string | undefined;
    const findings: NormalizedFinding[] = [];
    const pending: Array<{ item: z.infer<typeof XmlItem>; site?: string }> = [];
    scans.forEach((rawScan, s) => {
      if (rawScan === "") return;
      const scan = parseShape(Scan, rawScan, XML_FORMAT, `niktoscan[${s}]`);
      version ??= scan["@_version"];
      (scan.scandetails ?? []).forEach((rawDetails, d) => {
        const where = `niktoscan[${s}].scandetails[${d}]`;
        const details = parseShape(ScanDetails, rawDetails, XML_FORMAT, where);
        (details.item ?? []).forEach((rawItem, i) => {
          const item = parseShape(XmlItem, rawItem, XML_FORMAT, `${where}.item[${i}]`);
          pending.push({ item, site: details["@_sitename"] ?? details["@_siteip"] });
        });
      });
    });
    const tool = version ? { name: TOOL.name, version } : TOOL;
    for (const { item, site } of pending) {
      const uri = text(item.uri);
      findings.push(
        toFinding(
          {
            id: item["@_id"],
            method: item["@_method"],
            url: text(item.namelink) ?? (site ? joinUrl(site, uri) : uri),
            message: text(item.description) ?? item["@_id"],
            references: splitRefs(text(item.references)),
            osvdb: item["@_osvdbid"],
          },
          tool,
        ),
      );
    }
    return { tool, findings };
  },
};
