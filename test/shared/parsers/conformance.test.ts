import { describe, expect, it } from "vitest";
import { NormalizedFinding } from "#shared/domain/finding";
import { parseReport } from "#shared/parsers/registry";
import { CORPUS_DIR, corpusAvailable, readCorpusFile, readManifest } from "#test/support/corpus";
import { CORPUS_EXPECTATIONS } from "./corpus-expectations.ts";

if (!corpusAvailable) {
  console.warn(`conformance: skipped, the shared corpus is not at ${CORPUS_DIR}`);
}

describe.skipIf(!corpusAvailable)("parser conformance on the shared corpus", () => {
  const rows = corpusAvailable ? readManifest() : [];

  it("has an expectation for every manifest file", () => {
    const missing = rows.map((r) => r.file).filter((f) => !CORPUS_EXPECTATIONS[f]);
    expect(missing).toEqual([]);
  });

  for (const row of rows) {
    const expected = CORPUS_EXPECTATIONS[row.file];
    it(`${row.file} parses as ${expected?.format ?? "?"} with ${expected?.count ?? "?"} findings`, () => {
      expect(expected, "no expectation pinned").toBeDefined();
      if (!expected) return;
      // a differing count must say why; an equal one must equal the manifest
      if (expected.rule === undefined) expect(expected.count).toBe(row.findingCount);
      const report = parseReport(readCorpusFile(row.file), { secretSalt: "conformance" });
      expect(report.format).toBe(expected.format);
      expect(report.count).toBe(expected.count);
      expect(report.findings).toHaveLength(expected.count);
      for (const finding of report.findings) {
        const checked = NormalizedFinding.safeParse(finding);
        expect(checked.success, checked.success ? "" : JSON.stringify(checked.error.issues[0])).toBe(true);
      }
    });
  }
});
