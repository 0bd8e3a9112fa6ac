import { describe, expect, it } from "vitest";
import { sha256Hex } from "#shared/domain/hash";
import { hashSnippet } from "#shared/domain/snippet";
import { checkovJson } from "#shared/parsers/checkov";
import { ParseError } from "#shared/parsers/parse-error";
import { parseReport } from "#shared/parsers/registry";
import { readFixture } from "#test/support/corpus";

const ctx = { secretSalt: "unit-salt" };
const parse = (name: string) => parseReport(readFixture(`parsers/checkov-json/${name}`), ctx);

describe("checkov-json", () => {
  it("is detected from content and reads the tool version from the summary", () => {
    const report = parse("terraform-single.json");
    expect(report.format).toBe("checkov-json");
    expect(report.tool).toEqual({ name: "Checkov", version: "3.2.405" });
  });

  it("maps a failed check: rule, severity, repo-relative file, lines, resource, snippet hash", () => {
    const [logging] = parse("terraform-single.json").findings;
    expect(logging).toMatchObject({
      category: "iac",
      rule: { id: "CKV_AWS_18", name: "Ensure the S3 bucket has access logging enabled" },
      title: "Ensure the S3 bucket has access logging enabled",
      description: "Bucket logging target is not set",
      severity: "high",
      rawSeverity: "HIGH",
      location: {
        file: "modules/storage/main.tf",
        startLine: 4,
        endLine: 6,
        resource: "module.storage.aws_s3_bucket.data",
      },
      references: [
        "https://docs.prismacloud.io/en/enterprise-edition/policy-reference/aws-policies/s3-policies/s3-13-enable-logging",
      ],
      tags: ["terraform", "LOGGING"],
    });
    expect(logging?.location.snippetHash).toBe(
      hashSnippet('resource "aws_s3_bucket" "data" {\n  bucket = "acme-data"\n}\n'),
    );
    expect(logging?.suppressed).toBeUndefined();
  });

  it("defaults a null severity to medium and says nothing it was not told", () => {
    const notifications = parse("terraform-single.json").findings[1];
    expect(notifications?.severity).toBe("medium");
    expect(notifications?.rawSeverity).toBeUndefined();
    expect(notifications?.references).toEqual([]);
    // no repo_file_path: the scan-relative file_path, leading slash dropped
    expect(notifications?.location.file).toBe("../shared/buckets.tf");
    expect(notifications?.location.endLine).toBe(4);
  });

  it("keeps skipped checks as suppressed findings with the user's reason", () => {
    const findings = parse("terraform-single.json").findings;
    expect(findings).toHaveLength(3);
    expect(findings[2]).toMatchObject({
      rule: { id: "CKV_AWS_144" },
      suppressed: { kind: "skipped", justification: "single-region by design (ADR-12)" },
      // a Windows run with no repo_file_path: backslashes normalized, leading separator dropped
      location: { file: "modules/storage/main.tf", startLine: 4, endLine: 6 },
    });
  });

  it("reads an array of framework reports with per-framework categories", () => {
    const report = parse("multi-framework.json");
    expect(report.findings.map((f) => f.category)).toEqual(["iac", "secret", "sca"]);
    expect(report.findings[0]).toMatchObject({
      severity: "medium",
      rawSeverity: "MEDIUM",
      tags: ["kubernetes"],
    });
  });

  it("never keeps a secret or its unsalted hash in clear", () => {
    const secret = parse("multi-framework.json").findings[1];
    const sha1 = "25910f981e85ca04baf359199dd0bd4a3ae738b6";
    expect(secret).toMatchObject({
      category: "secret",
      rule: { id: "CKV_SECRET_2", name: "AWS Access Key" },
      severity: "high",
      location: { file: "config/dev.env", startLine: 3, endLine: 4 },
      secret: { preview: "AKIA…", verified: true },
    });
    expect(secret?.secret?.hash).toBe(sha256Hex("unit-salt", `checkov-secret-sha1:${sha1}`));
    expect(secret?.location.resource).toBeUndefined();
    expect(secret?.location.snippetHash).toBeUndefined();
    expect(JSON.stringify(secret)).not.toContain(sha1);
  });

  it("maps an sca_package CVE to vulnerability, package, purl, fix and CVSS", () => {
    const sca = parse("multi-framework.json").findings[2];
    expect(sca).toMatchObject({
      category: "sca",
      rule: { id: "CKV_CVE_2023_32681", name: "SCA package scan" },
      severity: "medium",
      vulnerability: { id: "CVE-2023-32681", aliases: [] },
      package: {
        name: "requests",
        version: "2.25.1",
        ecosystem: "pypi",
        purl: "pkg:pypi/requests@2.25.1",
        fixedVersions: ["2.31.0"],
        manifest: "requirements.txt",
      },
      cvss: { version: "3.1", vector: "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:C/C:H/I:N/A:N", score: 6.1 },
      location: { file: "requirements.txt", startLine: 2 },
    });
    expect(sca?.references).toContain("https://nvd.nist.gov/vuln/detail/CVE-2023-32681");
  });

  it("reads the empty-result summary as a report with no findings", () => {
    const report = parse("empty.json");
    expect(report.format).toBe("checkov-json");
    expect(report.tool).toEqual({ name: "Checkov", version: "3.2.405" });
    expect(report.findings).toEqual([]);
  });

  it("fails a malformed record with a ParseError naming the format and the path", () => {
    const run = () => parse("malformed.json");
    expect(run).toThrow(ParseError);
    expect(run).toThrow(/checkov-json: .*\(at results\.failed_checks\[1\]\.check_id\)/);
  });

  it("names the report index of a malformed record in a multi-framework array", () => {
    const doc = {
      syntax: "json" as const,
      value: [{ check_type: "terraform", results: { failed_checks: [{}] } }],
    };
    expect(() => checkovJson.parse(doc, ctx)).toThrow(/at \[0\]\.results\.failed_checks\[0\]/);
  });

  it("does not claim documents of other shapes", () => {
    expect(checkovJson.detect({ syntax: "json", value: { results: [] } })).toBe(false);
    expect(checkovJson.detect({ syntax: "json", value: [] })).toBe(false);
    expect(checkovJson.detect({ syntax: "jsonl", values: [{ check_type: "terraform", results: {} }] })).toBe(
      false,
    );
  });
});
