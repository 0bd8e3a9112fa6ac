import { describe, expect, it } from "vitest";
import { hashSnippet } from "#shared/domain/snippet";
import { checkmarxOneJson, checkmarxXml } from "#shared/parsers/checkmarx";
import { ParseError } from "#shared/parsers/parse-error";
import { byRule, loadParserFixture, parseFixtureWith } from "#test/support/parser-fixtures";

const ctx = { secretSalt: "unit-test-salt" };

describe("checkmarx-xml", () => {
  const parse = (name: string) => parseFixtureWith(checkmarxXml, `checkmarx-xml/${name}`, ctx);

  it("detects the CxXMLResults root only", () => {
    expect(checkmarxXml.detect(loadParserFixture("checkmarx-xml/empty-bare.xml"))).toBe(true);
    expect(checkmarxXml.detect(loadParserFixture("burp-xml/issues.xml"))).toBe(false);
  });

  it("maps a result: query by language and name, CWE, source line and snippet, similarity id, flow ends", () => {
    const { tool, findings } = parse("report-9.xml");
    expect(tool).toEqual({ name: "Checkmarx SAST", version: "9.5.5.1006 HF11" });
    expect(findings).toHaveLength(3);
    expect(findings[0]).toMatchObject({
      category: "sast",
      rule: { id: "Java.SQL_Injection", name: "SQL Injection" },
      title: "SQL Injection",
      severity: "high",
      rawSeverity: "High",
      // state 2: Confirmed
      confidence: "high",
      cwes: ["CWE-89"],
      location: {
        file: "src/main/java/com/acme/shop/OrderController.java",
        startLine: 57,
        snippetHash: hashSnippet("    public List<Order> getOrders(@RequestParam String customer) {"),
      },
      description:
        "Source: customer (src/main/java/com/acme/shop/OrderController.java:57)\nSink: executeQuery (src/main/java/com/acme/shop/OrderRepository.java:23)",
      fingerprints: { "checkmarx/similarityId": "-1426431781" },
      toolId: "1001234/1",
      references: ["https://cx.example.com/CxWebClient/ViewerMain.aspx?scanid=1001234&projectid=42&pathid=1"],
      tags: ["language:Java", "group:Java_High_Risk", "status:New", "state:confirmed"],
    });
    expect(findings[0]?.suppressed).toBeUndefined();
  });

  it("keeps false positives and Not Exploitable results suppressed with the remark; the result's severity wins", () => {
    const [, enumParam, xss] = parse("report-9.xml").findings;
    expect(enumParam).toMatchObject({
      location: { file: "src/main/java/com/acme/shop/ReportController.java", startLine: 88 },
      suppressed: { kind: "false_positive", justification: "Parameter is an enum, validated by Spring" },
    });
    expect(enumParam?.location.snippetHash).toBeUndefined();
    // the query is Medium, the result was re-graded Low; Proposed Not Exploitable is only proposed
    expect(xss).toMatchObject({ rule: { id: "JavaScript.Reflected_XSS_All_Clients" }, severity: "low" });
    expect(xss?.tags).toContain("state:proposed-not-exploitable");
    expect(xss?.suppressed).toBeUndefined();
  });

  it("reads clean reports, with and without attributes, as zero findings", () => {
    expect(parse("empty.xml")).toEqual({
      tool: { name: "Checkmarx SAST", version: "8.9.0.210" },
      findings: [],
    });
    expect(parse("empty-bare.xml").findings).toEqual([]);
  });

  it("fails on a query without a name", () => {
    const doc = {
      syntax: "xml" as const,
      root: "CxXMLResults",
      head: "",
      bytes: Buffer.from('<CxXMLResults><Query id="1"/></CxXMLResults>'),
    };
    expect(() => checkmarxXml.parse(doc, ctx)).toThrow(ParseError);
    expect(() => checkmarxXml.parse(doc, ctx)).toThrow(/Query\[0\]/);
  });
});

describe("checkmarx-one-json", () => {
  const parse = (name: string) => parseFixtureWith(checkmarxOneJson, `checkmarx-one-json/${name}`, ctx);

  it("detects results with scanID and totalCount; not other `results` reports", () => {
    expect(checkmarxOneJson.detect(loadParserFixture("checkmarx-one-json/empty.json"))).toBe(true);
    expect(checkmarxOneJson.detect({ syntax: "json", value: { results: [] } })).toBe(false);
    expect(checkmarxOneJson.detect(loadParserFixture("semgrep-json/code-and-ignored.json"))).toBe(false);
  });

  it("emits every engine's results, not fixed ones", () => {
    const { tool, findings } = parse("results.json");
    expect(tool).toEqual({ name: "Checkmarx One" });
    expect(findings.map((f) => [f.category, f.rule.id])).toEqual([
      ["sast", "Java.SQL_Injection"],
      ["sca", "CVE-2021-44228"],
      ["iac", "568a4d22-3517-44a6-a7ad-6a7eed88722c"],
      ["container", "CVE-2023-0286"],
      ["secret", "aws-access-token"],
    ]);
  });

  it("maps SAST like CxSAST (same rule id), with repo-relative paths and the flow's ends", () => {
    expect(byRule(parse("results.json").findings, "Java.SQL_Injection")).toMatchObject({
      title: "SQL Injection",
      severity: "high",
      cwes: ["CWE-89"],
      location: {
        file: "src/main/java/com/acme/shop/OrderController.java",
        startLine: 57,
        resource: "getOrders",
      },
      fingerprints: { "checkmarx/similarityId": "-1426431781" },
      toolId: "9mQ3nGv7fXo0X2tY6PRRWwLdG1s=",
      tags: ["language:Java", "group:Java_High_Risk", "engine:sast", "status:NEW", "state:TO_VERIFY"],
    });
  });

  it("maps SCA: the package from its identifier (Maven coordinates with dashes), recommended version", () => {
    expect(byRule(parse("results.json").findings, "CVE-2021-44228")).toMatchObject({
      severity: "critical",
      title: "CVE-2021-44228 in org.apache.logging.log4j:log4j-core@2.14.1",
      vulnerability: { id: "CVE-2021-44228", aliases: [] },
      cwes: ["CWE-502"],
      package: {
        purl: "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",
        ecosystem: "maven",
        name: "org.apache.logging.log4j:log4j-core",
        version: "2.14.1",
        fixedVersions: ["2.17.1"],
      },
    });
  });

  it("maps KICS (suppressed when Not Exploitable), containers, and secrets as a salted line hash only", () => {
    const findings = parse("results.json").findings;
    expect(byRule(findings, "568a4d22-3517-44a6-a7ad-6a7eed88722c")).toMatchObject({
      title: "S3 Bucket Without Versioning",
      location: { file: "infra/s3.tf", startLine: 12 },
      description: "S3 Bucket should have versioning enabled\n\nActual: 'versioning' is undefined or null",
      remediation: "Expected: 'versioning' should be true",
      suppressed: { kind: "not_exploitable" },
    });
    expect(byRule(findings, "CVE-2023-0286")).toMatchObject({
      location: { image: "acme/shop-api:1.4.2" },
      package: { name: "openssl", version: "1.1.1n-0+deb11u3" },
    });
    const secret = byRule(findings, "aws-access-token");
    expect(secret).toMatchObject({
      rule: { name: "AWS-Access-Token" },
      location: { file: "deploy/settings.env", startLine: 3 },
      secret: { preview: "REDACTED", verified: true },
      tags: expect.arrayContaining(["validity:valid"]),
    });
    expect(secret.secret?.hash).toHaveLength(64);
    expect(JSON.stringify(secret)).not.toContain("AKIAIOSFODNN7EXAMPLE");
  });

  it("reads a clean scan as zero findings and fails on a result without a type", () => {
    expect(parse("empty.json").findings).toEqual([]);
    const doc = { syntax: "json" as const, value: { results: [{ id: "x" }], totalCount: 1, scanID: "s" } };
    expect(() => checkmarxOneJson.parse(doc, ctx)).toThrow(/results\[0\]\.type/);
  });
});
