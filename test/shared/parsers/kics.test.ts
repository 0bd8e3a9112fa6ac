import { describe, expect, it } from "vitest";
import { kicsJson } from "#shared/parsers/kics";
import { ParseError } from "#shared/parsers/parse-error";
import { parseReport } from "#shared/parsers/registry";
import { readFixture } from "#test/support/corpus";

const ctx = { secretSalt: "unit-salt" };
const parse = (name: string) => parseReport(readFixture(`parsers/kics-json/${name}`), ctx);

describe("kics-json", () => {
  it("is detected from content, one finding per queries[].files[] entry, BOM entries ignored", () => {
    const report = parse("results.json");
    expect(report.format).toBe("kics-json");
    expect(report.tool).toEqual({ name: "KICS", version: "v2.1.3" });
    expect(report.findings).toHaveLength(3);
    expect(report.findings.every((f) => f.category === "iac")).toBe(true);
  });

  it("maps query, severity, CWE, file, line, resource and similarity_id", () => {
    const [acl] = parse("results.json").findings;
    expect(acl).toMatchObject({
      rule: {
        id: "38c5ee0d-7f22-4260-ab72-5073048df100",
        name: "S3 Bucket ACL Allows Read Or Write to All Users",
      },
      title: "S3 Bucket ACL Allows Read Or Write to All Users",
      severity: "high",
      rawSeverity: "HIGH",
      cwes: ["CWE-732"],
      location: {
        // Windows separators normalized
        file: "infra/aws/s3.tf",
        startLine: 12,
        endLine: 12,
        resource: "aws_s3_bucket.public_assets",
      },
      fingerprints: { similarityId: "6b3f4a1c2d5e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708" },
      remediation: "Expected: aws_s3_bucket[public_assets].acl should be 'private'",
      references: [
        "https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/s3_bucket#acl",
      ],
      tags: ["Terraform", "AWS", "Access Control", "IncorrectValue"],
    });
    expect(acl?.description).toBe(
      "S3 Buckets should not be readable and writable to all users\nActual: aws_s3_bucket[public_assets].acl is 'public-read-write'",
    );
  });

  it("falls back to the search key when KICS does not name the resource", () => {
    const legacy = parse("results.json").findings[1];
    expect(legacy?.location).toEqual({
      file: "infra/aws/legacy.tf",
      startLine: 3,
      endLine: 3,
      resource: "aws_s3_bucket[old].acl",
    });
  });

  it("maps TRACE to info and leaves absent optional fields out", () => {
    const trace = parse("results.json").findings[2];
    expect(trace).toMatchObject({ severity: "info", rawSeverity: "TRACE", cwes: [] });
    expect(trace?.tags).toEqual(["Dockerfile", "Insecure Configurations", "MissingAttribute"]);
  });

  it("reads a zero-finding report", () => {
    const report = parse("empty.json");
    expect(report.format).toBe("kics-json");
    expect(report.findings).toEqual([]);
  });

  it("fails a malformed entry with a ParseError naming the format and the path", () => {
    const run = () => parse("malformed.json");
    expect(run).toThrow(ParseError);
    expect(run).toThrow(/kics-json: .*\(at queries\[0\]\.files\[1\]\.file_name\)/);
  });

  it("parses a large report in one pass", () => {
    const files = Array.from({ length: 20_000 }, (_, i) => ({
      file_name: `modules/m${i % 50}/main.tf`,
      similarity_id: `sim-${i}`,
      line: i % 300,
      issue_type: "MissingAttribute",
      search_key: `aws_s3_bucket[b${i}]`,
      expected_value: "x should be defined",
      actual_value: "x is undefined",
    }));
    const value = {
      kics_version: "v2.1.3",
      queries: [{ query_name: "Q", query_id: "q-1", severity: "MEDIUM", platform: "Terraform", files }],
    };
    const started = performance.now();
    const { findings } = kicsJson.parse({ syntax: "json", value }, ctx);
    expect(findings).toHaveLength(20_000);
    expect(findings[19_999]?.fingerprints).toEqual({ similarityId: "sim-19999" });
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});
