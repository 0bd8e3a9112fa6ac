import { describe, expect, it } from "vitest";
import { ParseError } from "#shared/parsers/parse-error";
import { parseReport } from "#shared/parsers/registry";
import { tfsecJson } from "#shared/parsers/tfsec";
import { readFixture } from "#test/support/corpus";

const ctx = { secretSalt: "unit-salt" };
const parse = (name: string) => parseReport(readFixture(`parsers/tfsec-json/${name}`), ctx);

describe("tfsec-json", () => {
  it("is detected from content; passed results are not findings", () => {
    const report = parse("results.json");
    expect(report.format).toBe("tfsec-json");
    expect(report.tool).toEqual({ name: "tfsec" });
    expect(report.findings.map((f) => f.rule.id)).toEqual(["AVD-AWS-0086", "AVD-AWS-0107", "AVD-AZU-0011"]);
  });

  it("maps AVD id, long id, severity, CI-relative file, lines, resource, links and resolution", () => {
    const [acl] = parse("results.json").findings;
    expect(acl).toEqual({
      category: "iac",
      tool: { name: "tfsec" },
      rule: { id: "AVD-AWS-0086", name: "aws-s3-block-public-acls" },
      title: "S3 Access block should block public ACL",
      description:
        "No public access block so not blocking public acls\nImpact: PUT calls with public ACLs specified can make objects public",
      severity: "high",
      rawSeverity: "HIGH",
      cwes: [],
      location: { file: "infra/s3.tf", startLine: 1, endLine: 5, resource: "aws_s3_bucket.uploads" },
      fingerprints: {},
      remediation: "Enable blocking any PUT calls with a public ACL specified",
      references: [
        "https://aquasecurity.github.io/tfsec/v1.28.1/checks/aws/s3/block-public-acls/",
        "https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/s3_bucket_public_access_block#block_public_acls",
      ],
      tags: ["aws", "s3"],
    });
  });

  it("keeps ignored results (status 2) as suppressed", () => {
    const ignored = parse("results.json").findings[1];
    expect(ignored).toMatchObject({ severity: "critical", suppressed: { kind: "ignored" } });
  });

  it("normalizes a Windows path and tags warnings", () => {
    const tls = parse("results.json").findings[2];
    expect(tls?.location.file).toBe("/agent/_work/1/s/azure/storage.tf");
    expect(tls?.severity).toBe("low");
    expect(tls?.tags).toEqual(["azure", "storage", "warning"]);
  });

  it("reads `results: null` as an empty report", () => {
    const report = parse("null-results.json");
    expect(report.format).toBe("tfsec-json");
    expect(report.findings).toEqual([]);
  });

  it("reads pre-1.0 results (ERROR severity, single link, no long id)", () => {
    const [legacy] = parse("legacy-0.x.json").findings;
    expect(legacy).toMatchObject({
      rule: { id: "AWS017" },
      title: "Resource 'aws_s3_bucket.data' defines an unencrypted S3 bucket.",
      severity: "high",
      rawSeverity: "ERROR",
      location: { file: "terraform/aws/s3.tf", startLine: 3, endLine: 9 },
      references: ["https://github.com/tfsec/tfsec/wiki/AWS017"],
    });
    expect(legacy?.rule.name).toBeUndefined();
  });

  it("fails a malformed result with a ParseError naming the format and the path", () => {
    const run = () => parse("malformed.json");
    expect(run).toThrow(ParseError);
    expect(run).toThrow(/tfsec-json: .*\(at results\[1\]\.location\.filename\)/);
  });

  it("does not claim other `results` documents (Semgrep, Bandit)", () => {
    const semgrep = {
      results: [{ check_id: "x", path: "a.py", start: { line: 1 } }],
      errors: [],
      version: "1",
    };
    expect(tfsecJson.detect({ syntax: "json", value: semgrep })).toBe(false);
    expect(tfsecJson.detect({ syntax: "json", value: { results: [], errors: [] } })).toBe(false);
    // an empty 1.x report is byte-identical to an empty OSV-Scanner run; osv-scanner-json takes it
    expect(tfsecJson.detect({ syntax: "json", value: { results: [] } })).toBe(false);
    expect(tfsecJson.detect({ syntax: "json", value: { results: [], generated_at: "x", metrics: {} } })).toBe(
      false,
    );
  });
});
