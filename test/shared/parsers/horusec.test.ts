import { describe, expect, it } from "vitest";
import { hashSnippet } from "#shared/domain/snippet";
import { horusecJson } from "#shared/parsers/horusec";
import { byRule, parseFixtureWith } from "#test/support/parser-fixtures";

const ctx = { secretSalt: "unit-test-salt" };
const parse = (name: string) => parseFixtureWith(horusecJson, `horusec-json/${name}`, ctx);

describe("horusec-json", () => {
  it("emits leaks, code and dependency findings by engine; corrected entries are not findings", () => {
    const { tool, findings } = parse("report-2.8.json");
    expect(tool).toEqual({ name: "Horusec", version: "v2.8.0" });
    expect(findings.map((f) => [f.category, f.rule.id])).toEqual([
      ["secret", "HS-LEAKS-26"],
      ["sast", "G202"],
      ["sca", "Prototype Pollution in minimist"],
    ]);
  });

  it("maps a code finding: rule id, title without Horusec's prefix, CWE from the text, string line, snippet", () => {
    expect(byRule(parse("report-2.8.json").findings, "G202")).toMatchObject({
      rule: { id: "G202", name: "SQL Injection" },
      title: "SQL Injection",
      severity: "high",
      confidence: "high",
      cwes: ["CWE-89"],
      location: {
        file: "api/db.go",
        startLine: 31,
        snippetHash: hashSnippet('rows, err := db.Query("SELECT * FROM orders WHERE id = " + id)'),
      },
      fingerprints: {
        "horusec/vulnHash": "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f809",
      },
      tags: ["engine:GoSec", "language:Go"],
    });
  });

  it("keeps a leak only as a salted hash of its line: no code, snippet hash or vulnHash", () => {
    const leak = byRule(parse("report-2.8.json").findings, "HS-LEAKS-26");
    expect(leak).toMatchObject({
      title: "Hard-coded password",
      severity: "critical",
      cwes: ["CWE-798"],
      location: { file: "deploy/docker-compose.yml", startLine: 14 },
      secret: { preview: "REDACTED" },
      fingerprints: {},
    });
    expect(leak.secret?.hash).toHaveLength(64);
    expect(leak.location.snippetHash).toBeUndefined();
    expect(JSON.stringify(leak)).not.toContain("Tr0ub4dor-Example-3");
  });

  it("suppresses Risk Accepted entries; line 0 is no line", () => {
    const minimist = byRule(parse("report-2.8.json").findings, "Prototype Pollution in minimist");
    expect(minimist).toMatchObject({ severity: "critical", suppressed: { kind: "risk_accepted" } });
    expect(minimist.location.startLine).toBeUndefined();
  });

  it("reads `analysisVulnerabilities: null` (2.6) as a clean run", () => {
    expect(parse("clean-2.6.json")).toEqual({ tool: { name: "Horusec", version: "v2.6.3" }, findings: [] });
  });

  it("fails on an entry without details, naming it", () => {
    const doc = {
      syntax: "json" as const,
      value: {
        status: "success",
        createdAt: "x",
        analysisVulnerabilities: [{ vulnerabilities: { file: "a" } }],
      },
    };
    expect(() => horusecJson.parse(doc, ctx)).toThrow(
      /analysisVulnerabilities\[0\]\.vulnerabilities\.details/,
    );
  });
});
