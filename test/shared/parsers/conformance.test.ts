import { describe, expect, it } from "vitest";
import { NormalizedFinding } from "#shared/domain/finding";
import { parseReport } from "#shared/parsers/registry";
import {
  MANIFEST_PATH,
  type ManifestRow,
  readCorpusFile,
  readManifest,
  skipWithoutShared,
} from "#test/support/corpus";
import { CORPUS_EXPECTATIONS } from "./corpus-expectations.ts";

// The tests come from the pinned expectations, not from the manifest, so that without the corpus
// they exist all the same: skipped locally, failing in CI.
const skip = skipWithoutShared("parser conformance on the shared corpus", [MANIFEST_PATH]);

let manifest: Map<string, ManifestRow> | undefined;
function manifestRow(file: string): ManifestRow | undefined {
  manifest ??= new Map(readManifest().map((row) => [row.file, row]));
  return manifest.get(file);
}

describe.skipIf(skip)("parser conformance on the shared corpus", () => {
  it("has an expectation for every manifest file, and a manifest row for every expectation", () => {
    const files = readManifest().map((r) => r.file);
    expect(files.filter((f) => !CORPUS_EXPECTATIONS[f])).toEqual([]);
    expect(Object.keys(CORPUS_EXPECTATIONS).filter((f) => !files.includes(f))).toEqual([]);
  });

  for (const [file, expected] of Object.entries(CORPUS_EXPECTATIONS)) {
    it(`${file} parses as ${expected.format} with ${expected.count} findings`, () => {
      const row = manifestRow(file);
      expect(row, `${file} is not in the manifest`).toBeDefined();
      // a differing count must say why; an equal one must equal the manifest
      if (expected.rule === undefined) expect(expected.count).toBe(row?.findingCount);
      const report = parseReport(readCorpusFile(file), { secretSalt: "conformance" });
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
