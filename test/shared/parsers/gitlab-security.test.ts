import { describe, expect, it } from "vitest";
import { hashSnippet } from "#shared/domain/snippet";
import { gitlabSecurityJson } from "#shared/parsers/gitlab-security";
import { ParseError } from "#shared/parsers/parse-error";
import { parseReport } from "#shared/parsers/registry";
import { readFixture } from "#test/support/corpus";
import { loadParserFixture, parseFixtureWith } from "#test/support/parser-fixtures";

const ctx = { secretSalt: "unit-test-salt" };
const parse = (name: string) => parseFixtureWith(gitlabSecurityJson, `gitlab-security-json/${name}`, ctx);

describe("gitlab-security-json", () => {
  it("detects 15.x reports by scan.type and 14.x reports by remediations or identifiers, nothing else", () => {
    for (const name of ["sast-15.json", "trivy-template-14.json", "empty-trivy-template-14.json"]) {
      expect(gitlabSecurityJson.detect(loadParserFixture(`gitlab-security-json/${name}`))).toBe(true);
    }
    // a CycloneDX VDR and a Snyk project also have a `vulnerabilities` list
    expect(
      gitlabSecurityJson.detect({
        syntax: "json",
        value: { bomFormat: "CycloneDX", version: "1.2.3", vulnerabilities: [], remediations: [] },
      }),
    ).toBe(false);
    expect(
      gitlabSecurityJson.detect({ syntax: "json", value: { version: "15.0.0", vulnerabilities: [] } }),
    ).toBe(false);
    expect(
      gitlabSecurityJson.detect({
        syntax: "json",
        value: { version: "latest", vulnerabilities: [], scan: { type: "sast" } },
      }),
    ).toBe(false);
  });

  it("maps a SAST entry: primary identifier as rule, CWE, lines, class#method, tracking signatures", () => {
    const { tool, findings } = parse("sast-15.json");
    expect(tool).toEqual({ name: "Semgrep", version: "1.50.0" });
    const [sqli, md5] = findings;
    expect(sqli).toMatchObject({
      category: "sast",
      rule: { id: "bandit.B608" },
      title: "Improper neutralization of special elements used in an SQL Command ('SQL Injection')",
      severity: "high",
      rawSeverity: "High",
      cwes: ["CWE-89"],
      location: {
        file: "app/models/user.py",
        startLine: 41,
        endLine: 43,
        resource: "UserRepository#find_by_name",
        snippetHash: hashSnippet("cursor.execute(\"SELECT * FROM users WHERE name = '%s'\" % name)"),
      },
      fingerprints: {
        "gitlab/primary": "semgrep_id:bandit.B608",
        "gitlab/scope_offset_compressed": "app/models/user.py|UserRepository[0]|find_by_name[0]:2",
        "gitlab/scope_offset": "app/models/user.py|UserRepository[0]|find_by_name[0]:3",
      },
      toolId: "4f9b2a4c-3b8e-5d2c-9a61-2f0c1b7e8d01",
      remediation: "Use parameterized queries.",
      tags: ["owasp:A03:2021"],
    });
    // the rule's name equals its id: not repeated
    expect(sqli?.rule.name).toBeUndefined();
    // `Unknown` severity and no CVSS: info; a Windows path is normalized; GitLab's flag is a tag
    expect(md5).toMatchObject({
      severity: "info",
      rawSeverity: "Unknown",
      location: { file: "app/util/hashing.py", startLine: 7 },
      tags: ["flag:flagged-as-likely-false-positive"],
    });
    expect(md5?.suppressed).toBeUndefined();
  });

  it("maps Dependency Scanning: the CVE as rule and id, GHSA alias, purl from the lock file, fixed versions from the solution", () => {
    const [lodash, django] = parse("dependency-scanning-15.json").findings;
    expect(lodash).toMatchObject({
      category: "sca",
      tool: { name: "Gemnasium", version: "5.2.1" },
      rule: { id: "CVE-2020-8203", name: "Prototype Pollution in lodash" },
      severity: "high",
      vulnerability: { id: "CVE-2020-8203", aliases: ["GHSA-p6mc-m468-83gw"] },
      cwes: ["CWE-1321"],
      // the newest of the two vectors, scored by the calculator
      cvss: { version: "3.1", vector: "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:H/A:H", score: 7.4 },
      package: {
        purl: "pkg:npm/lodash@4.17.15",
        ecosystem: "npm",
        name: "lodash",
        version: "4.17.15",
        fixedVersions: ["4.17.21"],
        direct: true,
        manifest: "web/yarn.lock",
      },
      location: { file: "web/yarn.lock" },
      fingerprints: { "gitlab/primary": "gemnasium:2f0b3c4e-1d5a-4b6c-9e8f-7a6b5c4d3e2f" },
    });
    expect(lodash?.references).toContain("https://hackerone.com/reports/712065");
    expect(django).toMatchObject({
      severity: "medium",
      package: {
        purl: "pkg:pypi/django@3.2.12",
        fixedVersions: ["3.2.18", "4.0.10", "4.1.7"],
        manifest: "services/api/requirements.txt",
      },
    });
    expect(django?.package?.direct).toBeUndefined();
  });

  it("maps Container Scanning: image, distro purl, and Trivy's 14.x template without scan", () => {
    const [openssl] = parse("container-scanning-15.json").findings;
    expect(openssl).toMatchObject({
      category: "container",
      tool: { name: "Trivy", version: "0.48.3" },
      rule: { id: "CVE-2023-0286" },
      location: { image: "registry.gitlab.com/acme/shop/api:4f1c2d3" },
      package: {
        purl: "pkg:deb/debian/openssl@1.1.1n-0+deb11u3",
        ecosystem: "deb",
        fixedVersions: ["1.1.1n-0+deb11u4"],
      },
      tags: ["os:debian:11"],
    });
    const trivy = parse("trivy-template-14.json");
    expect(trivy.tool).toEqual({ name: "trivy" });
    expect(trivy.findings[0]).toMatchObject({
      category: "container",
      severity: "critical",
      title:
        "zlib: heap-based buffer over-read and overflow in inflate() in inflate.c via a large gzip header extra field",
      location: { image: "alpine:3.16.1" },
      // Trivy's template writes `operating_system: "Unknown"`: no distro, so no purl is guessed
      package: { name: "zlib", version: "1.2.12-r1", fixedVersions: ["1.2.12-r2"] },
      tags: [],
    });
    expect(trivy.findings[0]?.package?.purl).toBeUndefined();
  });

  it("keeps a detected secret only as a salted ref, and never the legacy cve field (an unsalted hash)", () => {
    const [aws] = parse("secret-detection-15.json").findings;
    expect(aws).toMatchObject({
      category: "secret",
      rule: { id: "AWS", name: "Gitleaks rule ID AWS" },
      severity: "critical",
      location: { file: "deploy/settings.env", startLine: 3, endLine: 3 },
      fingerprints: { commit: "3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d" },
      secret: { preview: "AKIA…(20)" },
    });
    expect(aws?.secret?.hash).toHaveLength(64);
    expect(aws?.location.snippetHash).toBeUndefined();
    expect(JSON.stringify(aws)).not.toContain("AKIAIOSFODNN7EXAMPLE");
    // another salt, another hash: the hash is no lookup table
    const other = parseFixtureWith(gitlabSecurityJson, "gitlab-security-json/secret-detection-15.json", {
      secretSalt: "other",
    });
    expect(other.findings[0]?.secret?.hash).not.toBe(aws?.secret?.hash);

    const [legacy] = parse("secret-detection-14-legacy.json").findings;
    expect(legacy).toMatchObject({
      category: "secret",
      tool: { name: "Gitleaks" },
      location: { file: "config/db.yml" },
    });
    const text = JSON.stringify(legacy);
    expect(text).not.toContain("Tr0ub4dor-3xample");
    expect(text).not.toContain("0f8e7d6c5b4a39281706f5e4d3c2b1a0");
  });

  it("maps DAST: URL from hostname and path, method, parameter; never the evidence", () => {
    const [sqli] = parse("dast-15.json").findings;
    expect(sqli).toMatchObject({
      category: "dast",
      rule: { id: "40018", name: "SQL Injection" },
      cwes: ["CWE-89"],
      location: { url: "https://shop.example.com/api/products?q=1", method: "GET", parameter: "q" },
      tags: ["WASC:19"],
    });
    expect(sqli?.location.resource).toBeUndefined();
    expect(JSON.stringify(sqli)).not.toContain("eyJhbGciOiJIUzI1NiJ9");
  });

  it("reads clean reports, 15.x and Trivy's 14.x template, as zero findings", () => {
    expect(parse("empty-15.json")).toEqual({ tool: { name: "Semgrep", version: "1.50.0" }, findings: [] });
    const report = parseReport(readFixture("parsers/gitlab-security-json/empty-trivy-template-14.json"), ctx);
    expect(report).toMatchObject({ format: "gitlab-security-json", count: 0 });
  });

  it("fails on an entry without identifiers, naming it", () => {
    const doc = {
      syntax: "json" as const,
      value: { version: "15.0.7", scan: { type: "sast" }, vulnerabilities: [{ name: "x", location: {} }] },
    };
    expect(() => gitlabSecurityJson.parse(doc, ctx)).toThrow(ParseError);
    expect(() => gitlabSecurityJson.parse(doc, ctx)).toThrow(/vulnerabilities\[0\]\.identifiers/);
  });
});
