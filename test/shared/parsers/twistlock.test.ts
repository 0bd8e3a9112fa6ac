import { describe, expect, it } from "vitest";
import { twistlockJson } from "#shared/parsers/twistlock";
import { byRule, loadParserFixture, parseFixtureWith } from "#test/support/parser-fixtures";

const ctx = { secretSalt: "unit-test-salt" };
const parse = (name: string) => parseFixtureWith(twistlockJson, `twistlock-json/${name}`, ctx);

describe("twistlock-json", () => {
  it("detects twistcli results by their distributions; not Checkmarx One or tfsec results", () => {
    expect(twistlockJson.detect(loadParserFixture("twistlock-json/clean.json"))).toBe(true);
    expect(twistlockJson.detect(loadParserFixture("checkmarx-one-json/results.json"))).toBe(false);
    expect(twistlockJson.detect(loadParserFixture("tfsec-json/results.json"))).toBe(false);
  });

  it("maps an OS package vulnerability: distro purl from the prose distro, CVSS, fix from the status, risk factors", () => {
    const { tool, findings } = parse("twistcli.json");
    expect(tool).toEqual({ name: "Prisma Cloud" });
    expect(findings).toHaveLength(4);
    expect(byRule(findings, "CVE-2023-0286")).toMatchObject({
      category: "container",
      title: "CVE-2023-0286 in openssl@1.1.1n-0+deb11u3",
      severity: "high",
      cvss: { version: "3.1", vector: "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:H", score: 7.4 },
      vulnerability: { id: "CVE-2023-0286", aliases: [] },
      package: {
        purl: "pkg:deb/debian/openssl@1.1.1n-0+deb11u3",
        ecosystem: "deb",
        fixedVersions: ["1.1.1n-0+deb11u4"],
      },
      location: { image: "registry.example.com/shop/api:1.4.2" },
      references: ["https://security-tracker.debian.org/tracker/CVE-2023-0286"],
      tags: [
        "risk:Has fix",
        "risk:High severity",
        "risk:Attack vector: network",
        "status:fixed in 1.1.1n-0+deb11u4",
      ],
    });
  });

  it("maps a language package of the image to sca with its path; `important` is high; POC exploit", () => {
    expect(byRule(parse("twistcli.json").findings, "CVE-2022-23529")).toMatchObject({
      category: "sca",
      severity: "high",
      rawSeverity: "important",
      exploit: "poc",
      package: {
        purl: "pkg:npm/jsonwebtoken@8.5.1",
        fixedVersions: ["9.0.0"],
        manifest: "/app/node_modules/jsonwebtoken/package.json",
      },
      location: { image: "registry.example.com/shop/api:1.4.2" },
    });
  });

  it("gives no fixed version for `will not fix`, and maps compliance issues to iac at the image", () => {
    const findings = parse("twistcli.json").findings;
    expect(byRule(findings, "CVE-2023-4641").package?.fixedVersions).toEqual([]);
    expect(byRule(findings, "compliance-41")).toMatchObject({
      category: "iac",
      rule: { name: "(CIS_Docker_v1.5.0 - 4.1) Image should be created with a non-root user" },
      severity: "high",
      location: { image: "registry.example.com/shop/api:1.4.2" },
      tags: ["category:Docker"],
    });
  });

  it("reads an image without vulnerabilities or compliance issues as zero findings", () => {
    expect(parse("clean.json").findings).toEqual([]);
  });
});
