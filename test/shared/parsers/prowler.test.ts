import { describe, expect, it } from "vitest";
import { ParseError } from "#shared/parsers/parse-error";
import { prowlerCsv, prowlerJson } from "#shared/parsers/prowler";
import { parseReport } from "#shared/parsers/registry";
import { readFixture } from "#test/support/corpus";

const ctx = { secretSalt: "unit-salt" };
const parse = (path: string) => parseReport(readFixture(`parsers/${path}`), ctx);

describe("prowler 3", () => {
  it("reads the v3 native JSON (-M json): FAIL only, AWS and Azure accounts and resources", () => {
    const report = parse("prowler-json/v3-native.json");
    expect(report.format).toBe("prowler-json");
    const [root, storage] = report.findings;
    expect(root).toMatchObject({
      category: "iac",
      tool: { name: "Prowler" },
      rule: { id: "iam_root_mfa_enabled", name: "Ensure MFA is enabled for the root account" },
      severity: "critical",
      location: { resource: "arn:aws:iam::123456789012:root" },
      fingerprints: { findingUid: "prowler-aws-iam_root_mfa_enabled-123456789012-us-east-1-root" },
      remediation: "Using IAM console navigate to Dashboard and expand Activate MFA on your root account.",
    });
    expect(root?.tags).toEqual(
      expect.arrayContaining([
        "aws",
        "iam",
        "account:123456789012",
        "region:us-east-1",
        "compliance:CIS-1.5",
      ]),
    );
    expect(storage?.location.resource).toBe(
      "/subscriptions/sub-0001/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/shopdata",
    );
    expect(storage?.tags).toEqual(expect.arrayContaining(["azure", "account:sub-0001", "encryption"]));
  });

  it("reads the v3 OCSF Security Finding: the check from product.feature, Failure only, URLs as references", () => {
    const report = parse("prowler-json/v3-ocsf.json");
    expect(report.tool).toEqual({ name: "Prowler", version: "3.9.0" });
    const [encryption] = report.findings;
    expect(encryption).toMatchObject({
      rule: { id: "s3_bucket_default_encryption" },
      severity: "medium",
      location: { resource: "arn:aws:s3:::shop-logs" },
      remediation: "Ensure that S3 buckets have encryption at rest enabled.",
      references: [
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/default-bucket-encryption.html",
        "https://aws.amazon.com/blogs/security/how-to-prevent-uploads-of-unencrypted-objects-to-amazon-s3/",
      ],
    });
    expect(encryption?.description).toContain("Risk: Amazon S3 default encryption");
    expect(encryption?.tags).toEqual(expect.arrayContaining(["compliance:CIS-1.5", "compliance:GDPR"]));
  });

  it("reads the v3 CSV header (FINDING_UNIQUE_ID, ACCOUNT_ID, RESOURCE_ARN)", () => {
    const report = parse("prowler-csv/v3.csv");
    expect(report.format).toBe("prowler-csv");
    expect(report.findings).toHaveLength(1);
    expect(report.findings[0]).toMatchObject({
      rule: { id: "ec2_ebs_default_encryption" },
      location: { resource: "arn:aws:ec2:eu-central-1:123456789012:volume" },
      fingerprints: {
        findingUid: "prowler-aws-ec2_ebs_default_encryption-123456789012-eu-central-1-123456789012",
      },
    });
    expect(report.findings[0]?.tags).toEqual(
      expect.arrayContaining(["account:123456789012", "region:eu-central-1", "compliance:CIS-1.5"]),
    );
  });
});

describe("prowler-json (OCSF)", () => {
  it("is detected from content; only FAIL results are findings", () => {
    const report = parse("prowler-json/ocsf.json");
    expect(report.format).toBe("prowler-json");
    expect(report.tool).toEqual({ name: "Prowler", version: "5.4.0" });
    expect(report.findings.map((f) => f.rule.id)).toEqual([
      "s3_bucket_versioning_enabled",
      "iam_root_mfa_enabled",
      "storage_secure_transfer_required_is_enabled",
    ]);
  });

  it("maps check, severity, resource uid, finding uid, remediation and account/region/compliance tags", () => {
    const [versioning] = parse("prowler-json/ocsf.json").findings;
    expect(versioning).toEqual({
      category: "iac",
      tool: { name: "Prowler", version: "5.4.0" },
      rule: {
        id: "s3_bucket_versioning_enabled",
        name: "Check if S3 buckets have object versioning enabled",
      },
      title: "Check if S3 buckets have object versioning enabled",
      description: [
        "S3 Bucket acme-uploads has versioning disabled.",
        "Check if S3 buckets have object versioning enabled (check description).",
        "Risk: Without versioning, deleted or overwritten objects cannot be recovered.",
      ].join("\n\n"),
      severity: "medium",
      rawSeverity: "Medium",
      cwes: [],
      location: { resource: "arn:aws:s3:::acme-uploads" },
      fingerprints: {
        findingUid: "prowler-aws-s3_bucket_versioning_enabled-123456789012-eu-west-1-acme-uploads",
      },
      toolId: "prowler-aws-s3_bucket_versioning_enabled-123456789012-eu-west-1-acme-uploads",
      remediation: "Enable versioning using the AWS console or CLI.",
      references: ["https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html"],
      tags: [
        "aws",
        "s3",
        "AwsS3Bucket",
        "account:123456789012",
        "region:eu-west-1",
        "compliance:CIS-2.0",
        "compliance:SOC2",
        "resilience",
      ],
    });
  });

  it("keeps muted (status Suppressed) results as suppressed findings", () => {
    const root = parse("prowler-json/ocsf.json").findings[1];
    expect(root).toMatchObject({ severity: "critical", suppressed: { kind: "muted" } });
  });

  it("maps Informational to info and reads non-AWS providers", () => {
    const azure = parse("prowler-json/ocsf.json").findings[2];
    expect(azure).toMatchObject({
      severity: "info",
      location: {
        resource:
          "/subscriptions/0000-0001/resourceGroups/rg-logs/providers/Microsoft.Storage/storageAccounts/stacmelogs",
      },
    });
    expect(azure?.tags).toEqual(expect.arrayContaining(["azure", "account:0000-0001", "region:westeurope"]));
  });

  it("fails a malformed record with a ParseError naming the format and the path", () => {
    const run = () => parse("prowler-json/malformed.json");
    expect(run).toThrow(ParseError);
    expect(run).toThrow(/prowler-json: .*\(at \[1\]\.metadata\.event_code\)/);
  });

  it("claims only OCSF written by Prowler", () => {
    const other = [
      { finding_info: { uid: "1" }, metadata: { product: { name: "Other" } }, status_code: "FAIL" },
    ];
    expect(prowlerJson.detect({ syntax: "json", value: other })).toBe(false);
    expect(prowlerJson.detect({ syntax: "json", value: [] })).toBe(false);
  });
});

describe("prowler-csv", () => {
  it("is detected from the header; only FAIL rows are findings", () => {
    const report = parse("prowler-csv/output.csv");
    expect(report.format).toBe("prowler-csv");
    expect(report.tool).toEqual({ name: "Prowler", version: "4.6.1" });
    expect(report.findings).toHaveLength(2);
  });

  it("maps a row: quoted multi-line cells, references, compliance frameworks, categories", () => {
    const [ssh] = parse("prowler-csv/output.csv").findings;
    expect(ssh).toMatchObject({
      category: "iac",
      rule: {
        id: "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_22",
        name: "Ensure no security groups allow ingress from 0.0.0.0/0 or ::/0 to SSH port 22.",
      },
      severity: "high",
      rawSeverity: "high",
      location: { resource: "arn:aws:ec2:eu-west-1:123456789012:security-group/sg-0abc" },
      toolId:
        "prowler-aws-ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_22-123456789012-eu-west-1-sg-0abc",
      references: [
        "https://docs.aws.amazon.com/vpc/latest/userguide/VPC_SecurityGroups.html",
        "https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html",
      ],
      tags: [
        "aws",
        "ec2",
        "AwsEc2SecurityGroup",
        "account:123456789012",
        "region:eu-west-1",
        "compliance:CIS-2.0",
        "compliance:MITRE-ATTACK",
        "compliance:AWS-Foundational-Security-Best-Practices",
        "internet-exposed",
      ],
    });
    expect(ssh?.description).toContain(
      "Risk: If Security groups are not properly configured; the attack surface is increased.\nAttackers can brute-force SSH.",
    );
  });

  it("keeps MUTED rows as suppressed and falls back to the resource name without a uid", () => {
    const trail = parse("prowler-csv/output.csv").findings[1];
    expect(trail).toMatchObject({
      severity: "info",
      location: { resource: "123456789012" },
      suppressed: { kind: "muted" },
    });
  });

  it("reads a header-only file as an empty report", () => {
    const report = parse("prowler-csv/header-only.csv");
    expect(report.format).toBe("prowler-csv");
    expect(report.findings).toEqual([]);
  });

  it("fails a malformed row with a ParseError naming the format and the row", () => {
    const run = () => parse("prowler-csv/malformed.csv");
    expect(run).toThrow(ParseError);
    expect(run).toThrow(/prowler-csv: .*\(at row 2\.CHECK_ID\)/);
  });

  it("does not claim other semicolon CSV", () => {
    expect(prowlerCsv.detect({ syntax: "csv", head: "ID;STATUS;NAME\n1;FAIL;x", text: "" })).toBe(false);
  });
});
