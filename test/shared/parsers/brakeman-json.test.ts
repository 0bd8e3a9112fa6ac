import { describe, expect, it } from "vitest";
import { hashSnippet } from "#shared/domain/snippet";
import { brakemanJson } from "#shared/parsers/brakeman-json";
import type { ReportDocument } from "#shared/parsers/document";
import { ParseError } from "#shared/parsers/parse-error";
import { loadParserFixture, parseFixtureWith } from "#test/support/parser-fixtures";

const ctx = { secretSalt: "unit-test-salt" };

const load = (name: string) => loadParserFixture(`brakeman-json/${name}`);
const parseFixture = (name: string) => parseFixtureWith(brakemanJson, `brakeman-json/${name}`, ctx);

describe("brakeman-json", () => {
  it("detects brakeman reports, empty or not", () => {
    expect(brakemanJson.detect(load("report.json"))).toBe(true);
    expect(brakemanJson.detect(load("empty.json"))).toBe(true);
    expect(brakemanJson.detect({ syntax: "json", value: { warnings: [] } })).toBe(false);
  });

  it("maps a warning: confidence as severity, BRAKE rule id, fingerprint, CWE, code and where", () => {
    const report = parseFixture("report.json");
    expect(report.tool).toEqual({ name: "brakeman", version: "6.2.1" });
    expect(report.findings).toHaveLength(3);
    const [sql] = report.findings;
    expect(sql).toMatchObject({
      category: "sast",
      tool: { name: "brakeman", version: "6.2.1" },
      rule: { id: "BRAKE0000", name: "SQL Injection" },
      title: "Possible SQL injection",
      severity: "high",
      rawSeverity: "confidence=High",
      confidence: "high",
      cwes: ["CWE-89"],
      location: {
        file: "app/controllers/orders_controller.rb",
        startLine: 17,
        endLine: 17,
        resource: "OrdersController#index",
        snippetHash: hashSnippet("Order.where(\"status = '#{params[:status]}'\")"),
      },
      fingerprints: { brakeman: "2f0c1b7a6e5d4c3b2a190817263544536271809a8b7c6d5e4f3a2b1c0d9e8f7a" },
      toolId: "2f0c1b7a6e5d4c3b2a190817263544536271809a8b7c6d5e4f3a2b1c0d9e8f7a",
      references: ["https://brakemanscanner.org/docs/warning_types/sql_injection/"],
      tags: ["SQL"],
    });
    expect(sql?.description).toContain("User input: params[:status]");
    expect(sql?.suppressed).toBeUndefined();
  });

  it("maps Weak confidence to low and template warnings to the template", () => {
    const xss = parseFixture("report.json").findings[1];
    expect(xss).toMatchObject({
      rule: { id: "BRAKE0002", name: "Cross-Site Scripting" },
      severity: "low",
      confidence: "low",
      location: { file: "app/views/orders/show.html.erb", startLine: 4, resource: "orders/show" },
    });
  });

  it("keeps ignored warnings as suppressed with the brakeman.ignore note", () => {
    const ignored = parseFixture("report.json").findings[2];
    expect(ignored).toMatchObject({
      rule: { id: "BRAKE0105" },
      severity: "medium",
      suppressed: { kind: "external", justification: "role is validated against an allow-list in the model" },
    });
  });

  it("parses an empty report", () => {
    expect(parseFixture("empty.json").findings).toEqual([]);
  });

  it("names the format and the broken record on a malformed warning", () => {
    const doc: ReportDocument = {
      syntax: "json",
      value: { scan_info: {}, warnings: [{ warning_type: "SQL Injection", message: "m", file: "a.rb" }] },
    };
    expect(() => brakemanJson.parse(doc, ctx)).toThrow(ParseError);
    expect(() => brakemanJson.parse(doc, ctx)).toThrow(/brakeman-json: .*\(at warnings\[0\]\.fingerprint\)/);
  });
});
