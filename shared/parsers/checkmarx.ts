import { z } from "zod";
import type { Category, NormalizedFinding, Severity } from "#shared/domain/finding";
import { severityFromScore, severityFromWord } from "#shared/domain/severity";
import { hashSnippet } from "#shared/domain/snippet";
import { canonicalVulnId } from "#shared/domain/vulnerability-id";
import { isRecord, type ReportDocument } from "./document.ts";
import { purlFromEcosystem } from "./ecosystem-purl.ts";
import { type FindingDraft, makeFinding } from "./finding-builder.ts";
import type { ParseContext, ParsedReport, ReportFormat } from "./format.ts";
import { htmlToText } from "./html-text.ts";
import { ParseError } from "./parse-error.ts";
import { lineSecretRef } from "./secret-line.ts";
import { parseShape } from "./shape.ts";
import { parseXml, xmlList, xmlText } from "./xml.ts";

/**
 * Checkmarx, two report kinds:
 *
 * - `checkmarx-xml`: CxSAST 8.x/9.x XML report (`<CxXMLResults>` of `<Query>` of `<Result>` of
 *   `<Path>` of `<PathNode>`), from the portal, the REST reports API or the CI plugins. One finding
 *   per `<Result>` (one data flow). Results marked false positive or triaged "Not Exploitable"
 *   (state 1) are kept and suppressed.
 * - `checkmarx-one-json`: Checkmarx One scan results (`cx results show --report-format json`, the
 *   results API): `{results, totalCount, scanID}`. One finding per result of every engine: SAST,
 *   SCA, KICS (IaC), container images, secret detection and scorecard. `FIXED` results are not
 *   findings; `NOT_EXPLOITABLE` ones are suppressed.
 *
 * The first node of a SAST data flow is its source and the last its sink; the finding's location
 * is the one Checkmarx states for the result (the source), and the description names both ends.
 */

const XML_FORMAT = "checkmarx-xml";
const ONE_FORMAT = "checkmarx-one-json";
const Str = z.string().nullish();

/** `SQL_Injection` → `SQL Injection`. */
function queryTitle(name: string): string {
  return name.replaceAll("_", " ").trim() || name;
}

/**
 * `Java.SQL_Injection`: the query by language and name, the same in CxSAST and Checkmarx One (whose
 * numeric query ids differ and overflow a JSON number), so results of both correlate.
 */
function queryRule(language: string | undefined | null, name: string): { id: string; name: string } {
  return { id: language ? `${language}.${name}` : name, name: queryTitle(name) };
}

/** Checkmarx One writes repository paths from the root: `/src/App.java`. */
function repoPath(path: string | undefined | null): string | undefined {
  return path ? path.replace(/^\/+/, "") : undefined;
}

function severityOf(word: string | undefined | null): Severity | undefined {
  return severityFromWord(word);
}

// ---- CxSAST XML -------------------------------------------------------------------------------

const Attr = z.string().optional();

const PathNode = z.object({
  FileName: z.unknown().optional(),
  Line: z.unknown().optional(),
  Name: z.unknown().optional(),
  // `Line` is both a path node's line number and a snippet's line element: the snippet's is read
  // one-or-many with xmlList rather than forced to an array
  Snippet: z.object({ Line: z.unknown().optional() }).optional(),
});
type PathNode = z.infer<typeof PathNode>;

const XmlResult = z.object({
  "@_NodeId": Attr,
  "@_FileName": Attr,
  "@_Status": Attr,
  "@_Line": Attr,
  "@_FalsePositive": Attr,
  "@_Severity": Attr,
  "@_state": Attr,
  "@_Remark": Attr,
  "@_DeepLink": Attr,
  Path: z
    .array(
      z.union([
        z.literal(""),
        z.object({
          "@_ResultId": Attr,
          "@_PathId": Attr,
          "@_SimilarityId": Attr,
          PathNode: z.array(PathNode).optional(),
        }),
      ]),
    )
    .optional(),
});
type XmlResult = z.infer<typeof XmlResult>;

const XmlQuery = z.object({
  "@_id": Attr,
  "@_name": z.string(),
  "@_cweId": Attr,
  "@_group": Attr,
  "@_Severity": Attr,
  "@_Language": Attr,
  Result: z.array(z.unknown()).optional(),
});
type XmlQuery = z.infer<typeof XmlQuery>;

const XmlReport = z.object({
  CxXMLResults: z.union([
    z.literal(""),
    z.object({
      "@_CheckmarxVersion": Attr,
      "@_ProjectName": Attr,
      Query: z.array(z.unknown()).optional(),
    }),
  ]),
});

// CxSAST result states: 0 To Verify, 1 Not Exploitable, 2 Confirmed, 3 Urgent, 4 Proposed Not Exploitable
const XML_STATE: Record<string, string> = {
  "0": "to-verify",
  "1": "not-exploitable",
  "2": "confirmed",
  "3": "urgent",
  "4": "proposed-not-exploitable",
};

function nodeText(value: unknown): string | undefined {
  const text = xmlText(value)?.trim();
  return text || undefined;
}

function nodeLine(value: unknown): number | undefined {
  const n = Number(nodeText(value));
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

function flowText(nodes: PathNode[]): string | undefined {
  const first = nodes[0];
  const last = nodes[nodes.length - 1];
  if (!first || !last || nodes.length < 2) return undefined;
  const at = (n: PathNode) =>
    `${nodeText(n.Name) ?? "?"} (${nodeText(n.FileName) ?? "?"}:${nodeText(n.Line) ?? "?"})`;
  return `Source: ${at(first)}\nSink: ${at(last)}`;
}

/** The code of the path node at the result's own line. */
function snippetAt(
  nodes: PathNode[],
  file: string | undefined,
  line: number | undefined,
): string | undefined {
  const node = nodes.find((n) => nodeText(n.FileName) === file && nodeLine(n.Line) === line);
  const lines = xmlList(node?.Snippet?.Line).filter(isRecord);
  return nodeText(lines.find((l) => nodeLine(l.Number) === line)?.Code);
}

function xmlFinding(q: XmlQuery, r: XmlResult, tool: ParsedReport["tool"]): NormalizedFinding {
  const word = r["@_Severity"] ?? q["@_Severity"];
  const path = r.Path?.find((p) => p !== "");
  const nodes = path ? (path.PathNode ?? []) : [];
  const file = r["@_FileName"];
  const line = nodeLine(r["@_Line"]);
  const state = XML_STATE[r["@_state"] ?? ""];
  const falsePositive = r["@_FalsePositive"]?.toLowerCase() === "true";
  let suppressed: FindingDraft["suppressed"];
  if (falsePositive) suppressed = { kind: "false_positive", justification: r["@_Remark"] };
  else if (state === "not-exploitable")
    suppressed = { kind: "not_exploitable", justification: r["@_Remark"] };
  const name = q["@_name"];
  return makeFinding({
    category: "sast",
    tool,
    rule: queryRule(q["@_Language"], name),
    title: queryTitle(name),
    description: flowText(nodes),
    severity: severityOf(word) ?? "medium",
    rawSeverity: word,
    confidence: state === "confirmed" || state === "urgent" ? "high" : undefined,
    cwes: [q["@_cweId"]],
    location: { file, startLine: line, snippetHash: hashSnippet(snippetAt(nodes, file, line)) },
    fingerprints: { "checkmarx/similarityId": path ? path["@_SimilarityId"] : undefined },
    toolId:
      path?.["@_ResultId"] && path["@_PathId"] ? `${path["@_ResultId"]}/${path["@_PathId"]}` : r["@_NodeId"],
    references: [r["@_DeepLink"]],
    tags: [
      q["@_Language"] ? `language:${q["@_Language"]}` : undefined,
      q["@_group"] ? `group:${q["@_group"]}` : undefined,
      r["@_Status"] ? `status:${r["@_Status"]}` : undefined,
      state ? `state:${state}` : undefined,
    ],
    suppressed,
  });
}

function parseCxXml(doc: ReportDocument): ParsedReport {
  if (doc.syntax !== "xml") throw new ParseError("not an XML document", XML_FORMAT);
  const xml = parseXml(doc.bytes, XML_FORMAT, { arrays: ["Query", "Result", "Path", "PathNode"] });
  const root = parseShape(XmlReport, xml, XML_FORMAT).CxXMLResults;
  const version = root === "" ? undefined : root["@_CheckmarxVersion"];
  const tool = version ? { name: "Checkmarx SAST", version } : { name: "Checkmarx SAST" };
  const findings: NormalizedFinding[] = [];
  const queries = root === "" ? [] : (root.Query ?? []);
  queries.forEach((rawQuery, qi) => {
    const q = parseShape(XmlQuery, rawQuery, XML_FORMAT, `Query[${qi}]`);
    (q.Result ?? []).forEach((rawResult, ri) => {
      findings.push(
        xmlFinding(q, parseShape(XmlResult, rawResult, XML_FORMAT, `Query[${qi}].Result[${ri}]`), tool),
      );
    });
  });
  return { tool, findings };
}

export const checkmarxXml: ReportFormat = {
  id: XML_FORMAT,
  tools: "Checkmarx CxSAST 8.x/9.x (XML report from the portal, REST API, CLI and CI plugins)",
  description:
    "CxSAST XML: one finding per result (data flow), false positives and Not Exploitable suppressed",
  detect(doc: ReportDocument): boolean {
    return doc.syntax === "xml" && doc.root === "CxXMLResults";
  },
  parse: parseCxXml,
};

// ---- Checkmarx One JSON -----------------------------------------------------------------------

const Node = z.object({
  line: z.number().nullish(),
  name: Str,
  method: Str,
  fileName: Str,
});
type Node = z.infer<typeof Node>;

const OneResult = z.object({
  type: z.string(),
  id: Str,
  similarityId: Str,
  status: Str,
  state: Str,
  severity: Str,
  description: Str,
  descriptionHTML: Str,
  data: z
    .object({
      queryId: z.union([z.string(), z.number()]).nullish(),
      queryName: Str,
      group: Str,
      languageName: Str,
      nodes: z.array(Node).nullish(),
      // SCA
      packageIdentifier: Str,
      recommendedVersion: z.unknown().optional(),
      // KICS and secret detection
      fileName: Str,
      filename: Str,
      line: z.number().nullish(),
      platform: Str,
      issueType: Str,
      expectedValue: Str,
      value: Str,
      // containers
      packageName: Str,
      packageVersion: Str,
      imageName: Str,
      imageTag: Str,
      // secret detection and scorecard
      ruleId: Str,
      ruleName: Str,
      ruleDescription: Str,
      snippet: Str,
      remediation: Str,
      remediationLink: Str,
      validity: Str,
    })
    .nullish(),
  vulnerabilityDetails: z
    .object({
      cweId: z.union([z.string(), z.number()]).nullish(),
      cvssScore: z.number().nullish(),
      cveName: Str,
    })
    .nullish(),
});
type OneResult = z.infer<typeof OneResult>;
type OneData = NonNullable<OneResult["data"]>;

const OneReport = z.object({ results: z.array(z.unknown()).nullish(), scanID: Str });

const ONE_CATEGORY: Record<string, Category> = {
  sast: "sast",
  sca: "sca",
  kics: "iac",
  iac: "iac",
  containers: "container",
  "sscs-secret-detection": "secret",
  "sscs-scorecard": "iac",
};

// Checkmarx One names an SCA package `<Manager>-<name>-<version>`: `Npm-lodash-4.17.15`,
// `Maven-org.apache.logging.log4j:log4j-core-2.14.1`. The version starts at the last `-` before a digit.
const LAST_VERSION_DASH = /-(?=\d)/g;

function scaPackage(identifier: string): { manager: string; name: string; version?: string } | undefined {
  const cut = identifier.indexOf("-");
  if (cut <= 0) return undefined;
  const rest = identifier.slice(cut + 1);
  const dashes = [...rest.matchAll(LAST_VERSION_DASH)];
  const last = dashes[dashes.length - 1];
  if (!last || last.index === undefined || last.index === 0) return undefined;
  return {
    manager: identifier.slice(0, cut),
    name: rest.slice(0, last.index),
    version: rest.slice(last.index + 1),
  };
}

function nodeAt(n: Node | undefined): string {
  return `${n?.name ?? "?"} (${repoPath(n?.fileName) ?? "?"}:${n?.line ?? "?"})`;
}

function recommended(value: unknown): string[] {
  if (typeof value === "string" && value.trim()) return [value.trim()];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === "string");
  return [];
}

function oneDraft(r: OneResult, data: OneData, category: Category, salt: string): Partial<FindingDraft> {
  switch (category) {
    case "sast": {
      const nodes = data.nodes ?? [];
      const source = nodes[0];
      const sink = nodes[nodes.length - 1];
      const name = data.queryName ?? "unknown";
      return {
        rule: queryRule(data.languageName, name),
        title: queryTitle(name),
        description: nodes.length > 1 ? `Source: ${nodeAt(source)}\nSink: ${nodeAt(sink)}` : undefined,
        location: {
          file: repoPath(source?.fileName),
          startLine: source?.line ?? undefined,
          resource: source?.method ?? undefined,
        },
        tags: [
          data.languageName ? `language:${data.languageName}` : undefined,
          data.group ? `group:${data.group}` : undefined,
        ],
      };
    }
    case "sca": {
      const id = canonicalVulnId(r.vulnerabilityDetails?.cveName ?? r.id ?? "unknown");
      const pkg = data.packageIdentifier ? scaPackage(data.packageIdentifier) : undefined;
      const { type, purl } = pkg
        ? purlFromEcosystem(pkg.manager, pkg.name, pkg.version)
        : { type: undefined, purl: undefined };
      return {
        rule: { id },
        title: pkg ? `${id} in ${pkg.name}@${pkg.version}` : id,
        vulnerability: { id, aliases: r.id && canonicalVulnId(r.id) !== id ? [r.id] : [] },
        package: pkg
          ? {
              purl,
              ecosystem: type,
              name: pkg.name,
              version: pkg.version,
              fixedVersions: recommended(data.recommendedVersion),
            }
          : undefined,
      };
    }
    case "container": {
      const id = canonicalVulnId(r.id ?? "unknown");
      const image = data.imageName
        ? `${data.imageName}${data.imageTag ? `:${data.imageTag}` : ""}`
        : undefined;
      return {
        rule: { id },
        title: data.packageName ? `${id} in ${data.packageName}@${data.packageVersion ?? "?"}` : id,
        vulnerability: { id, aliases: [] },
        package: data.packageName
          ? { name: data.packageName, version: data.packageVersion ?? undefined, fixedVersions: [] }
          : undefined,
        location: { image },
      };
    }
    case "secret": {
      const validity = data.validity?.toLowerCase();
      const verified = validity === "valid" ? true : validity === "invalid" ? false : undefined;
      const name = data.ruleName ?? data.ruleId ?? "secret";
      return {
        rule: { id: data.ruleId ?? name, name: data.ruleName ?? undefined },
        title: name,
        // the snippet is the source line with the secret in it: only its salted hash is kept
        description: data.ruleDescription ?? undefined,
        secret: lineSecretRef(data.snippet ?? undefined, salt, verified),
        location: { file: repoPath(data.filename ?? data.fileName), startLine: data.line ?? undefined },
        remediation: data.remediation ?? undefined,
        references: [data.remediationLink ?? undefined],
        tags: validity ? [`validity:${validity}`] : [],
      };
    }
    default: {
      const name = data.queryName ?? data.ruleName ?? data.ruleId ?? "unknown";
      return {
        rule: { id: String(data.queryId ?? data.ruleId ?? name), name },
        title: name,
        location: { file: repoPath(data.fileName ?? data.filename), startLine: data.line ?? undefined },
        remediation: data.expectedValue ? `Expected: ${data.expectedValue}` : (data.remediation ?? undefined),
        references: [data.remediationLink ?? undefined],
        tags: [
          data.platform ? `platform:${data.platform}` : undefined,
          data.group ? `group:${data.group}` : undefined,
        ],
      };
    }
  }
}

function oneFinding(r: OneResult, salt: string): NormalizedFinding | undefined {
  if (r.status?.toUpperCase() === "FIXED") return undefined;
  const category = ONE_CATEGORY[r.type.toLowerCase()] ?? "sast";
  const data: OneData = r.data ?? {};
  const part = oneDraft(r, data, category, salt);
  const score = r.vulnerabilityDetails?.cvssScore;
  const severity =
    severityOf(r.severity) ?? (typeof score === "number" ? severityFromScore(score) : "medium");
  const state = r.state?.toUpperCase();
  const described = r.description || htmlToText(r.descriptionHTML ?? undefined);
  const actual = data.value && category === "iac" ? `Actual: ${data.value}` : undefined;
  const rule = part.rule ?? { id: r.type };
  return makeFinding({
    ...part,
    category,
    tool: { name: "Checkmarx One" },
    rule,
    title: part.title ?? rule.id,
    description: [part.description, described, actual].filter(Boolean).join("\n\n") || undefined,
    severity,
    rawSeverity: r.severity ?? undefined,
    cwes: [r.vulnerabilityDetails?.cweId ?? undefined],
    location: part.location ?? {},
    fingerprints: { "checkmarx/similarityId": r.similarityId ?? undefined },
    toolId: r.id ?? undefined,
    tags: [
      ...(part.tags ?? []),
      `engine:${r.type}`,
      r.status ? `status:${r.status}` : undefined,
      state ? `state:${state}` : undefined,
    ],
    suppressed: state === "NOT_EXPLOITABLE" ? { kind: "not_exploitable" } : undefined,
  });
}

function isOneReport(value: unknown): boolean {
  return (
    isRecord(value) &&
    Array.isArray(value.results) &&
    typeof value.scanID === "string" &&
    "totalCount" in value
  );
}

export const checkmarxOneJson: ReportFormat = {
  id: ONE_FORMAT,
  tools:
    "Checkmarx One (`cx results show --report-format json`, results API): SAST, SCA, KICS, containers, secrets, scorecard",
  description: "Checkmarx One results JSON: every engine's results, Not Exploitable ones suppressed",
  detect(doc: ReportDocument): boolean {
    return doc.syntax === "json" && isOneReport(doc.value);
  },
  parse(doc: ReportDocument, ctx: ParseContext): ParsedReport {
    if (doc.syntax !== "json") throw new ParseError("not a JSON document", ONE_FORMAT);
    const report = parseShape(OneReport, doc.value, ONE_FORMAT);
    const findings: NormalizedFinding[] = [];
    (report.results ?? []).forEach((raw, i) => {
      const finding = oneFinding(parseShape(OneResult, raw, ONE_FORMAT, `results[${i}]`), ctx.secretSalt);
      if (finding) findings.push(finding);
    });
    return { tool: { name: "Checkmarx One" }, findings };
  },
};
