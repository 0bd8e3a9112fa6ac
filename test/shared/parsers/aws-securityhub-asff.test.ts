import { describe, expect, it } from "vitest";
import { awsSecurityHubAsff } from "#shared/parsers/aws-securityhub-asff";
import { ParseError } from "#shared/parsers/parse-error";
import { parseReport } from "#shared/parsers/registry";
import { readFixture } from "#test/support/corpus";
import { byRule, loadParserFixture, parseFixtureWith } from "#test/support/parser-fixtures";

const ctx = { secretSalt: "unit-test-salt" };
const parse = (name: string) => parseFixtureWith(awsSecurityHubAsff, `aws-securityhub-asff/${name}`, ctx);

describe("aws-securityhub-asff", () => {
  it("detects get-findings output, bare arrays, EventBridge events; not Inspector's own findings", () => {
    for (const name of ["get-findings.json", "trivy-template.json", "eventbridge-event.json"]) {
      expect(awsSecurityHubAsff.detect(loadParserFixture(`aws-securityhub-asff/${name}`))).toBe(true);
    }
    // clean runs are empty reports, never content: `[]` is other tools' too
    for (const name of ["empty-get-findings.json", "empty-trivy-template.json"]) {
      const doc = loadParserFixture(`aws-securityhub-asff/${name}`);
      expect(awsSecurityHubAsff.detect(doc), name).toBe(false);
      expect(awsSecurityHubAsff.isEmptyReport?.(doc), name).toBe(true);
    }
    expect(
      awsSecurityHubAsff.detect({
        syntax: "json",
        value: { findings: [{ findingArn: "arn:aws:inspector2:x" }] },
      }),
    ).toBe(false);
    // another SchemaVersion is another format
    expect(
      awsSecurityHubAsff.detect({
        syntax: "json",
        value: [{ SchemaVersion: "2.0", Id: "x", ProductArn: "y" }],
      }),
    ).toBe(false);
    // an empty Findings list next to unrelated keys is not a get-findings page
    const other = { syntax: "json" as const, value: { Findings: [], Other: 1 } };
    expect(awsSecurityHubAsff.detect(other)).toBe(false);
    expect(awsSecurityHubAsff.isEmptyReport?.(other)).toBe(false);
  });

  it("emits failed controls, package and code vulnerabilities, threats and sensitive data; skips passed, resolved and archived", () => {
    const { tool, findings } = parse("get-findings.json");
    // several products in one export
    expect(tool).toEqual({ name: "AWS Security Hub" });
    expect(findings.map((f) => [f.tool.name, f.category, f.rule.id])).toEqual([
      ["Security Hub", "iac", "S3.8"],
      ["Inspector", "container", "CVE-2023-4911"],
      ["Inspector", "container", "CVE-2023-4911"],
      ["Inspector", "sast", "python/sql-injection@v1.0"],
      ["GuardDuty", "iac", "arn:aws:guardduty:eu-west-1:111122223333:detector/12abc"],
      ["Macie", "secret", "aws/macie"],
    ]);
  });

  it("maps a control finding: security control id, resource ARN, account and region tags, remediation", () => {
    expect(byRule(parse("get-findings.json").findings, "S3.8")).toMatchObject({
      title: "S3 general purpose buckets should block public access",
      severity: "high",
      rawSeverity: "HIGH",
      location: { resource: "arn:aws:s3:::acme-shop-uploads" },
      fingerprints: {
        "asff/id":
          "arn:aws:securityhub:eu-west-1:111122223333:security-control/S3.8/finding/5b1f0a7e-2c3d-4e5f-8a9b-0c1d2e3f4a5b",
      },
      remediation:
        "For information on how to correct this issue, consult the AWS Security Hub controls documentation.",
      references: ["https://docs.aws.amazon.com/console/securityhub/S3.8/remediation"],
      tags: [
        "AwsS3Bucket",
        "type:Software and Configuration Checks/Industry and Regulatory Standards",
        "account:111122223333",
        "region:eu-west-1",
      ],
    });
  });

  it("maps Vulnerabilities[] to one finding per package: distro purl from the vendor, ECR image, CVSS, exploit, EPSS", () => {
    const [libc6, libcBin] = parse("get-findings.json").findings.filter((f) => f.rule.id === "CVE-2023-4911");
    expect(libc6).toMatchObject({
      category: "container",
      severity: "critical",
      vulnerability: { id: "CVE-2023-4911", aliases: ["DSA-5514-1"] },
      // the newest CVSS, not the v2 one listed after it
      cvss: { version: "3.1", vector: "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", score: 7.8 },
      package: {
        purl: "pkg:deb/debian/libc6@2.36-9+deb12u1",
        ecosystem: "deb",
        name: "libc6",
        version: "2.36-9+deb12u1",
        fixedVersions: ["0:2.36-9+deb12u3"],
      },
      location: {
        image: "shop-api:1.4.2",
        resource: "arn:aws:ecr:eu-west-1:111122223333:repository/shop-api/sha256:4e5f6a7b8c9d",
      },
      exploit: "active",
      fingerprints: {
        "asff/id":
          "arn:aws:inspector2:eu-west-1:111122223333:finding/0a1b2c3d4e5f60718293a4b5c6d7e8f9#libc6@2.36-9+deb12u1",
      },
    });
    expect(libc6?.tags).toEqual(expect.arrayContaining(["epss:0.0169", "fix-available:PARTIAL"]));
    // `None Provided` is no remediation; `NotAvailable` is no fixed version
    expect(libc6?.remediation).toBeUndefined();
    expect(libcBin?.package).toMatchObject({ name: "libc-bin", fixedVersions: [] });
    expect(libcBin?.fingerprints["asff/id"]).not.toBe(libc6?.fingerprints["asff/id"]);
  });

  it("maps a code vulnerability to sast with CWE and lines, and keeps a suppressed threat with its note", () => {
    const findings = parse("get-findings.json").findings;
    expect(byRule(findings, "python/sql-injection@v1.0")).toMatchObject({
      severity: "high",
      cwes: ["CWE-89"],
      location: { file: "orders/db.py", startLine: 31, endLine: 33 },
    });
    expect(byRule(findings, "python/sql-injection@v1.0").vulnerability).toBeUndefined();
    expect(byRule(findings, "arn:aws:guardduty:eu-west-1:111122223333:detector/12abc")).toMatchObject({
      // no label: ASFF's band of the normalized score 20
      severity: "low",
      rawSeverity: "normalized=20",
      suppressed: { kind: "suppressed", justification: "Bastion host, probes expected" },
    });
  });

  it("reads Trivy's asff.tpl: package and CVSS from Details.Other, image without its OS note", () => {
    const { tool, findings } = parse("trivy-template.json");
    expect(tool).toEqual({ name: "Trivy" });
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      category: "container",
      severity: "high",
      rule: { id: "CVE-2023-5363" },
      vulnerability: { id: "CVE-2023-5363", aliases: [] },
      cvss: { version: "3.1", score: 7.5 },
      package: { purl: "pkg:apk/alpine/libcrypto3@3.1.3-r0", fixedVersions: ["3.1.4-r0"] },
      location: { image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop-web:2.0" },
      tags: expect.arrayContaining(["account:123456789012"]),
    });
  });

  it("reads EventBridge events and clean exports", () => {
    expect(parse("eventbridge-event.json").findings.map((f) => [f.rule.id, f.severity])).toEqual([
      ["EC2.19", "critical"],
    ]);
    // an empty page names no tool but ASFF's `Findings`: it is detected, as no other format claims it
    const page = readFixture("parsers/aws-securityhub-asff/empty-get-findings.json");
    expect(parseReport(page, ctx)).toMatchObject({ format: "aws-securityhub-asff", count: 0 });
    // Trivy's template writes `[` `]` for a clean image: several tools write `[]`, so it needs --format
    const bytes = readFixture("parsers/aws-securityhub-asff/empty-trivy-template.json");
    expect(parseReport(bytes, ctx, "aws-securityhub-asff")).toMatchObject({ count: 0 });
    expect(() => parseReport(bytes, ctx)).toThrow(/ambiguous/);
  });

  it("fails on a finding without resources' ids, naming it", () => {
    const doc = {
      syntax: "json" as const,
      value: [
        { SchemaVersion: "2018-10-08", Id: "a", ProductArn: "p", Resources: [{ Type: "AwsS3Bucket" }] },
      ],
    };
    expect(() => awsSecurityHubAsff.parse(doc, ctx)).toThrow(ParseError);
    expect(() => awsSecurityHubAsff.parse(doc, ctx)).toThrow(/Findings\[0\]\.Resources\[0\]\.Id/);
  });
});
