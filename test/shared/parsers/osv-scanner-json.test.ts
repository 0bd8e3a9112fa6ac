import { describe, expect, it } from "vitest";
import type { ReportDocument } from "#shared/parsers/document";
import { osvScannerJson } from "#shared/parsers/osv-scanner-json";
import { ParseError } from "#shared/parsers/parse-error";
import { byRule, loadParserFixture, parseFixtureWith } from "#test/support/parser-fixtures";

const ctx = { secretSalt: "unit-salt" };

const parseFixture = (name: string) => parseFixtureWith(osvScannerJson, `osv-scanner-json/${name}`, ctx);

describe("osv-scanner-json: v2 report with groups and several sources", () => {
  const { tool, findings } = parseFixture("multi-source-v2.json");

  it("emits one finding per package and alias group", () => {
    expect(tool).toEqual({ name: "osv-scanner" });
    expect(findings.map((f) => f.rule.id)).toEqual([
      "GHSA-4374-p667-p6c8",
      "GHSA-67hx-6x53-jw92",
      "GHSA-c2qf-rxjj-qqgw",
      "DSA-5585-1",
    ]);
  });

  it("merges the group's records: ids as aliases, CVSS scored from the vector, own fixed versions", () => {
    const f = byRule(findings, "GHSA-4374-p667-p6c8");
    expect(f.category).toBe("sca");
    expect(f.title).toBe("HTTP/2 rapid reset can cause excessive work in net/http");
    expect(f.vulnerability).toEqual({
      id: "GHSA-4374-p667-p6c8",
      aliases: ["GO-2023-2102", "CVE-2023-39325"],
    });
    expect(f.cvss).toEqual({
      version: "3.1",
      vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H",
      score: 7.5,
    });
    expect(f.severity).toBe("high");
    expect(f.rawSeverity).toBe("CVSS 7.5");
    expect(f.cwes).toEqual(["CWE-400"]);
    expect(f.package).toEqual({
      purl: "pkg:golang/golang.org/x/net@0.7.0",
      ecosystem: "golang",
      name: "golang.org/x/net",
      version: "0.7.0",
      // the stdlib range and the git commit range are not this package's versions
      fixedVersions: ["0.17.0"],
      manifest: "/home/ci/shop/go.mod",
    });
    expect(f.location).toEqual({ file: "/home/ci/shop/go.mod" });
    expect(f.reachability).toBe("reachable");
    expect(f.references).toEqual([
      "https://github.com/advisories/GHSA-4374-p667-p6c8",
      "https://go.dev/issue/63417",
    ]);
    expect(f.tags).toEqual(["osv-records:2"]);
  });

  it("keeps the newest vector (v4) and computes its score; Windows paths are normalized", () => {
    const f = byRule(findings, "GHSA-67hx-6x53-jw92");
    expect(f.cvss).toEqual({
      version: "4.0",
      vector: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
      score: 9.3,
    });
    expect(f.severity).toBe("critical");
    expect(f.package?.purl).toBe("pkg:npm/%40babel/traverse@7.22.5");
    expect(f.package?.fixedVersions).toEqual(["7.23.2", "8.0.0-alpha.4"]);
    expect(f.location.file).toBe("/src/shop/web/package-lock.json");
    expect(f.cwes).toEqual(["CWE-184", "CWE-697"]);
  });

  it("falls back on the database severity word when there is no vector or max_severity", () => {
    const f = byRule(findings, "GHSA-c2qf-rxjj-qqgw");
    expect(f.cvss).toBeUndefined();
    expect(f.severity).toBe("medium");
    expect(f.rawSeverity).toBe("MODERATE");
    expect(f.package?.fixedVersions).toEqual([]);
  });

  it("maps OS distribution packages to container findings with a distro purl", () => {
    const f = byRule(findings, "DSA-5585-1");
    expect(f.category).toBe("container");
    expect(f.title).toBe("DSA-5585-1 in openssl");
    expect(f.description).toBe("openssl security update");
    expect(f.severity).toBe("info");
    expect(f.rawSeverity).toBe("unknown");
    expect(f.package).toMatchObject({
      purl: "pkg:deb/debian/openssl@3.0.11-1~deb12u1",
      ecosystem: "deb",
      fixedVersions: ["3.0.13-1~deb12u1"],
    });
  });
});

describe("osv-scanner-json: edge cases", () => {
  it("groups records by shared ids and aliases when the report has no groups", () => {
    const { findings } = parseFixture("v1-without-groups.json");
    expect(findings.map((f) => f.vulnerability)).toEqual([
      { id: "GHSA-wcg3-cvx6-7396", aliases: ["RUSTSEC-2020-0071", "CVE-2020-26235"] },
      { id: "RUSTSEC-2026-0001", aliases: [] },
    ]);
    expect(findings[0]?.severity).toBe("medium");
    expect(findings[0]?.package?.fixedVersions).toEqual(["0.2.23"]);
    expect(findings[1]?.cvss?.score).toBe(2.5);
    expect(findings[1]?.severity).toBe("low");
  });

  it("reads a clean run and claims no other tool's results array", () => {
    // a bare `{"results": []}` is tfsec's clean run too: a clean-run shape, not content
    const clean = loadParserFixture("osv-scanner-json/clean-run.json");
    expect(osvScannerJson.detect(clean)).toBe(false);
    expect(osvScannerJson.isEmptyReport?.(clean)).toBe(true);
    expect(osvScannerJson.parse(clean, ctx).findings).toEqual([]);
    expect(
      osvScannerJson.detect({
        syntax: "json",
        value: { results: [], experimental_config: { licenses: {} } },
      }),
    ).toBe(true);
    expect(osvScannerJson.detect({ syntax: "json", value: { results: [], errors: [], paths: {} } })).toBe(
      false,
    );
    expect(
      osvScannerJson.detect({ syntax: "json", value: { results: [{ check_id: "x", path: "a.py" }] } }),
    ).toBe(false);
  });

  it("fails a malformed record with a ParseError naming the format and the record", () => {
    const doc: ReportDocument = {
      syntax: "json",
      value: {
        results: [
          {
            source: { path: "go.mod", type: "lockfile" },
            packages: [
              {
                package: { name: "x", version: "1", ecosystem: "Go" },
                vulnerabilities: [{ id: "GO-2024-1" }, { id: "GO-2024-2", aliases: "CVE-2024-2" }],
              },
            ],
          },
        ],
      },
    };
    expect(() => osvScannerJson.parse(doc, ctx)).toThrow(ParseError);
    expect(() => osvScannerJson.parse(doc, ctx)).toThrow(
      /osv-scanner-json: .*\(at results\[0\]\.packages\[0\]\.vulnerabilities\[1\]\.aliases\)/,
    );
  });
});

describe("osv-scanner-json: 1.0 (`--json`)", () => {
  it("reads the source of a result named `packageSource`", () => {
    const [finding] = parseFixture("v1.0-package-source.json").findings;
    expect(finding).toMatchObject({
      rule: { id: "GHSA-c3h9-896r-86jm" },
      package: { name: "github.com/gogo/protobuf", version: "1.3.1", manifest: "/builds/shop/go.mod" },
      location: { file: "/builds/shop/go.mod" },
    });
    expect(finding?.vulnerability?.aliases).toEqual(
      expect.arrayContaining(["CVE-2021-3121", "GO-2021-0053"]),
    );
  });

  it("fails a result that names no source", () => {
    const doc: ReportDocument = { syntax: "json", value: { results: [{ packages: [] }] } };
    expect(() => osvScannerJson.parse(doc, ctx)).toThrow(/osv-scanner-json: .*\(at results\[0\]\.source\)/);
  });
});
