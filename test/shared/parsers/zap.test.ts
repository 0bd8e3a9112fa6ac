import { describe, expect, it } from "vitest";
import { ParseError } from "#shared/parsers/parse-error";
import { parseReport } from "#shared/parsers/registry";
import { readFixture } from "#test/support/corpus";

const ctx = { secretSalt: "unit-salt" };
const parse = (path: string) => parseReport(readFixture(`parsers/${path}`), ctx);

describe("zap-json", () => {
  it("is detected from content and names the tool ZAP", () => {
    const report = parse("zap-json/report.json");
    expect(report.format).toBe("zap-json");
    expect(report.tool).toEqual({ name: "ZAP", version: "2.15.0" });
  });

  it("emits one finding per distinct method+URL+param of an alert, across sites", () => {
    const { findings } = parse("zap-json/report.json");
    const xss = findings.filter((f) => f.rule.id === "40012");
    // three instances, two of them the same GET/uri/q with another payload
    expect(xss.map((f) => f.location)).toEqual([
      {
        url: "https://shop.example.test/search?q=%3Cscript%3Ealert%281%29%3C%2Fscript%3E",
        method: "GET",
        parameter: "q",
      },
      { url: "https://shop.example.test/account", method: "POST", parameter: "displayName" },
    ]);
    expect(findings.map((f) => f.rule.id)).toEqual(["40012", "40012", "10202", "10096", "10063-1", "10021"]);
  });

  it("maps risk, confidence, CWE, WASC, plain-text description, solution and references", () => {
    const [xss] = parse("zap-json/report.json").findings;
    expect(xss).toMatchObject({
      category: "dast",
      rule: { id: "40012", name: "Cross Site Scripting (Reflected)" },
      title: "Cross Site Scripting (Reflected)",
      severity: "high",
      rawSeverity: "riskcode=3 confidence=2",
      confidence: "medium",
      cwes: ["CWE-79"],
      remediation:
        "Phase: Architecture and Design\nUse a vetted library or framework that does not allow this weakness to occur.",
      references: [
        "https://owasp.org/www-community/attacks/xss/",
        "https://cwe.mitre.org/data/definitions/79.html",
      ],
      tags: ["WASC-8", "zap-plugin:40012"],
    });
    expect(xss?.description).toBe(
      [
        "Attack: <script>alert(1);</script>",
        "Evidence: <script>alert(1);</script>",
        "",
        "Cross-site Scripting (XSS) is an attack technique that involves echoing attacker-supplied code into a user's browser instance.",
        "There are three types: non-persistent, persistent & DOM-based.",
      ].join("\n"),
    );
    expect(xss?.suppressed).toBeUndefined();
  });

  it("marks confidence 0 (False Positive) as suppressed without changing the severity", () => {
    const csrf = parse("zap-json/report.json").findings[2];
    expect(csrf).toMatchObject({
      severity: "medium",
      rawSeverity: "riskcode=2 confidence=0",
      suppressed: { kind: "false_positive" },
      location: { url: "https://shop.example.test/login", method: "GET" },
    });
    expect(csrf?.confidence).toBeUndefined();
    expect(csrf?.location.parameter).toBeUndefined();
    expect(csrf?.description).toContain("Other info: No known Anti-CSRF token was found.");
  });

  it("places an alert without instances at its site, with no CWE for -1", () => {
    const timestamp = parse("zap-json/report.json").findings[3];
    expect(timestamp).toMatchObject({
      severity: "info",
      confidence: "low",
      cwes: [],
      location: { url: "https://shop.example.test" },
      tags: ["zap-plugin:10096"],
    });
    expect(timestamp?.description).toContain(
      "Other info: 1741000000, which evaluates to: 2025-03-03 11:06:40.",
    );
  });

  it("keeps ignoredAlerts as suppressed findings", () => {
    const ignored = parse("zap-json/report.json").findings[4];
    expect(ignored).toMatchObject({
      rule: { id: "10063-1" },
      severity: "low",
      suppressed: { kind: "ignored" },
    });
  });

  it("reads a report with no alerts, naming pre-2.13 'OWASP ZAP' as ZAP", () => {
    const report = parse("zap-json/empty.json");
    expect(report.tool).toEqual({ name: "ZAP", version: "2.12.0" });
    expect(report.findings).toEqual([]);
  });

  it("fails a malformed alert with a ParseError naming the format and the path", () => {
    const run = () => parse("zap-json/malformed.json");
    expect(run).toThrow(ParseError);
    expect(run).toThrow(/zap-json: .*\(at site\[0\]\.alerts\[1\]\.riskcode\)/);
  });
});

describe("zap-xml", () => {
  it("is detected from the OWASPZAPReport root and reads the same fields as JSON", () => {
    const report = parse("zap-xml/report.xml");
    expect(report.format).toBe("zap-xml");
    expect(report.tool).toEqual({ name: "ZAP", version: "2.15.0" });
    expect(report.findings).toHaveLength(4);
    expect(report.findings[0]).toMatchObject({
      category: "dast",
      rule: { id: "40018", name: "SQL Injection" },
      severity: "high",
      rawSeverity: "riskcode=3 confidence=3",
      confidence: "high",
      cwes: ["CWE-89"],
      location: { url: "https://shop.example.test/products?id=5-2", method: "GET", parameter: "id" },
      remediation: "Do not trust client side input.\nUse prepared statements.",
      references: [
        "https://cheatsheetseries.owasp.org/cheatsheets/SQL_Injection_Prevention_Cheat_Sheet.html",
      ],
      tags: ["WASC-19", "zap-plugin:40018"],
    });
    expect(report.findings[0]?.description).toBe(
      [
        "Other info: The original page results were successfully replicated using the expression [5-2] as the parameter value",
        "Attack: 5-2",
        "",
        "SQL injection may be possible.",
      ].join("\n"),
    );
    expect(report.findings[1]?.location).toEqual({
      url: "https://shop.example.test/cart",
      method: "POST",
      parameter: "qty",
    });
  });

  it("marks a false positive suppressed and reads every site", () => {
    const { findings } = parse("zap-xml/report.xml");
    expect(findings[2]).toMatchObject({ rule: { id: "10010" }, suppressed: { kind: "false_positive" } });
    expect(findings[3]).toMatchObject({
      rule: { id: "10035-1" },
      location: { url: "https://admin.example.test/", method: "GET" },
    });
  });

  it("reads a 2.4-era report whose alert items carry the instance fields themselves", () => {
    const report = parse("zap-xml/legacy-2.4.xml");
    expect(report.tool).toEqual({ name: "ZAP", version: "2.4.3" });
    expect(report.findings).toHaveLength(1);
    expect(report.findings[0]).toMatchObject({
      rule: { id: "10016" },
      location: { url: "http://legacy.example.test/index.php", parameter: "X-XSS-Protection" },
      cwes: ["CWE-933"],
    });
    expect(report.findings[0]?.description).toContain(
      "Other info: The X-XSS-Protection HTTP response header",
    );
  });

  it("reads a report with no alerts", () => {
    const report = parse("zap-xml/empty.xml");
    expect(report.format).toBe("zap-xml");
    expect(report.findings).toEqual([]);
  });

  it("fails a malformed alert item with a ParseError naming the format and the path", () => {
    const run = () => parse("zap-xml/malformed.xml");
    expect(run).toThrow(ParseError);
    expect(run).toThrow(/zap-xml: .*\(at site\[0\]\.alerts\.alertitem\[1\]\.riskcode\)/);
  });
});
