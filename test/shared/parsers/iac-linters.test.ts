import { describe, expect, it } from "vitest";
import { dockleJson } from "#shared/parsers/dockle";
import { hadolintJson } from "#shared/parsers/hadolint";
import { ParseError } from "#shared/parsers/parse-error";
import { parseReport } from "#shared/parsers/registry";
import { terrascanJson } from "#shared/parsers/terrascan";
import { readFixture } from "#test/support/corpus";
import { byRule, loadParserFixture, parseFixtureWith } from "#test/support/parser-fixtures";

const ctx = { secretSalt: "unit-test-salt" };

describe("hadolint-json", () => {
  const parse = (name: string) => parseFixtureWith(hadolintJson, `hadolint-json/${name}`, ctx);

  it("maps every level and both rule families, with the rule's wiki page", () => {
    const { tool, findings } = parse("dockerfile.json");
    expect(tool).toEqual({ name: "Hadolint" });
    expect(findings.map((f) => [f.rule.id, f.severity, f.rawSeverity])).toEqual([
      ["DL3006", "medium", "warning"],
      ["DL3008", "medium", "warning"],
      ["SC2046", "medium", "warning"],
      ["DL3002", "high", "error"],
      ["DL3059", "low", "info"],
      ["DL4000", "info", "style"],
    ]);
    expect(byRule(findings, "DL3002")).toMatchObject({
      category: "iac",
      title: "Last USER should not be root",
      location: { file: "Dockerfile", startLine: 12 },
      references: ["https://github.com/hadolint/hadolint/wiki/DL3002"],
      tags: [],
    });
    expect(byRule(findings, "SC2046")).toMatchObject({
      location: { file: "services/api/Dockerfile", startLine: 9 },
      references: ["https://www.shellcheck.net/wiki/SC2046"],
      tags: ["shellcheck"],
    });
  });

  it("reads `[]` as a clean Dockerfile when declared; undeclared it is ambiguous", () => {
    const bytes = readFixture("parsers/hadolint-json/clean.json");
    expect(parseReport(bytes, ctx, "hadolint-json")).toMatchObject({ format: "hadolint-json", count: 0 });
    expect(() => parseReport(bytes, ctx)).toThrow(/ambiguous/);
  });

  it("fails on an unknown level", () => {
    const doc = {
      syntax: "json" as const,
      value: [{ code: "DL1", line: 1, file: "Dockerfile", message: "m", level: "fatal" }],
    };
    expect(() => hadolintJson.parse(doc, ctx)).toThrow(ParseError);
    expect(() => hadolintJson.parse(doc, ctx)).toThrow(/\[0\]\.level/);
  });
});

describe("dockle-json", () => {
  const parse = (name: string) => parseFixtureWith(dockleJson, `dockle-json/${name}`, ctx);

  it("maps failed checks at the image; SKIP and PASS are not findings, IGNORE is suppressed", () => {
    const { tool, findings } = parse("image.json");
    expect(tool).toEqual({ name: "Dockle" });
    expect(findings.map((f) => [f.rule.id, f.severity])).toEqual([
      ["CIS-DI-0010", "high"],
      ["CIS-DI-0001", "medium"],
      ["CIS-DI-0006", "low"],
      ["CIS-DI-0005", "info"],
    ]);
    expect(byRule(findings, "CIS-DI-0001")).toMatchObject({
      category: "iac",
      title: "Create a user for the container",
      description: "Last user should not be root",
      rawSeverity: "WARN",
      location: { image: "registry.example.com/shop/api:1.4.2" },
      references: ["https://github.com/goodwithtech/dockle/blob/master/CHECKPOINT.md#cis-di-0001"],
    });
    expect(byRule(findings, "CIS-DI-0005").suppressed).toEqual({ kind: "ignored" });
  });

  it("never keeps the value of a suspected credential", () => {
    const credential = byRule(parse("image.json").findings, "CIS-DI-0010");
    expect(credential.description).toContain("DB_PASSWORD=****");
    expect(JSON.stringify(credential)).not.toContain("s3cr3t-Example-Pass");
  });

  it("reads a passing image as zero findings; needs the summary to detect", () => {
    expect(parse("clean.json").findings).toEqual([]);
    expect(dockleJson.detect({ syntax: "json", value: { details: [] } })).toBe(false);
  });
});

describe("terrascan-json", () => {
  const parse = (name: string) => parseFixtureWith(terrascanJson, `terrascan-json/${name}`, ctx);

  it("maps violations: rule, description as title, resource type.name, file and line, category and IaC type", () => {
    const { tool, findings } = parse("terraform.json");
    expect(tool).toEqual({ name: "Terrascan" });
    expect(findings).toHaveLength(3);
    expect(byRule(findings, "AC_AWS_0214")).toMatchObject({
      category: "iac",
      rule: { id: "AC_AWS_0214", name: "s3EnforceUserACL" },
      title: "S3 bucket Access is allowed to all AWS Account Users.",
      severity: "high",
      location: { file: "storage/s3.tf", startLine: 12, resource: "aws_s3_bucket.uploads" },
      tags: ["category:Identity and Access Management", "iac:terraform", "module:root"],
    });
    expect(byRule(findings, "AC_AWS_0058").location.file).toBe("modules/database/main.tf");
  });

  it("keeps skipped violations suppressed with their comment; scan errors are not findings", () => {
    expect(byRule(parse("terraform.json").findings, "AC_AWS_0479").suppressed).toEqual({
      kind: "skipped",
      justification: "legacy AMI, tracked in OPS-112",
    });
  });

  it("reads `violations: null` as a clean scan and needs scan_summary to detect", () => {
    expect(parse("clean.json").findings).toEqual([]);
    expect(terrascanJson.detect(loadParserFixture("tfsec-json/results.json"))).toBe(false);
  });
});
