import {
  cyclonedxPieces,
  dependencyCheckJsonPieces,
  dependencyCheckXmlPieces,
  nucleiJsonlPieces,
  sarifPieces,
  trivyPieces,
} from "./generate.ts";

/**
 * The report families the normalize and memory measures cover, one per syntax and shape our
 * parsers read at scale: SARIF and Trivy (big JSON arrays, read lazily), CycloneDX (components
 * indexed by bom-ref, then vulnerabilities), Nuclei (JSON Lines) and Dependency-Check (XML).
 *
 * The baseline of each is the built-in parser on the same text: JSON.parse, of every line for
 * JSON Lines. Node has no XML parser, so the XML family's baseline is JSON.parse of the very same
 * dependencies as Dependency-Check's own JSON report (its "twin"), which is about 80% of the XML's
 * size; its ratio compares MB/s, not times.
 */

export type BaselineSyntax = "json" | "jsonl";

export interface GeneratedReport {
  /** The report's text, in pieces. */
  report: Iterable<string>;
  /** The baseline's text when it is not the report itself; read only after `report` is consumed. */
  twin?: () => Iterable<string>;
}

export interface Family {
  /** In measure names: `normalize_<id>_50mb`, `memory_200mb_<id>`. */
  id: string;
  label: string;
  baselineSyntax: BaselineSyntax;
  generate(targetBytes: number): GeneratedReport;
}

export const FAMILIES = {
  sarif: {
    id: "sarif",
    label: "SARIF (CodeQL)",
    baselineSyntax: "json",
    generate: (target) => ({ report: sarifPieces(target, 1) }),
  },
  trivy: {
    id: "trivy",
    label: "Trivy JSON (image)",
    baselineSyntax: "json",
    generate: (target) => ({ report: trivyPieces(target, 2) }),
  },
  cyclonedx: {
    id: "cyclonedx",
    label: "CycloneDX 1.5 JSON (Trivy image BOM)",
    baselineSyntax: "json",
    generate: (target) => ({ report: cyclonedxPieces(target, 3) }),
  },
  nuclei: {
    id: "nuclei_jsonl",
    label: "Nuclei JSON Lines",
    baselineSyntax: "jsonl",
    generate: (target) => ({ report: nucleiJsonlPieces(target, 4) }),
  },
  dependencyCheck: {
    id: "dependency_check_xml",
    label: "Dependency-Check XML",
    baselineSyntax: "json",
    generate: (target) => {
      const written = { count: 0 };
      return {
        report: dependencyCheckXmlPieces(target, 5, written),
        twin: () => dependencyCheckJsonPieces(written.count, 5),
      };
    },
  },
} as const satisfies Record<string, Family>;

/** JSON.parse of every non-empty line, the values kept (as a JSON Lines report's are). */
export function parseJsonLines(text: string): unknown[] {
  const values: unknown[] = [];
  for (let at = 0; at < text.length; ) {
    let end = text.indexOf("\n", at);
    if (end === -1) end = text.length;
    if (end > at) values.push(JSON.parse(text.slice(at, end)));
    at = end + 1;
  }
  return values;
}

/** The baseline: the built-in parser over the baseline's text. */
export function baselineParse(syntax: BaselineSyntax, text: string): unknown {
  return syntax === "jsonl" ? parseJsonLines(text) : JSON.parse(text);
}
