import { readdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { decodeReport, type ReportDocument, readDocument } from "#shared/parsers/document";
import type { ReportFormat } from "#shared/parsers/format";
import { ParseError } from "#shared/parsers/parse-error";
import { FORMATS, formatById } from "#shared/parsers/registry";
import { REPO_ROOT } from "#test/support/corpus";

/**
 * Detection is unambiguous: every fixture under test/fixtures/parsers/<format-id>/ goes through every
 * format and is claimed by its own format only, by content (`detect`) or as a clean-run shape
 * (`isEmptyReport`). The one exception is a clean-run shape that several tools write (`[]`, `null`,
 * `{"results": []}`): it is claimed by no format's content, and among the formats that write it by
 * its own, so that `--format` reads it (and without it, the input is refused as ambiguous).
 */

const ROOT = resolve(REPO_ROOT, "test/fixtures/parsers");

function claimants(claim: (f: ReportFormat) => boolean | undefined): string[] {
  return FORMATS.filter((f) => {
    try {
      return claim(f) === true;
    } catch {
      return false;
    }
  }).map((f) => f.id);
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
        const byContent = claimants((f) => f.detect(doc));
        const asEmpty = claimants((f) => f.isEmptyReport?.(doc));
        if (byContent.length > 0) expect([...byContent, ...asEmpty], file).toEqual([dir]);
        else expect(asEmpty, file).toContain(dir);
      }
    });
  }
});
