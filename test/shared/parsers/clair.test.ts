import { describe, expect, it } from "vitest";
import { clairJson } from "#shared/parsers/clair";
import { byRule, loadParserFixture, parseFixtureWith } from "#test/support/parser-fixtures";

const ctx = { secretSalt: "unit-test-salt" };
const parse = (name: string) => parseFixtureWith(clairJson, `clair-json/${name}`, ctx);
const IMAGE = "sha256:3f4e5d6c7b8a99887766554433221100ffeeddccbbaa99887766554433221100";

describe("clair-json", () => {
  it("detects a v4 vulnerability report, not an index report", () => {
    expect(clairJson.detect(loadParserFixture("clair-json/clean.json"))).toBe(true);
    expect(
      clairJson.detect({ syntax: "json", value: { manifest_hash: "sha256:1", state: "IndexFinished" } }),
    ).toBe(false);
  });

  it("joins packages and vulnerabilities: a distro package with its distro purl and fix", () => {
    const { tool, findings } = parse("report.json");
    expect(tool).toEqual({ name: "Clair" });
    expect(findings).toHaveLength(3);
    expect(byRule(findings, "CVE-2023-0286")).toMatchObject({
      category: "container",
      title: "CVE-2023-0286 in openssl@1.1.1n-0+deb11u3",
      severity: "high",
      rawSeverity: "High / High",
      vulnerability: { id: "CVE-2023-0286", aliases: [] },
      package: {
        purl: "pkg:deb/debian/openssl@1.1.1n-0+deb11u3",
        ecosystem: "deb",
        fixedVersions: ["1.1.1n-0+deb11u4"],
      },
      location: { image: IMAGE },
      references: [
        "https://security-tracker.debian.org/tracker/CVE-2023-0286",
        "https://www.openssl.org/news/secadv/20230207.txt",
      ],
      tags: ["updater:debian/updater/bullseye"],
    });
  });

  it("maps a language package to sca, its CVE first, Unknown severity from the CVSS enrichment", () => {
    expect(byRule(parse("report.json").findings, "CVE-2023-43804")).toMatchObject({
      category: "sca",
      severity: "medium",
      cvss: { version: "3.1", vector: "CVSS:3.1/AV:N/AC:H/PR:H/UI:R/S:U/C:H/I:H/A:N", score: 5.9 },
      vulnerability: { id: "CVE-2023-43804", aliases: ["GHSA-v845-jxx5-vc9f"] },
      package: {
        purl: "pkg:pypi/urllib3@1.26.4",
        manifest: "usr/local/lib/python3.9/site-packages/urllib3-1.26.4.dist-info/METADATA",
        fixedVersions: ["1.26.17"],
      },
    });
  });

  it("reads a distro advisory by the CVE its links name, keeping the advisory as alias", () => {
    expect(byRule(parse("report.json").findings, "CVE-2022-37434")).toMatchObject({
      severity: "critical",
      vulnerability: { id: "CVE-2022-37434", aliases: ["DSA-5218-1"] },
      package: { purl: "pkg:deb/debian/zlib1g@1:1.2.11.dfsg-2+deb11u1" },
    });
  });

  it("reads an image without vulnerabilities as zero findings and fails on a dangling vulnerability id", () => {
    expect(parse("clean.json").findings).toEqual([]);
    const doc = {
      syntax: "json" as const,
      value: {
        manifest_hash: "sha256:1",
        packages: { "1": { name: "p" } },
        vulnerabilities: {},
        package_vulnerabilities: { "1": ["9"] },
      },
    };
    expect(() => clairJson.parse(doc, ctx)).toThrow(/vulnerabilities\["9"\]/);
  });
});
