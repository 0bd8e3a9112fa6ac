import { describe, expect, it } from "vitest";
import { sha256Hex } from "#shared/domain/hash";
import { hashSnippet } from "#shared/domain/snippet";
import type { ReportDocument } from "#shared/parsers/document";
import { ParseError } from "#shared/parsers/parse-error";
import { trivyJson } from "#shared/parsers/trivy-json";
import { byRule, loadParserFixture, parseFixtureWith } from "#test/support/parser-fixtures";

const ctx = { secretSalt: "unit-salt" };

const load = (name: string) => loadParserFixture(`trivy-json/${name}`);
const parseFixture = (name: string, salt = ctx.secretSalt) =>
  parseFixtureWith(trivyJson, `trivy-json/${name}`, { secretSalt: salt });

describe("trivy-json: image scan", () => {
  const { tool, findings } = parseFixture("image-debian-node.json");

  it("names the tool and keeps every vulnerability plus the VEX-suppressed one, not licenses", () => {
    expect(tool).toEqual({ name: "Trivy", version: "0.58.1" });
    expect(findings.map((f) => f.rule.id)).toEqual([
      "CVE-2023-0286",
      "CVE-2022-4899",
      "CVE-2021-23337",
      "CVE-2020-28500",
    ]);
  });

  it("maps an OS package vulnerability to a container finding on the image", () => {
    const f = byRule(findings, "CVE-2023-0286");
    expect(f.category).toBe("container");
    expect(f.location).toEqual({ image: "registry.example.com/shop/api:1.4.2" });
    expect(f.severity).toBe("high");
    expect(f.rawSeverity).toBe("HIGH (debian)");
    expect(f.vulnerability).toEqual({ id: "CVE-2023-0286", aliases: ["DSA-5343-1"] });
    expect(f.cwes).toEqual(["CWE-843"]);
    expect(f.package).toEqual({
      purl: "pkg:deb/debian/libssl1.1@1.1.1n-0%2Bdeb11u3?arch=amd64&distro=debian-11.6",
      ecosystem: "deb",
      name: "libssl1.1",
      version: "1.1.1n-0+deb11u3",
      fixedVersions: ["1.1.1n-0+deb11u4", "1.1.1t-0+deb11u1"],
    });
    expect(f.fingerprints).toEqual({
      trivy: "sha256:0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a",
    });
    expect(f.references[0]).toBe("https://avd.aquasec.com/nvd/cve-2023-0286");
    expect(f.tags).toEqual(["status:fixed"]);
  });

  it("keeps the newest CVSS vector, NVD first among equals", () => {
    const f = byRule(findings, "CVE-2023-0286");
    expect(f.cvss).toEqual({
      version: "3.1",
      vector: "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:H",
      score: 7.4,
    });
  });

  it("scores a v4 vector given without a score and bands UNKNOWN severity on it", () => {
    const f = byRule(findings, "CVE-2022-4899");
    // v4.0 wins over the v3.1 vector (7.5) of the same source; FIRST's calculator gives 6.9
    expect(f.cvss).toEqual({
      version: "4.0",
      vector: "CVSS:4.0/AV:L/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N",
      score: 6.9,
    });
    expect(f.rawSeverity).toBe("UNKNOWN (redhat)");
    expect(f.severity).toBe("medium");
    // no PURL from Trivy: built from the result type, with the distro as namespace
    expect(f.package?.purl).toBe("pkg:deb/debian/libzstd1@1.4.8+dfsg-2.1");
    expect(f.package?.fixedVersions).toEqual([]);
  });

  it("maps a language package inside the image to sca with its path in the image", () => {
    const f = byRule(findings, "CVE-2021-23337");
    expect(f.category).toBe("sca");
    expect(f.location).toEqual({
      image: "registry.example.com/shop/api:1.4.2",
      file: "usr/src/app/node_modules/lodash/package.json",
    });
    expect(f.package?.manifest).toBe("usr/src/app/node_modules/lodash/package.json");
    expect(f.package?.ecosystem).toBe("npm");
  });

  it("keeps a VEX-suppressed finding, marked with its VEX state", () => {
    const f = byRule(findings, "CVE-2020-28500");
    expect(f.suppressed).toEqual({
      kind: "vex",
      justification: "vulnerable_code_not_in_execute_path — OpenVEX: .vex/api.openvex.json",
    });
    expect(f.vex).toEqual({
      state: "not_affected",
      justification: "vulnerable_code_not_in_execute_path",
      detail: "OpenVEX: .vex/api.openvex.json",
    });
    expect(f.severity).toBe("medium");
  });
});

describe("trivy-json: repository scan with several targets", () => {
  const { findings } = parseFixture("fs-repo-multi-target.json");

  it("counts vulnerabilities, FAIL misconfigurations only, and secrets", () => {
    expect(findings.map((f) => [f.category, f.rule.id])).toEqual([
      ["sca", "CVE-2021-44906"],
      ["sca", "CVE-2024-29041"],
      ["sca", "GHSA-qppj-fm5r-hxr3"],
      ["iac", "AWS-0086"],
      ["secret", "aws-access-key-id"],
    ]);
  });

  it("reads direct/indirect, dev scope and lock file lines from Packages", () => {
    const minimist = byRule(findings, "CVE-2021-44906");
    expect(minimist.package).toMatchObject({ direct: false, scope: "dev", manifest: "package-lock.json" });
    expect(minimist.location).toEqual({ file: "package-lock.json", startLine: 40, endLine: 44 });
    expect(minimist.severity).toBe("critical");
    const express = byRule(findings, "CVE-2024-29041");
    expect(express.package).toMatchObject({ direct: true, purl: "pkg:npm/express@4.17.1", ecosystem: "npm" });
    expect(express.package?.scope).toBeUndefined();
    expect(express.location).toEqual({ file: "package-lock.json", startLine: 12, endLine: 30 });
  });

  it("normalizes Windows targets", () => {
    const go = byRule(findings, "GHSA-qppj-fm5r-hxr3");
    expect(go.location.file).toBe("services/billing/go.mod");
    expect(go.package?.purl).toBe("pkg:golang/golang.org/x/net@v0.7.0");
    expect(byRule(findings, "AWS-0086").location.file).toBe("deploy/main.tf");
  });

  it("maps a misconfiguration with resource, cause-line snippet hash and the AVD id", () => {
    const f = byRule(findings, "AWS-0086");
    expect(f.category).toBe("iac");
    expect(f.severity).toBe("high");
    expect(f.title).toBe("S3 Access block should block public ACL");
    expect(f.description).toBe(
      "No public access block so not blocking public acls\n\nS3 buckets should block public ACLs on buckets and any objects they contain.",
    );
    expect(f.location).toEqual({
      file: "deploy/main.tf",
      startLine: 3,
      endLine: 5,
      resource: "aws_s3_bucket.assets",
      snippetHash: hashSnippet('resource "aws_s3_bucket" "assets" {\n  bucket = "shop-assets"\n}'),
    });
    expect(f.remediation).toBe("Enable blocking any PUT calls with a public ACL specified");
    expect(f.tags).toContain("AVD-AWS-0086");
  });

  it("keeps no clear text of a secret or its context lines, and hashes the masked match with the salt", () => {
    const f = byRule(findings, "aws-access-key-id");
    expect(f.severity).toBe("critical");
    expect(f.location).toEqual({ file: "config/settings.env", startLine: 2, endLine: 2 });
    expect(f.secret).toEqual({
      hash: sha256Hex("unit-salt", "AWS_ACCESS_KEY_ID=********************"),
      preview: "****…(20)",
    });
    expect(f.location.snippetHash).toBeUndefined();
    expect(JSON.stringify(f)).not.toContain("plain-context-example-value");
  });

  it("gives a re-scan the same secret hash, and another installation a different one", () => {
    const again = byRule(parseFixture("fs-repo-multi-target.json").findings, "aws-access-key-id");
    const other = byRule(
      parseFixture("fs-repo-multi-target.json", "other-salt").findings,
      "aws-access-key-id",
    );
    expect(again.secret?.hash).toBe(byRule(findings, "aws-access-key-id").secret?.hash);
    expect(other.secret?.hash).not.toBe(again.secret?.hash);
  });
});

describe("trivy-json: edge cases", () => {
  it("reads a clean scan without Results", () => {
    const report = parseFixture("empty-filesystem.json");
    expect(report.findings).toEqual([]);
    expect(report.tool).toEqual({ name: "Trivy", version: "0.58.1" });
  });

  it("reads the pre-SchemaVersion array form", () => {
    const { tool, findings } = parseFixture("legacy-array.json");
    expect(tool).toEqual({ name: "Trivy" });
    expect(findings).toHaveLength(1);
    const f = findings[0];
    expect(f?.category).toBe("container");
    expect(f?.location).toEqual({ image: "alpine:3.10" });
    expect(f?.package?.purl).toBe("pkg:apk/alpine/musl@1.1.22-r2");
    expect(f?.severity).toBe("critical");
    expect(f?.cwes).toEqual(["CWE-787"]);
  });

  it("does not claim an empty array or another tool's report", () => {
    expect(trivyJson.detect({ syntax: "json", value: [] })).toBe(false);
    expect(trivyJson.detect({ syntax: "json", value: { matches: [], descriptor: { name: "grype" } } })).toBe(
      false,
    );
    expect(trivyJson.detect({ syntax: "json", value: [{ RuleID: "x", Secret: "y", StartLine: 1 }] })).toBe(
      false,
    );
  });

  it("fails a malformed record with a ParseError naming the format and the record", () => {
    const doc: ReportDocument = {
      syntax: "json",
      value: {
        SchemaVersion: 2,
        ArtifactName: ".",
        Results: [
          {
            Target: "go.mod",
            Class: "lang-pkgs",
            Vulnerabilities: [
              { VulnerabilityID: "CVE-2020-1", PkgName: "a" },
              { VulnerabilityID: "CVE-2020-2", PkgName: 7 },
            ],
          },
        ],
      },
    };
    expect(() => trivyJson.parse(doc, ctx)).toThrow(ParseError);
    expect(() => trivyJson.parse(doc, ctx)).toThrow(
      /trivy-json: .*\(at Results\[0\]\.Vulnerabilities\[1\]\.PkgName\)/,
    );
  });

  it("fails a malformed CVSS block with its source in the path, and a CVSS that is not an object", () => {
    const withCvss = (CVSS: unknown): ReportDocument => ({
      syntax: "json",
      value: {
        SchemaVersion: 2,
        Results: [
          {
            Target: "go.mod",
            Class: "lang-pkgs",
            Vulnerabilities: [{ VulnerabilityID: "CVE-2020-1", PkgName: "a", CVSS }],
          },
        ],
      },
    });
    expect(() => trivyJson.parse(withCvss({ ghsa: { V3Score: "9.8" } }), ctx)).toThrow(
      /\(at Results\[0\]\.Vulnerabilities\[0\]\.CVSS\.ghsa\.V3Score\)/,
    );
    expect(() => trivyJson.parse(withCvss("CVSS:3.1/AV:N"), ctx)).toThrow(/CVSS is not an object/);
    const ok = trivyJson.parse(
      withCvss({ ghsa: { V3Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", V3Score: 9.8 } }),
      ctx,
    );
    expect(ok.findings[0]?.cvss).toMatchObject({ version: "3.1", score: 9.8 });
  });
});

describe("trivy-json: before SchemaVersion", () => {
  it("reads results without Type (before 0.9) as language packages", () => {
    const { findings } = parseFixture("v0.8-legacy-no-type.json");
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      category: "sca",
      rule: { id: "CVE-2019-10909" },
      severity: "medium",
      package: {
        name: "symfony/symfony",
        version: "4.2.6",
        fixedVersions: ["4.2.7"],
        manifest: "php-app/composer.lock",
      },
    });
  });

  it("reads `null` and `[]`, a run that scanned nothing, as no findings", () => {
    for (const name of ["empty-legacy-null.json", "empty-legacy-array.json"]) {
      const doc = load(name);
      // they name no tool: clean-run shapes, not content
      expect(trivyJson.detect(doc)).toBe(false);
      expect(trivyJson.isEmptyReport?.(doc)).toBe(true);
      expect(trivyJson.parse(doc, ctx).findings).toEqual([]);
    }
  });
});
