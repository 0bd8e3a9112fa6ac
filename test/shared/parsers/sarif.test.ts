import { describe, expect, it } from "vitest";
import { NormalizedFinding } from "#shared/domain/finding";
import { ParseError } from "#shared/parsers/parse-error";
import { parseReport } from "#shared/parsers/registry";
import { readFixture } from "#test/support/corpus";

const ctx = { secretSalt: "sarif-test" };

function parse(file: string) {
  const report = parseReport(readFixture(`parsers/sarif/${file}`), ctx);
  for (const f of report.findings) expect(NormalizedFinding.safeParse(f).success).toBe(true);
  return report;
}

describe("sarif: several runs from different tools", () => {
  const report = parse("multi-run.sarif");
  const byRule = (id: string) => report.findings.find((f) => f.rule.id === id);

  it("reads every run, skips kind=pass, and names the tools of a mixed log", () => {
    expect(report.format).toBe("sarif");
    expect(report.tool.name).toBe("CodeQL+gitleaks+Trivy");
    expect(report.count).toBe(5);
    expect(report.findings.map((f) => f.tool.name)).toEqual([
      "CodeQL",
      "CodeQL",
      "CodeQL",
      "gitleaks",
      "Trivy",
    ]);
  });

  it("takes severity from security-severity first, else the level (rule default, else warning)", () => {
    expect(byRule("js/sql-injection")).toMatchObject({
      severity: "high",
      rawSeverity: "security-severity=8.8 level=warning",
      cwes: ["CWE-89"],
    });
    expect(byRule("js/unused-local-variable")).toMatchObject({
      severity: "low",
      rawSeverity: "level=note",
      cwes: [],
    });
  });

  it("keeps fingerprints, baseline state and the result guid, and normalizes file URIs and Windows paths", () => {
    const sqli = byRule("js/sql-injection");
    expect(sqli?.fingerprints).toEqual({ primaryLocationLineHash: "aa11bb22cc33dd44:1" });
    expect(sqli?.baselineState).toBe("new");
    expect(sqli?.toolId).toBe("4d5f1b7e-1111-2222-3333-444455556666");
    expect(sqli?.location).toMatchObject({ file: "/build/repo/src/db.js", startLine: 12, endLine: 12 });
    expect(sqli?.location.snippetHash).toMatch(/^[0-9a-f]{16}$/);
    expect(byRule("js/path-injection")?.location.file).toBe("src/files.js");
  });

  it("resolves rules from tool extensions and fills message templates", () => {
    const path = byRule("js/path-injection");
    expect(path).toMatchObject({
      title: "Uncontrolled data used in path expression",
      description: "This path depends on a user-provided value.",
      severity: "high",
      cwes: ["CWE-22"],
    });
    expect(path?.suppressed).toEqual({ kind: "inSource", justification: "validated by allowlist" });
  });

  it("redacts secrets: a salted hash and preview, no snippet hash, no author or email", () => {
    const secret = byRule("aws-access-token");
    expect(secret?.category).toBe("secret");
    expect(secret?.secret?.preview).toBe("AKIA…(20)");
    expect(secret?.secret?.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(secret?.location.snippetHash).toBeUndefined();
    expect(secret?.fingerprints).toEqual({ commitSha: "0123abcd" });
    expect(JSON.stringify(report)).not.toContain("AKIAIOSFODNN7EXAMPLE");
    expect(JSON.stringify(report)).not.toContain("dev@example.com");
    const again = parseReport(readFixture("parsers/sarif/multi-run.sarif"), ctx).findings.find(
      (f) => f.rule.id === "aws-access-token",
    );
    expect(again?.secret?.hash).toBe(secret?.secret?.hash);
    const otherSalt = parseReport(readFixture("parsers/sarif/multi-run.sarif"), {
      secretSalt: "elsewhere",
    }).findings.find((f) => f.rule.id === "aws-access-token");
    expect(otherSalt?.secret?.hash).not.toBe(secret?.secret?.hash);
  });

  it("reads package facts from Trivy's message lines for container findings", () => {
    expect(byRule("CVE-2023-0001")).toMatchObject({
      category: "container",
      severity: "critical",
      vulnerability: { id: "CVE-2023-0001", aliases: [] },
      package: { name: "libssl3", version: "3.0.1-r0", fixedVersions: ["3.0.8-r0", "3.1.0-r0"] },
      location: { image: "registry.example.com/shop:1.0" },
    });
  });
});

describe("sarif: edge cases", () => {
  it("accepts runs with null or empty results as an empty report", () => {
    const report = parse("empty.sarif");
    expect(report).toMatchObject({ format: "sarif", count: 0, tool: { name: "ESLint" } });
  });

  it("fails a malformed result with a ParseError naming the format and the path", () => {
    expect(() => parseReport(readFixture("parsers/sarif/malformed.sarif"), ctx)).toThrow(ParseError);
    expect(() => parseReport(readFixture("parsers/sarif/malformed.sarif"), ctx)).toThrow(
      /^sarif: .*runs\[0\]\.results\[0\]\.message/,
    );
  });
});
