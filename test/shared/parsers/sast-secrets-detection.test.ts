import { readdirSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { banditJson } from "#shared/parsers/bandit-json";
import { brakemanJson } from "#shared/parsers/brakeman-json";
import { decodeReport, readDocument } from "#shared/parsers/document";
import { EMPTY_FILE } from "#shared/parsers/empty-report";
import type { ReportFormat } from "#shared/parsers/format";
import { gitleaksJson } from "#shared/parsers/gitleaks-json";
import { gosecJson } from "#shared/parsers/gosec-json";
import { sarif } from "#shared/parsers/sarif";
import { semgrepJson } from "#shared/parsers/semgrep-json";
import { sonarqubeJson } from "#shared/parsers/sonarqube-json";
import { trufflehog3Json, trufflehogJson } from "#shared/parsers/trufflehog";
import { REPO_ROOT, readFixture } from "#test/support/corpus";

/** The SAST and secrets formats must not claim each other's reports (nor SARIF's). */
const GROUP: readonly ReportFormat[] = [
  semgrepJson,
  gitleaksJson,
  trufflehogJson,
  trufflehog3Json,
  banditJson,
  gosecJson,
  brakemanJson,
  sonarqubeJson,
];

describe("SAST and secrets format detection", () => {
  for (const format of GROUP) {
    const dir = resolve(REPO_ROOT, "test/fixtures/parsers", format.id);
    for (const file of readdirSync(dir)) {
      it(`${format.id}/${file} is claimed by ${format.id} only`, () => {
        const text = decodeReport(readFixture(`parsers/${format.id}/${file}`));
        const doc = /\S/.test(text) ? readDocument(text) : EMPTY_FILE;
        const claims = [...GROUP, sarif].filter((f) => f.detect(doc)).map((f) => f.id);
        // a clean-run shape that names no tool is claimed as an empty report, never by content
        if (claims.length === 0) expect(format.isEmptyReport?.(doc)).toBe(true);
        else expect(claims).toEqual([format.id]);
      });
    }
  }

  it("a clean gitleaks or trufflehog3 run (`[]`) is an empty report of both, detected by neither", () => {
    const empty = { syntax: "json" as const, value: [] };
    expect(GROUP.filter((f) => f.detect(empty))).toEqual([]);
    const claims = GROUP.filter((f) => f.isEmptyReport?.(empty)).map((f) => f.id);
    expect(claims).toEqual(["gitleaks-json", "trufflehog3-json"]);
  });
});
