import { describe, expect, it } from "vitest";
import { ParseError } from "#shared/parsers/parse-error";
import { wapitiJson } from "#shared/parsers/wapiti";
import { byRule, parseFixtureWith } from "#test/support/parser-fixtures";

const ctx = { secretSalt: "unit-test-salt" };
const parse = (name: string) => parseFixtureWith(wapitiJson, `wapiti-json/${name}`, ctx);

describe("wapiti-json", () => {
  it("emits vulnerabilities and anomalies, not additionals (technology fingerprints)", () => {
    const { tool, findings } = parse("wapiti-3.1.json");
    expect(tool).toEqual({ name: "Wapiti", version: "3.1.8" });
    expect(findings.map((f) => [f.rule.id, f.severity])).toEqual([
      ["SQL Injection", "critical"],
      ["Content Security Policy Configuration", "low"],
      ["Internal Server Error", "high"],
    ]);
  });

  it("maps an entry: URL from target and path, method, parameter, classification text and references, WSTG tags", () => {
    const sqli = byRule(parse("wapiti-3.1.json").findings, "SQL Injection");
    expect(sqli).toMatchObject({
      category: "dast",
      title: "SQL Injection",
      rawSeverity: "level=4",
      location: { url: "https://shop.example.com/products.php?cat=1", method: "GET", parameter: "cat" },
      remediation:
        "To protect against SQL injection, user input must not directly be embedded in SQL statements.",
      references: [
        "https://owasp.org/www-community/attacks/SQL_Injection",
        "https://cwe.mitre.org/data/definitions/89.html",
      ],
      tags: ["WSTG-INPV-05", "module:sql"],
    });
    expect(sqli.description).toMatch(
      /^SQL Injection \(DBMS: MySQL\) via injection in the parameter cat\n\nSQL injection is/,
    );
  });

  it("never keeps the HTTP request or curl command, and tags anomalies", () => {
    const findings = parse("wapiti-3.1.json").findings;
    const text = JSON.stringify(findings);
    expect(text).not.toContain("eyJhbGciOiJIUzI1NiJ9");
    expect(text).not.toContain("hunter2-example");
    expect(byRule(findings, "Internal Server Error").tags).toContain("anomaly");
    expect(byRule(findings, "Content Security Policy Configuration").location.parameter).toBeUndefined();
  });

  it("reads Wapiti 3.0 levels the other way round (1 is high), and its clean report as zero findings", () => {
    const [xss] = parse("wapiti-3.0-legacy-levels.json").findings;
    expect(xss).toMatchObject({
      severity: "high",
      location: { url: "http://legacy.example.com/search?q=test", parameter: "q" },
    });
    expect(parse("wapiti-3.0-clean.json")).toEqual({
      tool: { name: "Wapiti", version: "3.0.4" },
      findings: [],
    });
  });

  it("fails on a level outside the scale", () => {
    const doc = {
      syntax: "json" as const,
      value: {
        classifications: {},
        vulnerabilities: { XSS: [{ path: "/", level: 9 }] },
        infos: { version: "Wapiti 3.1.8" },
      },
    };
    expect(() => wapitiJson.parse(doc, ctx)).toThrow(ParseError);
    expect(() => wapitiJson.parse(doc, ctx)).toThrow(/vulnerabilities\["XSS"\]\[0\]\.level/);
  });
});
