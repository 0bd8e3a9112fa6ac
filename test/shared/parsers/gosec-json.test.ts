import { describe, expect, it } from "vitest";
import { hashSnippet } from "#shared/domain/snippet";
import type { ReportDocument } from "#shared/parsers/document";
import { gosecJson } from "#shared/parsers/gosec-json";
import { ParseError } from "#shared/parsers/parse-error";
import { loadParserFixture, parseFixtureWith } from "#test/support/parser-fixtures";

const ctx = { secretSalt: "unit-test-salt" };

const load = (name: string) => loadParserFixture(`gosec-json/${name}`);
const parseFixture = (name: string) => parseFixtureWith(gosecJson, `gosec-json/${name}`, ctx);

describe("gosec-json", () => {
  it("detects gosec reports, empty or not", () => {
    expect(gosecJson.detect(load("issues.json"))).toBe(true);
    expect(gosecJson.detect(load("empty.json"))).toBe(true);
    expect(gosecJson.detect({ syntax: "json", value: { Issues: [] } })).toBe(false);
  });

  it("maps a ranged issue: severity, confidence, CWE, lines, autofix; Golang errors are not findings", () => {
    const report = parseFixture("issues.json");
    expect(report.tool).toEqual({ name: "gosec", version: "2.21.4" });
    expect(report.findings).toHaveLength(3);
    const [tls] = report.findings;
    expect(tls).toMatchObject({
      category: "sast",
      tool: { name: "gosec", version: "2.21.4" },
      rule: { id: "G402" },
      title: "TLS InsecureSkipVerify set true.",
      severity: "high",
      rawSeverity: "severity=HIGH confidence=HIGH",
      confidence: "high",
      cwes: ["CWE-295"],
      location: { file: "/src/shop/internal/client/http.go", startLine: 12, endLine: 14 },
      remediation: "Set InsecureSkipVerify to false or remove it.",
    });
    expect(tls?.suppressed).toBeUndefined();
    // lines 12-14 only, without gosec's `N: ` prefixes
    expect(tls?.location.snippetHash).toBe(
      hashSnippet("\t\tTLSClientConfig: &tls.Config{\n\t\t\tInsecureSkipVerify: true,\n\t\t},"),
    );
  });

  it("keeps #nosec issues as suppressed, with the justification when tracked, and reads Windows paths", () => {
    const [, unhandled, include] = parseFixture("issues.json").findings;
    expect(unhandled).toMatchObject({
      severity: "low",
      location: { file: "/src/shop/cmd/main.go", startLine: 22, endLine: 22 },
      suppressed: { kind: "inSource", justification: "best effort flush" },
    });
    expect(include).toMatchObject({
      severity: "medium",
      confidence: "medium",
      suppressed: { kind: "inSource" },
    });
  });

  it("parses an empty report", () => {
    expect(parseFixture("empty.json").findings).toEqual([]);
  });

  it("names the format and the broken record on a malformed issue", () => {
    const doc: ReportDocument = {
      syntax: "json",
      value: {
        "Golang errors": {},
        Stats: {},
        Issues: [{ severity: "LOW", rule_id: "G104", details: "d", file: "a.go", line: "twelve" }],
      },
    };
    expect(() => gosecJson.parse(doc, ctx)).toThrow(ParseError);
    expect(() => gosecJson.parse(doc, ctx)).toThrow(/gosec-json: .*\(at Issues\[0\]\.line\)/);
  });
});
