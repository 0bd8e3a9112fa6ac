import { describe, expect, it } from "vitest";
import { NormalizedFinding } from "#shared/domain/finding";
import { awsInspector2Json } from "#shared/parsers/aws-inspector2";
import { decodeReport, type ReportDocument, readDocument } from "#shared/parsers/document";
import { ParseError } from "#shared/parsers/parse-error";
import { readFixture } from "#test/support/corpus";

const ctx = { secretSalt: "test" };
const ARN = "arn:aws:inspector2:us-east-1:123456789012:finding/0a1b2c3d4e5f60718293a4b5c6d7e8f9";

function load(name: string): ReportDocument {
  return readDocument(decodeReport(readFixture(`parsers/aws-inspector2-json/${name}`)));
}

function parse(name: string) {
  return awsInspector2Json.parse(load(name), ctx);
}

describe("aws-inspector2-json", () => {
  it("detects list-findings output, finding arrays and EventBridge events, nothing else", () => {
    expect(awsInspector2Json.detect(load("list-findings.json"))).toBe(true);
    expect(awsInspector2Json.detect(load("eventbridge.json"))).toBe(true);
    // an empty page says nothing of its own: it is a clean-run shape, not content
    expect(awsInspector2Json.detect(load("empty.json"))).toBe(false);
    expect(awsInspector2Json.isEmptyReport?.(load("empty.json"))).toBe(true);
    const finding = { findingArn: ARN, type: "PACKAGE_VULNERABILITY" };
    expect(awsInspector2Json.detect({ syntax: "json", value: [finding] })).toBe(true);
    expect(awsInspector2Json.detect({ syntax: "jsonl", values: [finding] })).toBe(true);
    // another tool's `findings` list, or an empty one beside other keys, is not ours
    expect(awsInspector2Json.detect({ syntax: "json", value: { findings: [{ id: "x" }] } })).toBe(false);
    expect(
      awsInspector2Json.isEmptyReport?.({ syntax: "json", value: { findings: [], tool: "other" } }),
    ).toBe(false);
    expect(
      awsInspector2Json.detect({ syntax: "json", value: [{ findingArn: "arn:aws:securityhub:x" }] }),
    ).toBe(false);
  });

  it("emits one finding per finding x package, skips CLOSED findings", () => {
    const { tool, findings } = parse("list-findings.json");
    expect(tool).toEqual({ name: "Amazon Inspector" });
    expect(findings.map((f) => `${f.category} ${f.rule.id} ${f.package?.name ?? "-"}`)).toEqual([
      "container CVE-2024-0727 openssl-libs",
      "container CVE-2024-0727 openssl",
      "sca CVE-2020-8203 lodash",
      "sca CVE-2023-32681 requests",
      "sca CVE-2024-1086 linux-image-aws",
      "sast python-log-injection -",
      "iac network-reachability/TCP/22-22 -",
    ]);
    for (const f of findings) expect(NormalizedFinding.safeParse(f).success).toBe(true);
  });

  it("maps an ECR OS package: image, EVR version, purl, vendor CVSS, fix, placeholders dropped", () => {
    const [libs, openssl] = parse("list-findings.json").findings;
    expect(libs).toMatchObject({
      title: "CVE-2024-0727 - openssl-libs, openssl",
      severity: "high",
      rawSeverity: "severity=HIGH inspectorScore=7.5 vendorSeverity=MEDIUM",
      // newest version; among equals the vulnerability source's own (AMAZON_CVE) vector
      cvss: { version: "3.1", vector: "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:N/A:H", score: 5.9 },
      vulnerability: { id: "CVE-2024-0727", aliases: ["ALAS2023-2024-500"] },
      package: {
        purl: "pkg:rpm/openssl-libs@3.0.8-1.amzn2023.0.10?arch=X86_64&epoch=1",
        ecosystem: "rpm",
        name: "openssl-libs",
        version: "1:3.0.8-1.amzn2023.0.10",
        fixedVersions: ["1:3.0.8-1.amzn2023.0.11"],
      },
      location: {
        image: "shop/web:v1.4.2",
        resource:
          "arn:aws:ecr:us-east-1:123456789012:repository/shop/web/sha256:1111111111111111111111111111111111111111111111111111111111111111",
      },
      exploit: "none",
      toolId: ARN,
      // "None Provided" is no recommendation: the package's command is used
      remediation: "dnf update openssl-libs",
      references: [
        "https://explore.alas.aws.amazon.com/CVE-2024-0727.html",
        "https://alas.aws.amazon.com/AL2023/ALAS-2024-500.html",
      ],
      tags: ["AWS_ECR_CONTAINER_IMAGE", "epss:0.00231"],
    });
    expect(libs?.fingerprints).toEqual({
      "inspector2/finding": `${ARN}#openssl-libs@1:3.0.8-1.amzn2023.0.10@`,
    });
    expect(openssl?.fingerprints["inspector2/finding"]).not.toBe(libs?.fingerprints["inspector2/finding"]);
    expect(openssl?.remediation).toBeUndefined();
  });

  it("files language packages of an image under sca and keeps SUPPRESSED findings marked", () => {
    const lodash = parse("list-findings.json").findings[2];
    expect(lodash).toMatchObject({
      category: "sca",
      package: { purl: "pkg:npm/lodash@4.17.15", ecosystem: "npm", fixedVersions: ["4.17.19"] },
      // no tag: the digest names the image
      location: { image: "shop/api@sha256:2222", file: "app/node_modules/lodash/package.json" },
      exploit: "active",
      suppressed: { kind: "suppression-rule" },
      remediation: "Upgrade lodash to 4.17.19",
    });
  });

  it("maps Lambda and EC2 packages; UNTRIAGED falls back to the Inspector score", () => {
    const [, , , lambda, kernel] = parse("list-findings.json").findings;
    expect(lambda).toMatchObject({
      category: "sca",
      severity: "medium",
      package: { purl: "pkg:pypi/requests@2.28.1", fixedVersions: ["2.31.0"] },
      location: {
        resource: "arn:aws:lambda:eu-west-1:123456789012:function:orders-handler:$LATEST",
        file: "requirements.txt",
      },
    });
    expect(lambda?.location.image).toBeUndefined();
    expect(kernel).toMatchObject({
      category: "sca",
      severity: "high",
      rawSeverity: "severity=UNTRIAGED inspectorScore=7.8 vendorSeverity=untriaged",
      // Ubuntu platform: a deb package; epoch 0 is no epoch; NotAvailable is no fix
      package: {
        purl: "pkg:deb/linux-image-aws@6.2.0-1015?arch=AMD64",
        version: "6.2.0-1015",
        fixedVersions: [],
      },
      location: { resource: "i-0123456789abcdef0" },
    });
    expect(kernel?.cvss).toBeUndefined();
  });

  it("maps code and network reachability findings", () => {
    const [, , , , , code, network] = parse("list-findings.json").findings;
    expect(code).toMatchObject({
      category: "sast",
      rule: { id: "python-log-injection", name: "Log injection" },
      severity: "high",
      cwes: ["CWE-117", "CWE-93"],
      location: { file: "src/orders/handler.py", startLine: 42, endLine: 44 },
      references: ["https://cwe.mitre.org/data/definitions/117.html"],
      tags: ["AWS_LAMBDA_FUNCTION", "data-integrity", "injection"],
    });
    expect(network).toMatchObject({
      category: "iac",
      rule: {
        id: "network-reachability/TCP/22-22",
        name: "Port 22 is reachable from an Internet Gateway - TCP",
      },
      severity: "medium",
      location: { resource: "i-0123456789abcdef0" },
      remediation: "Restrict access to port 22 in the security group.",
    });
  });

  it("reads EventBridge finding events and skips other Inspector2 events", () => {
    const { findings } = parse("eventbridge.json");
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      rule: { id: "CVE-2023-4863" },
      severity: "high",
      package: { purl: "pkg:rpm/libwebp@0.3.0-3.amzn2", fixedVersions: ["0.5.3-1"] },
      location: { resource: "i-0123456789abcdef0" },
    });
  });

  it("parses an empty page to no findings", () => {
    expect(parse("empty.json")).toEqual({ tool: { name: "Amazon Inspector" }, findings: [] });
  });

  it("fails a malformed finding with a ParseError naming the format and the record", () => {
    expect(() => parse("malformed.json")).toThrow(ParseError);
    expect(() => parse("malformed.json")).toThrow(
      /aws-inspector2-json: .*\(at findings\[1\]\.packageVulnerabilityDetails\.vulnerablePackages\[0\]\.name\)/,
    );
  });
});
