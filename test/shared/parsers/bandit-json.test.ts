import { describe, expect, it } from "vitest";
import { redactSecret } from "#shared/domain/secret";
import { hashSnippet } from "#shared/domain/snippet";
import { banditJson } from "#shared/parsers/bandit-json";
import type { ReportDocument } from "#shared/parsers/document";
import { ParseError } from "#shared/parsers/parse-error";
import { loadParserFixture, parseFixtureWith } from "#test/support/parser-fixtures";

const ctx = { secretSalt: "unit-test-salt" };

const load = (name: string) => loadParserFixture(`bandit-json/${name}`);
const parseFixture = (name: string) => parseFixtureWith(banditJson, `bandit-json/${name}`, ctx);

describe("bandit-json", () => {
  it("detects bandit reports, empty or not", () => {
    expect(banditJson.detect(load("mixed.json"))).toBe(true);
    expect(banditJson.detect(load("empty.json"))).toBe(true);
    expect(banditJson.detect({ syntax: "json", value: { results: [], paths: {}, errors: [] } })).toBe(false);
    expect(banditJson.detect({ syntax: "json", value: { results: [{ check_id: "x", extra: {} }] } })).toBe(
      false,
    );
  });

  it("maps severity with confidence, CWE, rule and the flagged lines; errors[] are not findings", () => {
    const report = parseFixture("mixed.json");
    expect(report.tool).toEqual({ name: "bandit", version: "1.8.3" });
    expect(report.findings).toHaveLength(3);
    const [shell] = report.findings;
    expect(shell).toMatchObject({
      category: "sast",
      tool: { name: "bandit", version: "1.8.3" },
      rule: { id: "B602", name: "subprocess_popen_with_shell_equals_true" },
      title: "subprocess call with shell=True identified, security issue.",
      severity: "high",
      rawSeverity: "severity=HIGH confidence=HIGH",
      confidence: "high",
      cwes: ["CWE-78"],
      location: { file: "app/runner.py", startLine: 41, endLine: 42 },
      references: [
        "https://bandit.readthedocs.io/en/1.8.3/plugins/b602_subprocess_popen_with_shell_equals_true.html",
      ],
    });
    // only the flagged lines 41-42, without bandit's line-number prefixes
    expect(shell?.location.snippetHash).toBe(
      hashSnippet("    subprocess.call(cmd,\n                    shell=True)"),
    );
  });

  it("keeps the snippet hash when the code moves and its neighbours change", () => {
    const [before] = parseFixture("mixed.json").findings;
    const [after] = parseFixture("shifted.json").findings;
    expect(after?.location.startLine).toBe(45);
    expect(after?.location.snippetHash).toBe(before?.location.snippetHash);
  });

  it("masks hardcoded passwords out of the title and the hashed snippet", () => {
    const report = parseFixture("mixed.json");
    const password = report.findings[1];
    expect(password).toMatchObject({
      rule: { id: "B105" },
      title: "Possible hardcoded password: 's3cr****'",
      severity: "low",
      confidence: "medium",
      cwes: ["CWE-259"],
      location: { file: "app/settings.py", startLine: 10, endLine: 10 },
      secret: redactSecret("s3cr3t-test-value-03", ctx.secretSalt),
    });
    expect(password?.location.snippetHash).toBe(hashSnippet('DB_PASSWORD = "<secret>"'));
    expect(JSON.stringify(report)).not.toContain("s3cr3t-test-value-03");
  });

  it("reads Windows paths and results without CWE or docs link", () => {
    const pickle = parseFixture("mixed.json").findings[2];
    expect(pickle).toMatchObject({
      location: { file: "app/cache.py", startLine: 2 },
      cwes: [],
      references: [],
    });
  });

  it("parses an empty report", () => {
    expect(parseFixture("empty.json")).toEqual({ tool: { name: "bandit" }, findings: [] });
  });

  it("names the format and the broken record on a malformed result", () => {
    const doc: ReportDocument = {
      syntax: "json",
      value: {
        results: [
          { filename: "a.py", line_number: "7", issue_severity: "LOW", issue_text: "t", test_id: "B101" },
        ],
        metrics: {},
        generated_at: "2025-01-01T00:00:00Z",
      },
    };
    expect(() => banditJson.parse(doc, ctx)).toThrow(ParseError);
    expect(() => banditJson.parse(doc, ctx)).toThrow(/bandit-json: .*\(at results\[0\]\.line_number\)/);
  });
});
