import { describe, expect, it } from "vitest";
import type { ReportDocument } from "#shared/parsers/document";
import { ParseError } from "#shared/parsers/parse-error";
import { sonarqubeJson } from "#shared/parsers/sonarqube-json";
import { loadParserFixture, parseFixtureWith } from "#test/support/parser-fixtures";

const ctx = { secretSalt: "unit-test-salt" };

const load = (name: string) => loadParserFixture(`sonarqube-json/${name}`);
const parseFixture = (name: string) => parseFixtureWith(sonarqubeJson, `sonarqube-json/${name}`, ctx);

describe("sonarqube-json", () => {
  it("detects the issues and hotspots APIs, empty or not", () => {
    expect(sonarqubeJson.detect(load("issues.json"))).toBe(true);
    expect(sonarqubeJson.detect(load("hotspots.json"))).toBe(true);
    expect(sonarqubeJson.detect(load("empty.json"))).toBe(true);
    expect(sonarqubeJson.detect({ syntax: "json", value: { issues: [] } })).toBe(false);
    expect(sonarqubeJson.detect({ syntax: "json", value: { paging: {}, issues: [{ id: 1 }] } })).toBe(false);
  });

  it("emits security issues only: vulnerabilities, hotspots and SECURITY impacts", () => {
    const { tool, findings } = parseFixture("issues.json");
    expect(tool).toEqual({ name: "sonarqube" });
    expect(findings.map((f) => f.toolId)).toEqual([
      "AYx1-vuln-sql",
      "AYx2-legacy-vuln",
      "AYx4-smell-security-impact", // a code smell, but with a SECURITY impact
      "AYx5-false-positive",
      "AYx7-old-hotspot",
    ]); // the BUG and the CLOSED/FIXED vulnerability are dropped
  });

  it("maps a vulnerability: impact severity, rule name, file after the project key, text range", () => {
    const [sql] = parseFixture("issues.json").findings;
    expect(sql).toMatchObject({
      category: "sast",
      tool: { name: "sonarqube" },
      rule: {
        id: "javasecurity:S3649",
        name: "Database queries should not be vulnerable to injection attacks",
      },
      title: "Change this code to not construct SQL queries directly from user-controlled data.",
      severity: "high", // SECURITY impact HIGH outranks the legacy BLOCKER
      rawSeverity: "impact=SECURITY:HIGH type=VULNERABILITY",
      location: { file: "src/main/java/com/example/shop/OrderRepository.java", startLine: 58, endLine: 60 },
      fingerprints: { lineHash: "3f1d2c9e8b7a6f5e4d3c2b1a09f8e7d6" },
      tags: ["cwe", "owasp-a3", "injection"],
    });
    expect(JSON.stringify(sql)).not.toContain("jane");
  });

  it("falls back to the legacy severity and strips a project key that contains a colon", () => {
    const [, legacy, smell, falsePositive, hotspot] = parseFixture("issues.json").findings;
    expect(legacy).toMatchObject({
      severity: "high", // CRITICAL
      rawSeverity: "severity=CRITICAL type=VULNERABILITY",
      location: { file: "src/main/resources/application.properties", startLine: 3, endLine: 3 },
    });
    expect(smell).toMatchObject({
      severity: "medium",
      rawSeverity: "impact=SECURITY:MEDIUM type=CODE_SMELL",
    });
    expect(falsePositive?.suppressed).toEqual({ kind: "external", justification: "FALSE-POSITIVE" });
    expect(hotspot).toMatchObject({ severity: "high", tags: ["security-hotspot"] });
    expect(hotspot?.location.file).toBeUndefined(); // a project-level issue
  });

  it("maps hotspots by vulnerability probability; SAFE is suppressed, FIXED dropped", () => {
    const { findings } = parseFixture("hotspots.json");
    expect(findings).toHaveLength(2);
    const [cookie, random] = findings;
    expect(cookie).toMatchObject({
      rule: { id: "typescript:S2092" },
      severity: "low",
      rawSeverity: "vulnerabilityProbability=LOW",
      location: { file: "src/server/cookies.ts", startLine: 14, endLine: 14 },
      toolId: "AZh1-to-review",
      tags: ["security-hotspot", "insecure-conf"],
    });
    expect(cookie?.suppressed).toBeUndefined();
    expect(random).toMatchObject({
      severity: "medium",
      location: { file: "src/server/crypto.ts", startLine: 5 },
      suppressed: { kind: "external", justification: "SAFE" },
    });
  });

  it("parses an empty page", () => {
    expect(parseFixture("empty.json").findings).toEqual([]);
  });

  it("names the format and the broken record on a malformed issue", () => {
    const doc: ReportDocument = {
      syntax: "json",
      value: { paging: {}, issues: [{ key: "k", rule: "r", component: "p:a.java", line: "12" }] },
    };
    expect(() => sonarqubeJson.parse(doc, ctx)).toThrow(ParseError);
    expect(() => sonarqubeJson.parse(doc, ctx)).toThrow(/sonarqube-json: .*\(at issues\[0\]\.line\)/);
  });
});
