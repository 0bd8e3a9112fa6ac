import { expect } from "vitest";
import { NormalizedFinding as FindingSchema, type NormalizedFinding } from "#shared/domain/finding";
import { decodeReport, type ReportDocument, readDocument } from "#shared/parsers/document";
import type { ParseContext, ParsedReport, ReportFormat } from "#shared/parsers/format";
import { ParseError } from "#shared/parsers/parse-error";
import { readFixture } from "./corpus.ts";

/** A fixture under test/fixtures/parsers/ read the way parseReport reads bytes. */
export function loadParserFixture(path: string): ReportDocument {
  return readDocument(decodeReport(readFixture(`parsers/${path}`)));
}

/**
 * Parses a fixture with one format, asserting that the format detects it and that every finding
 * satisfies the model: the preamble of every parser test.
 */
export function parseFixtureWith(format: ReportFormat, path: string, ctx: ParseContext): ParsedReport {
  const doc = loadParserFixture(path);
  expect(format.detect(doc)).toBe(true);
  const report = format.parse(doc, ctx);
  for (const f of report.findings) expect(FindingSchema.safeParse(f).success).toBe(true);
  return report;
}

export function byRule(findings: NormalizedFinding[], id: string): NormalizedFinding {
  const found = findings.find((f) => f.rule.id === id);
  if (!found) throw new Error(`no finding ${id}`);
  return found;
}

/** The ParseError `fn` throws; fails the test if it throws nothing or something else. */
export function parseErrorOf(fn: () => unknown): ParseError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ParseError) return error;
    throw error;
  }
  throw new Error("expected a ParseError, nothing was thrown");
}
