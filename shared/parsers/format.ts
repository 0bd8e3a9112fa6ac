import type { Component } from "#shared/domain/component";
import type { NormalizedFinding } from "#shared/domain/finding";
import type { InputLimits, ReportDocument } from "./document.ts";

/**
 * What a parse needs from outside: the salt that keeps secret hashes installation-specific, and
 * the input bounds where they differ from the defaults (ASPM_MAX_UPLOAD_BYTES, ASPM_MAX_FINDINGS).
 */
export interface ParseContext {
  secretSalt: string;
  limits?: Partial<InputLimits>;
}

/**
 * Where a parser adds its findings, in order: an array, or the list `findingList()`
 * (finding-builder.ts) hands out, which passes each finding on to the caller as it is made, so a
 * report's findings are never all held at once.
 */
export interface FindingList {
  push(finding: NormalizedFinding): unknown;
  readonly length: number;
}

export interface ParsedReport {
  tool: { name: string; version?: string };
  /** The findings, in order; empty when they were passed on as they were made (`streamed`). */
  findings: NormalizedFinding[];
  /** How many findings went to the parse's sink instead of `findings` (`findingList`). */
  streamed?: number;
  /**
   * The scanned artifact the report's header names (image, lock file, site), made stable across
   * rescans with shared/domain/artifact.ts; part of the scope. Left out when the report names none.
   */
  artifact?: string;
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
   * The clean-run reports of this tool that say nothing of their own (`null`, `[]`,
   * `{"results": []}`, or an empty file, which is read as JSON Lines with no records). `parse`
   * reads them as zero findings. With `--format` they are accepted; from content, this format is
   * chosen for one only when no other format claims it, else the input is ambiguous. Leave it out
   * when every clean report of the tool is recognisable by `detect`, and never claim an empty file
   * for a tool that always writes a document: there an empty file means the scan did not finish.
   */
  isEmptyReport?(doc: ReportDocument): boolean;
  /**
   * The parser visits big arrays with `forEachElement` and accepts LazyArrays (lazy-json.ts):
   * elements are parsed one at a time. Other parsers get plain arrays.
   */
  lazyArrays?: boolean;
  /**
   * The parser walks an XML document's records one at a time with the cursor (xml-cursor.ts), which
   * bounds what it reads, the memory bound applying to each record, not to the whole document.
   * Other XML parsers get the whole tree, checked first (xml-bounds.ts).
   */
  xmlRecords?: boolean;
  parse(doc: ReportDocument, ctx: ParseContext): ParsedReport;
}
