import { describe, expect, it } from "vitest";
import type { ReportDocument } from "#shared/parsers/document";
import { ParseError } from "#shared/parsers/parse-error";
import { semgrepJson } from "#shared/parsers/semgrep-json";
import { loadParserFixture, parseFixtureWith } from "#test/support/parser-fixtures";

const ctx = { secretSalt: "unit-test-salt" };

const load = (name: string) => loadParserFixture(`semgrep-json/${name}`);
const parseFixture = (name: string) => parseFixtureWith(semgrepJson, `semgrep-json/${name}`, ctx);

function caught(fn: () => unknown): ParseError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ParseError) return error;
    throw error;
  }
  throw new Error("expected a ParseError");
}

describe("semgrep-json", () => {
  it("detects Semgrep output, empty or not, and nothing else", () => {
    expect(semgrepJson.detect(load("code-and-ignored.json"))).toBe(true);
    expect(semgrepJson.detect(load("empty.json"))).toBe(true);
    // a clean run without `paths` (as trimmed by some wrappers) is still Semgrep's
    expect(semgrepJson.detect({ syntax: "json", value: { results: [], errors: [] } })).toBe(true);
    expect(semgrepJson.detect({ syntax: "json", value: { results: [] } })).toBe(false);
    // Bandit's clean run has `errors` too, but always `generated_at` and `metrics`
    expect(
      semgrepJson.detect({
        syntax: "json",
        value: { results: [], errors: [], generated_at: "2025-01-01T00:00:00Z", metrics: {} },
      }),
    ).toBe(false);
    expect(semgrepJson.detect({ syntax: "json", value: { results: [{ test_id: "B101" }] } })).toBe(false);
    expect(semgrepJson.detect({ syntax: "json", value: [] })).toBe(false);
  });

  it("maps a registry code finding field by field; errors[] are not findings", () => {
    const { tool, findings } = parseFixture("code-and-ignored.json");
    expect(tool).toEqual({ name: "semgrep", version: "1.100.0" });
    expect(findings).toHaveLength(4);
    const [sql] = findings;
    expect(sql).toMatchObject({
      category: "sast",
      tool: { name: "semgrep", version: "1.100.0" },
      rule: { id: "python.django.security.injection.sql.sql-injection-using-raw.sql-injection-using-raw" },
      title: "User input flows into a raw SQL query.",
      description: "User input flows into a raw SQL query. Use parameterized queries instead.",
      severity: "high",
      rawSeverity: "severity=ERROR impact=MEDIUM likelihood=HIGH confidence=HIGH",
      confidence: "high",
      cwes: ["CWE-89"],
      location: { file: "app/views.py", startLine: 42, endLine: 43 },
      references: [
        "https://docs.djangoproject.com/en/4.2/topics/db/sql/",
        "https://semgrep.dev/r/python.django.security.injection.sql.sql-injection-using-raw",
      ],
      tags: ["A03:2021 - Injection", "django", "SQL Injection", "vuln"],
      remediation: 'Order.objects.raw("SELECT * FROM orders WHERE id = %s", [order_id])',
    });
    expect(sql?.fingerprints.semgrep).toMatch(/^5f2c1e0a/);
    expect(sql?.location.snippetHash).toMatch(/^[0-9a-f]{16}$/);
    expect(sql?.suppressed).toBeUndefined();
  });

  it("keeps nosemgrep results as suppressed in source, with string-valued metadata and a Windows path", () => {
    const eval_ = parseFixture("code-and-ignored.json").findings[1];
    expect(eval_).toMatchObject({
      severity: "medium",
      confidence: "low",
      cwes: ["CWE-95"],
      suppressed: { kind: "inSource" },
      location: { file: "src/tools/calc.py", startLine: 7, endLine: 7 },
      references: ["https://owasp.org/Top10/A03_2021-Injection"],
      tags: ["A03:2021 - Injection"],
    });
  });

  it("drops the logged-out placeholders and tolerates odd metadata", () => {
    const [, , html, custom] = parseFixture("code-and-ignored.json").findings;
    expect(html?.severity).toBe("low"); // INFO
    expect(html?.fingerprints).toEqual({});
    expect(html?.location.snippetHash).toBeUndefined();
    expect(html?.cwes).toEqual(["CWE-79"]);
    expect(html?.confidence).toBeUndefined(); // "certain" is not a grade we know
    expect(custom).toMatchObject({ severity: "critical", rawSeverity: "severity=CRITICAL", cwes: [] });
  });

  it("maps Supply Chain results to sca with package, advisory, fix and reachability", () => {
    const [lodash, jinja] = parseFixture("supply-chain.json").findings;
    expect(lodash).toMatchObject({
      category: "sca",
      title: "lodash - CVE-2021-23337",
      severity: "high", // sca-severity wins over the rule's WARNING
      rawSeverity: "severity=WARNING sca-severity=HIGH",
      vulnerability: { id: "CVE-2021-23337", aliases: ["GHSA-35jh-r3h4-6jhm"] },
      package: {
        purl: "pkg:npm/lodash@4.17.20",
        ecosystem: "npm",
        name: "lodash",
        version: "4.17.20",
        fixedVersions: ["4.17.21"],
        direct: true,
        manifest: "package-lock.json",
      },
      reachability: "reachable",
      location: { file: "src/util.js", startLine: 12 },
    });
    expect(jinja).toMatchObject({
      category: "sca",
      severity: "medium",
      vulnerability: { id: "GHSA-h5c8-rqwp-cp95", aliases: ["CVE-2024-22195"] },
      package: { purl: "pkg:pypi/jinja2@3.1.2", direct: false, manifest: "backend/poetry.lock" },
      reachability: "unreachable",
    });
  });

  it("keeps Semgrep Secrets values only as salted refs and never hashes their lines", () => {
    const report = parseFixture("secrets.json");
    const [aws, password] = report.findings;
    expect(aws).toMatchObject({
      category: "secret",
      severity: "critical", // CONFIRMED_VALID
      rawSeverity: "severity=ERROR validation=CONFIRMED_VALID",
      secret: { preview: "AKIA…(20)", verified: true },
      cwes: ["CWE-798"],
    });
    expect(aws?.secret?.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(aws?.location.snippetHash).toBeUndefined();
    expect(password).toMatchObject({
      category: "secret",
      severity: "medium",
      secret: { preview: "s3cr…(20)" },
      description: "Hard-coded password s3cr**** found",
    });
    expect(password?.secret?.verified).toBeUndefined();
    const text = JSON.stringify(report);
    expect(text).not.toContain("AKIAIOSFODNN7EXAMPLE");
    expect(text).not.toContain("s3cr3t-test-value-01");
  });

  it("parses an empty report", () => {
    expect(parseFixture("empty.json").findings).toEqual([]);
  });

  it("names the format and the broken record on a malformed result", () => {
    const doc: ReportDocument = {
      syntax: "json",
      value: {
        results: [
          {
            check_id: "a",
            path: "x.py",
            start: { line: 1 },
            end: { line: 1 },
            extra: { message: "m", severity: "INFO" },
          },
          { check_id: "b", path: "y.py", start: { line: 2 }, end: { line: 2 }, extra: { message: "m" } },
        ],
        paths: {},
      },
    };
    const error = caught(() => semgrepJson.parse(doc, ctx));
    expect(error.format).toBe("semgrep-json");
    expect(error.where).toBe("results[1].extra.severity");
  });
});

describe("semgrep-json: a run that stopped on an error", () => {
  it("is refused, not read as a clean run that would resolve every finding", () => {
    const doc = loadParserFixture("semgrep-json/fatal-invalid-rule.json");
    expect(semgrepJson.detect(doc)).toBe(true);
    expect(() => semgrepJson.parse(doc, ctx)).toThrow(
      "semgrep-json: Semgrep stopped on an error (InvalidRuleSchemaError: Invalid rule schema): the scan did not finish",
    );
  });

  it("keeps a run whose errors are file-level warnings", () => {
    const doc = {
      syntax: "json" as const,
      value: {
        results: [],
        errors: [{ level: "warn", type: ["PartialParsing", []], message: "x" }],
        paths: {},
      },
    };
    expect(semgrepJson.parse(doc, ctx).findings).toEqual([]);
  });
});
