import { describe, expect, it } from "vitest";
import { ParseError } from "#shared/parsers/parse-error";
import { veracodeXml } from "#shared/parsers/veracode";
import { byRule, loadParserFixture, parseFixtureWith } from "#test/support/parser-fixtures";

const ctx = { secretSalt: "unit-test-salt" };
const parse = (name: string) => parseFixtureWith(veracodeXml, `veracode-xml/${name}`, ctx);

function xmlDoc(text: string) {
  return {
    syntax: "xml" as const,
    root: "detailedreport",
    head: text.slice(0, 4096),
    bytes: Buffer.from(text),
  };
}

describe("veracode-xml", () => {
  it("detects the detailed report, not the summary report", () => {
    expect(veracodeXml.detect(loadParserFixture("veracode-xml/no-flaws.xml"))).toBe(true);
    expect(
      veracodeXml.detect({
        syntax: "xml",
        root: "summaryreport",
        head: '<summaryreport xmlns="https://www.veracode.com/schema/reports/export/1.0">',
        bytes: Buffer.from(""),
      }),
    ).toBe(false);
  });

  it("emits static and dynamic flaws and SCA vulnerabilities; fixed flaws are not findings", () => {
    const { tool, findings } = parse("detailedreport.xml");
    expect(tool).toEqual({ name: "Veracode", version: "20240215115226" });
    expect(findings.map((f) => [f.category, f.rule.id, f.toolId])).toEqual([
      ["sast", "CWE-89", "131"],
      ["sast", "CWE-327", "88"],
      ["dast", "CWE-352", "204"],
      ["sca", "CVE-2021-44228", "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d/CVE-2021-44228"],
      ["sca", "CVE-2021-45046", "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d/CVE-2021-45046"],
    ]);
  });

  it("maps a static flaw: severity 5 to critical, file from path and name, function, category recommendation", () => {
    expect(byRule(parse("detailedreport.xml").findings, "CWE-89")).toMatchObject({
      title: "Improper Neutralization of Special Elements used in an SQL Command ('SQL Injection')",
      severity: "critical",
      rawSeverity: "5 Very High",
      cwes: ["CWE-89"],
      location: {
        file: "com/acme/shop/OrderRepository.java",
        startLine: 23,
        resource: "java.util.List findOrders(java.lang.String)",
      },
      fingerprints: { "veracode/issueid": "131" },
      remediation: "Use parameterized prepared statements.",
      tags: ["module:shop-api.war", "status:New", "exploit-level:2"],
    });
  });

  it("suppresses an accepted mitigation with the last annotation, and maps a dynamic flaw's URL and parameter", () => {
    const findings = parse("detailedreport.xml").findings;
    expect(byRule(findings, "CWE-327")).toMatchObject({
      severity: "high",
      location: { file: "com/acme/shop/legacy/LegacyCrypto.java", startLine: 12 },
      suppressed: { kind: "mitigated", justification: "Approved: legacy read-only path." },
    });
    expect(byRule(findings, "CWE-352")).toMatchObject({
      category: "dast",
      severity: "medium",
      location: { url: "https://shop.example.com/account/email", parameter: "email" },
    });
    expect(byRule(findings, "CWE-352").location.file).toBeUndefined();
  });

  it("maps SCA: Maven purl from library id and vendor, jar path, CWE; a mitigated vulnerability is suppressed", () => {
    const findings = parse("detailedreport.xml").findings;
    expect(byRule(findings, "CVE-2021-44228")).toMatchObject({
      severity: "critical",
      rawSeverity: "Very High",
      title: "CVE-2021-44228 in org.apache.logging.log4j:log4j-core@2.14.1",
      vulnerability: { id: "CVE-2021-44228", aliases: [] },
      cwes: ["CWE-502"],
      package: {
        purl: "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",
        ecosystem: "maven",
        name: "org.apache.logging.log4j:log4j-core",
        version: "2.14.1",
      },
      location: { file: "shop-api.war#zip:WEB-INF/lib/log4j-core-2.14.1.jar" },
    });
    expect(byRule(findings, "CVE-2021-44228").suppressed).toBeUndefined();
    expect(byRule(findings, "CVE-2021-45046").suppressed).toEqual({
      kind: "mitigated",
      justification: "Mitigate by Environment",
    });
  });

  it("reads a report without flaws as zero findings", () => {
    expect(parse("no-flaws.xml")).toEqual({
      tool: { name: "Veracode", version: "20240301120000" },
      findings: [],
    });
  });

  it("fails on a flaw with a severity outside 0-5", () => {
    const doc = xmlDoc(
      '<detailedreport xmlns="https://www.veracode.com/schema/reports/export/1.0"><severity level="9"><category categoryname="x"><cwe cweid="1"><staticflaws><flaw severity="9" issueid="7"/></staticflaws></cwe></category></severity></detailedreport>',
    );
    expect(() => veracodeXml.parse(doc, ctx)).toThrow(ParseError);
    expect(() => veracodeXml.parse(doc, ctx)).toThrow(/unknown flaw severity "9"/);
  });
});
