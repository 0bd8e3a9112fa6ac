import { describe, expect, it } from "vitest";
import { burpXml } from "#shared/parsers/burp";
import { readDocument } from "#shared/parsers/document";
import { ParseError } from "#shared/parsers/parse-error";
import { parseReport } from "#shared/parsers/registry";
import { readFixture } from "#test/support/corpus";

const ctx = { secretSalt: "unit-salt" };
const parse = (name: string) => parseReport(readFixture(`parsers/burp-xml/${name}`), ctx);

describe("burp-xml", () => {
  it("parses a real-shaped export whose inline DOCTYPE declares every Burp element", () => {
    const report = parse("issues.xml");
    expect(report.format).toBe("burp-xml");
    expect(report.tool).toEqual({ name: "Burp Suite", version: "2024.10.3" });
    expect(report.findings).toHaveLength(4);
  });

  it("maps type, name, severity, confidence, URL, method, parameter, CWEs, serial and references", () => {
    const [sqli] = parse("issues.xml").findings;
    expect(sqli).toMatchObject({
      category: "dast",
      tool: { name: "Burp Suite", version: "2024.10.3" },
      rule: { id: "1049088", name: "SQL injection" },
      title: "SQL injection",
      severity: "high",
      rawSeverity: "severity=High confidence=Certain",
      confidence: "high",
      cwes: ["CWE-89", "CWE-116"],
      location: { url: "https://shop.example.test/products", method: "GET", parameter: "id" },
      toolId: "5716395585457373184",
      references: [
        "https://portswigger.net/web-security/sql-injection",
        "https://portswigger.net/web-security/sql-injection/cheat-sheet",
      ],
      remediation:
        "The most effective way to prevent SQL injection attacks is to use parameterized queries (also known as prepared statements) for all database access.",
    });
    expect(sqli?.description).toBe(
      [
        "The id URL parameter appears to be vulnerable to SQL injection attacks. A single quote character was submitted in the id parameter, and a database error message was returned.",
        "",
        "SQL injection vulnerabilities arise when user-controllable data is incorporated into database SQL queries in an unsafe manner.",
        "An attacker can supply crafted input to break out of the data context.",
      ].join("\n"),
    );
  });

  it("never keeps request or response bodies", () => {
    const serialized = JSON.stringify(parse("issues.xml").findings);
    expect(serialized).not.toContain("s3ss10n-t0k3n-do-not-keep");
    expect(serialized).not.toContain("correct-horse-battery");
    expect(serialized).not.toContain("Set-Cookie");
    // the base64 form is not kept either
    expect(serialized).not.toContain("R0VUIC9wcm9kdWN0cz9pZD03");
  });

  it("reads the method from a plain request line when the attribute is absent, and joins host and path", () => {
    const cookie = parse("issues.xml").findings[1];
    expect(cookie).toMatchObject({
      severity: "low",
      confidence: "medium",
      cwes: ["CWE-16"],
      location: { url: "https://shop.example.test/login", method: "POST" },
      remediation:
        "Set the HttpOnly flag on the theme cookie.\n\nThere is usually no good reason not to set the HttpOnly flag on all cookies.",
    });
    expect(cookie?.location.parameter).toBeUndefined();
  });

  it("maps Information to info and leaves absent fields out", () => {
    const email = parse("issues.xml").findings[2];
    expect(email).toMatchObject({ severity: "info", rawSeverity: "severity=Information confidence=Certain" });
    expect(email?.location).toEqual({ url: "https://shop.example.test/contact" });
    expect(email?.references).toEqual([]);
    expect(email?.remediation).toBeUndefined();
  });

  it("keeps a False positive issue as suppressed info", () => {
    const xss = parse("issues.xml").findings[3];
    expect(xss).toMatchObject({
      severity: "info",
      rawSeverity: "severity=False positive confidence=Tentative",
      confidence: "low",
      location: { url: "https://shop.example.test/search", parameter: "q" },
      suppressed: { kind: "false_positive" },
    });
  });

  it("parses a file with external and nested entities without resolving or expanding anything", () => {
    const started = performance.now();
    const report = parse("xxe-and-entity-bomb.xml");
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(report.format).toBe("burp-xml");
    const [issue] = report.findings;
    expect(issue?.title).toBe("SQL injection &xxe;");
    expect(issue?.description).toBe("&lol9;");
    expect(JSON.stringify(report)).not.toMatch(/root:|lollol/);
  });

  it("reads an export with no issues", () => {
    const report = parse("no-issues.xml");
    expect(report.format).toBe("burp-xml");
    expect(report.findings).toEqual([]);
  });

  it("fails a malformed issue with a ParseError naming the format and the path", () => {
    const run = () => parse("malformed.xml");
    expect(run).toThrow(ParseError);
    expect(run).toThrow(/burp-xml: .*\(at issues\.issue\[1\]\.severity\)/);
  });

  it("does not claim other XML with an <issues> root", () => {
    const doc = readDocument('<?xml version="1.0"?><issues><issue><title>x</title></issue></issues>');
    expect(burpXml.detect(doc)).toBe(false);
  });
});
