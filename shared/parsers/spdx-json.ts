import { z } from "zod";
import { type Component, MAX_COMPONENTS } from "#shared/domain/component";
import { parsePurl } from "#shared/domain/purl";
import { isRecord, type ReportDocument } from "./document.ts";
import type { ParsedReport, ReportFormat } from "./format.ts";
import { ParseError } from "./parse-error.ts";
import { parseShape } from "./shape.ts";

/**
 * SPDX 2.2 / 2.3 JSON SBOMs (syft `-o spdx-json`, Trivy `--format spdx-json`, GitHub's dependency
 * graph export, cdxgen). An SBOM states what an app ships, not what is wrong with it: it has no
 * findings and feeds the component inventory only. A package's purl comes from its
 * `externalRefs` (referenceType `purl`); the package the document describes (the app itself) is
 * not a component of itself.
 */

const FORMAT = "spdx-json";

const ExternalRef = z.object({
  referenceCategory: z.string().nullish(),
  referenceType: z.string(),
  referenceLocator: z.string(),
});

const Package = z.object({
  SPDXID: z.string(),
  name: z.string().min(1),
  versionInfo: z.string().nullish(),
  externalRefs: z.array(ExternalRef).nullish(),
});

const Document = z.object({
  spdxVersion: z.string(),
  SPDXID: z.string(),
  creationInfo: z.object({ creators: z.array(z.string()).nullish() }).nullish(),
  documentDescribes: z.array(z.string()).nullish(),
  packages: z.array(z.unknown()).nullish(),
  relationships: z
    .array(
      z.object({ spdxElementId: z.string(), relationshipType: z.string(), relatedSpdxElement: z.string() }),
    )
    .nullish(),
});

function detect(doc: ReportDocument): boolean {
  return (
    doc.syntax === "json" &&
    isRecord(doc.value) &&
    typeof doc.value.spdxVersion === "string" &&
    doc.value.spdxVersion.startsWith("SPDX-2") &&
    typeof doc.value.SPDXID === "string"
  );
}

/** `Tool: syft-1.18.1` → syft 1.18.1: the last tool that wrote the document. */
function toolOf(creators: readonly string[]): ParsedReport["tool"] {
  const tool = creators
    .filter((c) => c.startsWith("Tool:"))
    .map((c) => c.slice(5).trim())
    .at(-1);
  if (!tool) return { name: "SPDX" };
  const match = /^(.*?)-(v?\d[\w.+-]*)$/.exec(tool);
  return match?.[1] && match[2] ? { name: match[1], version: match[2] } : { name: tool };
}

function parse(doc: ReportDocument): ParsedReport {
  if (doc.syntax !== "json") throw new ParseError("an SPDX JSON document is JSON", FORMAT);
  const spdx = parseShape(Document, doc.value, FORMAT);
  const described = new Set([
    ...(spdx.documentDescribes ?? []),
    ...(spdx.relationships ?? [])
      .filter((r) => r.relationshipType === "DESCRIBES" && r.spdxElementId === spdx.SPDXID)
      .map((r) => r.relatedSpdxElement),
  ]);
  const components: Component[] = [];
  (spdx.packages ?? []).forEach((raw, i) => {
    if (components.length >= MAX_COMPONENTS) return;
    const p = parseShape(Package, raw, FORMAT, `packages[${i}]`);
    if (described.has(p.SPDXID)) return;
    const purlText = p.externalRefs?.find((r) => r.referenceType === "purl")?.referenceLocator;
    const purl = purlText ? parsePurl(purlText) : undefined;
    const version = p.versionInfo || purl?.version;
    components.push({
      name: p.name,
      ...(purl && purlText ? { purl: purlText, ecosystem: purl.type } : {}),
      ...(version ? { version } : {}),
    });
  });
  return { tool: toolOf(spdx.creationInfo?.creators ?? []), findings: [], components };
}

export const spdxJson: ReportFormat = {
  id: FORMAT,
  tools: "syft, Trivy, GitHub dependency graph, cdxgen (SPDX 2.2/2.3 JSON)",
  description: "SPDX JSON SBOM: components for the inventory, no findings",
  detect,
  parse,
};
