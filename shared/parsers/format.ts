import type { Component } from "#shared/domain/component";
import type { NormalizedFinding } from "#shared/domain/finding";
import type { ReportDocument } from "./document.ts";

/** What a parser needs from outside: only the salt that keeps secret hashes installation-specific. */
export interface ParseContext {
  secretSalt: string;
}

export interface ParsedReport {
  tool: { name: string; version?: string };
  findings: NormalizedFinding[];
  /** The components an SBOM lists (the inventory); formats without a component list leave it out. */
  components?: Component[];
}

/**
 * One scanner format. `detect` is a cheap structural check on the parsed document and must be
 * true for this format only; `parse` is pure and throws nothing but ParseError.
 */
export interface ReportFormat {
  /** Stable id used by `--format` and stored on the scan (`sarif`, `trivy-json`, …). */
  id: string;
  /** Tools that write it, for `aspm formats` and the docs. */
  tools: string;
  /** One line for `aspm formats`. */
  description: string;
  detect(doc: ReportDocument): boolean;
  /**
   * The parser visits big arrays with `forEachElement` and accepts LazyArrays (lazy-json.ts):
   * elements are parsed one at a time. Other parsers get plain arrays.
   */
  lazyArrays?: boolean;
  parse(doc: ReportDocument, ctx: ParseContext): ParsedReport;
}
