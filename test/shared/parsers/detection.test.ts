import { readdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { decodeReport, type ReportDocument, readDocument } from "#shared/parsers/document";
import { ParseError } from "#shared/parsers/parse-error";
import { FORMATS, formatById } from "#shared/parsers/registry";
import { REPO_ROOT } from "#test/support/corpus";

/**
 * Detection is unambiguous: every fixture under test/fixtures/parsers/<format-id>/ goes through every
 * detector and is claimed by its own format only. The one exception is the bare empty array `[]`,
 * which several tools write for a clean run (Gitleaks, trufflehog3, Hadolint, Trivy's ASFF template);
 * it must still be claimed by its own format, so that `--format` reads it.
 */

const ROOT = resolve(REPO_ROOT, "test/fixtures/parsers");

function claimants(doc: ReportDocument): string[] {
  return FORMATS.filter((f) => {
    try {
      return f.detect(doc);
    } catch {
      return false;
    }
  }).map((f) => f.id);
}

function isEmptyArray(doc: ReportDocument): boolean {
  return doc.syntax === "json" && Array.isArray(doc.value) && doc.value.length === 0;
}

describe("format detection across all fixtures", () => {
  const dirs = readdirSync(ROOT, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();

  it("documents every registered format in docs/FORMATS.md, and states their number", () => {
    const doc = readFileSync(resolve(REPO_ROOT, "docs/FORMATS.md"), "utf8");
    const rows = FORMATS.filter((f) => !doc.includes(`| \`${f.id}\` |`)).map((f) => f.id);
    expect(rows, "formats without a row in the table").toEqual([]);
    expect(doc).toContain(`aspm reads ${FORMATS.length} scanner report formats`);
  });

  it("has a registered format for every fixture directory, and ids are unique", () => {
    expect(dirs.filter((d) => !formatById(d))).toEqual([]);
    expect(new Set(FORMATS.map((f) => f.id)).size).toBe(FORMATS.length);
  });

  for (const dir of dirs) {
    it(`${dir}: each fixture is claimed by ${dir} alone`, () => {
      for (const file of readdirSync(resolve(ROOT, dir)).sort()) {
        let doc: ReportDocument;
        try {
          doc = readDocument(decodeReport(readFileSync(resolve(ROOT, dir, file))));
        } catch (error) {
          // fixtures of input that is no document at all (empty, malformed) are their format's own tests
          if (error instanceof ParseError) continue;
          throw error;
        }
        const claimed = claimants(doc);
        if (isEmptyArray(doc)) expect(claimed, file).toContain(dir);
        else expect(claimed, file).toEqual([dir]);
      }
    });
  }
});
