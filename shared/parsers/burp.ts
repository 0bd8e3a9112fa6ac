import { z } from "zod";
import type { NormalizedFinding, Severity } from "#shared/domain/finding";
import type { ReportDocument } from "./document.ts";
import { makeFinding } from "./finding-builder.ts";
import type { ParsedReport, ReportFormat } from "./format.ts";
import { htmlLinks, htmlToText } from "./html-text.ts";
import { ParseError } from "./parse-error.ts";
import { parseShape } from "./shape.ts";
import { parseXml, xmlText } from "./xml.ts";

/**
 * Burp Suite Scanner "Report selected issues → XML" export: `<issues burpVersion exportTime>` of
 * `<issue>`. The file opens with an inline DOCTYPE of ELEMENT declarations; parseXml cuts it before
 * parsing, so no entity declared there is ever expanded. One finding per issue.
 *
 * Severity High/Medium/Low/Information one to one; "False positive" (marked by a user) → info and
 * suppressed. Confidence Certain→high, Firm→medium, Tentative→low. Request and response bodies are
 * never kept: only the request method is read from them.
 */

const FORMAT = "burp-xml";

const SEVERITY: Record<string, Severity> = {
  high: "high",
  medium: "medium",
  low: "low",
  information: "info",
};
const FALSE_POSITIVE = "false positive";
const CONFIDENCE: Record<string, "high" | "medium" | "low"> = {
  certain: "high",
  firm: "medium",
  tentative: "low",
};

// `/search [q parameter]`, `/login [username body parameter]`, `/ [Referer HTTP header]`
const INSERTION_POINT = /\[([^\]]+)\]\s*$/;
const PARAMETER_SUFFIX =
  /^(.+?)\s+(?:(?:URL|body|cookie|JSON|XML|multipart|query string|REST URL)\s+)?parameter$/i;
const HTTP_METHOD = /^[A-Z]{3,10}$/;
const TRAILING_SLASHES = /\/+$/;
// enough base64 for the request line's first word
const METHOD_B64_CHARS = 16;

const Field = z.union([z.string(), z.object({ "#text": z.string().optional() })]).optional();

const Request = z.union([
  z.string(),
  z.object({
    "#text": z.string().optional(),
    "@_method": z.string().optional(),
    "@_base64": z.string().optional(),
  }),
]);

const Issue = z.object({
  serialNumber: Field,
  type: Field,
  name: z.union([z.string(), z.object({ "#text": z.string() })]),
  host: z.union([z.string(), z.object({ "#text": z.string().optional(), "@_ip": z.string().optional() })]),
  path: Field,
  location: Field,
  severity: z.string(),
  confidence: Field,
  issueBackground: Field,
  remediationBackground: Field,
  references: Field,
  vulnerabilityClassifications: Field,
  issueDetail: Field,
  remediationDetail: Field,
  requestresponse: z.array(z.object({ request: Request.optional() })).optional(),
});
type Issue = z.infer<typeof Issue>;

const Report = z.object({
  issues: z.union([
    z.literal(""),
    z.object({ "@_burpVersion": z.string().optional(), issue: z.array(z.unknown()).optional() }),
  ]),
});

function detect(doc: ReportDocument): boolean {
  return doc.syntax === "xml" && doc.root === "issues" && /burpVersion|<serialNumber>/.test(doc.head);
}

function text(node: unknown): string | undefined {
  const value = xmlText(node)?.trim();
  return value ? value : undefined;
}

/** The insertion point Burp names in `location`, without its kind: `q`, `username`, `Referer HTTP header`. */
function parameterOf(location: string | undefined): string | undefined {
  const point = location ? INSERTION_POINT.exec(location)?.[1]?.trim() : undefined;
  if (!point) return undefined;
  return PARAMETER_SUFFIX.exec(point)?.[1] ?? point;
}

/** The request method from the `method` attribute (Burp 2.x), else the first word of the request line. */
function methodOf(issue: Issue): string | undefined {
  const request = issue.requestresponse?.[0]?.request;
  if (request === undefined) return undefined;
  if (typeof request !== "string" && request["@_method"]) return request["@_method"];
  const body = typeof request === "string" ? request : (request["#text"] ?? "");
  const base64 = typeof request !== "string" && request["@_base64"] === "true";
  const head = base64
    ? Buffer.from(body.slice(0, METHOD_B64_CHARS), "base64").toString("latin1")
    : body.slice(0, METHOD_B64_CHARS);
  const word = head.trimStart().split(" ", 1)[0] ?? "";
  return HTTP_METHOD.test(word) ? word : undefined;
}

function urlOf(host: string | undefined, path: string | undefined): string | undefined {
  if (!host) return path;
  if (!path) return host;
  return `${host.replace(TRAILING_SLASHES, "")}${path.startsWith("/") ? "" : "/"}${path}`;
}

function toFinding(issue: Issue, tool: ParsedReport["tool"], where: string): NormalizedFinding {
  const word = issue.severity.trim();
  const falsePositive = word.toLowerCase() === FALSE_POSITIVE;
  const severity = falsePositive ? "info" : SEVERITY[word.toLowerCase()];
  if (!severity) throw new ParseError(`unknown severity "${word}"`, FORMAT, `${where}.severity`);
  const confidenceWord = text(issue.confidence);
  const name = text(issue.name) ?? "Burp issue";
  const type = text(issue.type);
  const location = text(issue.location);
  return makeFinding({
    category: "dast",
    tool,
    rule: { id: type ?? name, name },
    title: name,
    description:
      [htmlToText(text(issue.issueDetail)), htmlToText(text(issue.issueBackground))]
        .filter(Boolean)
        .join("\n\n") || undefined,
    severity,
    rawSeverity: `severity=${word}${confidenceWord ? ` confidence=${confidenceWord}` : ""}`,
    confidence: confidenceWord ? CONFIDENCE[confidenceWord.toLowerCase()] : undefined,
    // the classifications list names CWE-<n> in link texts; the builder collects them from the text
    cwes: [text(issue.vulnerabilityClassifications)],
    location: {
      url: urlOf(text(issue.host), text(issue.path)),
      method: methodOf(issue),
      parameter: parameterOf(location),
    },
    toolId: text(issue.serialNumber),
    remediation:
      [htmlToText(text(issue.remediationDetail)), htmlToText(text(issue.remediationBackground))]
        .filter(Boolean)
        .join("\n\n") || undefined,
    references: htmlLinks(text(issue.references)),
    suppressed: falsePositive
      ? { kind: "false_positive", justification: "marked False positive in Burp" }
      : undefined,
  });
}

function parse(doc: ReportDocument): ParsedReport {
  if (doc.syntax !== "xml") throw new ParseError("not an XML document", FORMAT);
  const xml = parseXml(doc.bytes, FORMAT, { arrays: ["issue", "requestresponse"] });
  const root = parseShape(Report, xml, FORMAT).issues;
  const version = root === "" ? undefined : root["@_burpVersion"];
  const tool = version ? { name: "Burp Suite", version } : { name: "Burp Suite" };
  const issues = root === "" ? [] : (root.issue ?? []);
  const findings = issues.map((raw, i) => {
    const where = `issues.issue[${i}]`;
    return toFinding(parseShape(Issue, raw, FORMAT, where), tool, where);
  });
  return { tool, findings };
}

export const burpXml: ReportFormat = {
  id: FORMAT,
  tools: "Burp Suite Professional / Enterprise (Scanner issues XML export)",
  description: "Burp Suite issues XML: one finding per issue, request/response bodies dropped",
  detect,
  parse,
};
