import { describe, expect, it } from "vitest";
import type { ReportDocument } from "#shared/parsers/document";
import { grypeJson } from "#shared/parsers/grype-json";
import { ParseError } from "#shared/parsers/parse-error";
import { byRule, parseFixtureWith } from "#test/support/parser-fixtures";

const ctx = { secretSalt: "unit-salt" };

const parseFixture = (name: string) => parseFixtureWith(grypeJson, `grype-json/${name}`, ctx);

describe("grype-json: image scan", () => {
  const { tool, findings } = parseFixture("image-alpine-with-ignores.json");
  const image = "registry.example.com/shop/web:2.0";

  it("emits one finding per match and per ignored match", () => {
    expect(tool).toEqual({ name: "Grype", version: "0.74.0" });
    expect(findings.map((f) => f.rule.id)).toEqual([
      "CVE-2023-42366",
      "GHSA-c2qf-rxjj-qqgw",
      "CVE-2023-45853",
      "CVE-2023-5678",
      "CVE-2024-0727",
    ]);
  });

  it("maps an OS package in an image to a container finding with fix, KEV and match tags", () => {
    const f = byRule(findings, "CVE-2023-42366");
    expect(f.category).toBe("container");
    expect(f.title).toBe("CVE-2023-42366 in busybox@1.36.1-r5");
    expect(f.location).toEqual({ image });
    expect(f.severity).toBe("high");
    expect(f.rawSeverity).toBe("High");
    expect(f.exploit).toBe("active");
    expect(f.package).toEqual({
      purl: "pkg:apk/alpine/busybox@1.36.1-r5?arch=x86_64&distro=alpine-3.18.4",
      ecosystem: "apk",
      name: "busybox",
      version: "1.36.1-r5",
      fixedVersions: ["1.36.1-r6"],
    });
    // the match has no CVSS of its own: the related NVD record's is kept
    expect(f.cvss).toEqual({
      version: "3.1",
      vector: "CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:N/I:N/A:H",
      score: 5.5,
    });
    expect(f.description).toContain("heap-buffer-overflow");
    expect(f.tags).toEqual(["fix:fixed", "match:exact-direct-match", "cisa-kev"]);
    expect(f.references).toEqual([
      "https://security.alpinelinux.org/vuln/CVE-2023-42366",
      "https://bugs.busybox.net/show_bug.cgi?id=15874",
    ]);
  });

  it("maps a language package in the image to sca, with the CVE behind the GHSA as alias", () => {
    const f = byRule(findings, "GHSA-c2qf-rxjj-qqgw");
    expect(f.category).toBe("sca");
    expect(f.vulnerability).toEqual({ id: "GHSA-c2qf-rxjj-qqgw", aliases: ["CVE-2022-25883"] });
    expect(f.severity).toBe("medium");
    expect(f.location).toEqual({ image, file: "/usr/src/app/node_modules/semver/package.json" });
    expect(f.package?.manifest).toBe("/usr/src/app/node_modules/semver/package.json");
    expect(f.exploit).toBeUndefined();
  });

  it("builds a purl with the scanned distro and scores an unscored vector for Unknown severity", () => {
    const f = byRule(findings, "CVE-2023-45853");
    expect(f.package?.purl).toBe("pkg:apk/alpine/zlib@1.2.13-r1");
    expect(f.cvss?.score).toBe(9.8);
    expect(f.severity).toBe("critical");
    expect(f.rawSeverity).toBe("Unknown");
    expect(f.tags).toEqual(["fix:not-fixed", "match:exact-indirect-match"]);
  });

  it("keeps ignored matches, marked suppressed with the rule's reason or VEX status", () => {
    expect(byRule(findings, "CVE-2023-5678").suppressed).toEqual({
      kind: "ignore-rule",
      justification: "DH keys are not used by this service",
    });
    const vex = byRule(findings, "CVE-2024-0727");
    expect(vex.suppressed).toEqual({ kind: "vex", justification: "vulnerable_code_not_present" });
    expect(vex.vex).toEqual({ state: "not_affected", justification: "vulnerable_code_not_present" });
    expect(vex.location).toEqual({ image });
  });
});

describe("grype-json: directory scan", () => {
  const { findings } = parseFixture("directory-windows.json");

  it("names Maven artifacts group:artifact and normalizes Windows paths", () => {
    const f = byRule(findings, "GHSA-jfh8-c2jp-5v3q");
    expect(f.category).toBe("sca");
    expect(f.package).toMatchObject({
      name: "org.apache.logging.log4j:log4j-core",
      purl: "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",
      ecosystem: "maven",
      manifest: "/src/shop/lib/log4j-core-2.14.1.jar",
    });
    expect(f.location).toEqual({ file: "/src/shop/lib/log4j-core-2.14.1.jar" });
    expect(f.cvss?.score).toBe(10);
    expect(f.severity).toBe("critical");
  });

  it("keeps OS packages outside an image as sca, and Negligible as info", () => {
    const f = byRule(findings, "CVE-2016-2781");
    expect(f.category).toBe("sca");
    expect(f.severity).toBe("info");
    expect(f.rawSeverity).toBe("Negligible");
    expect(f.location).toEqual({});
    expect(f.tags).toEqual(["fix:wont-fix", "match:exact-indirect-match"]);
  });
});

describe("grype-json: edge cases", () => {
  it("reads a clean scan", () => {
    expect(parseFixture("empty-directory.json").findings).toEqual([]);
  });

  it("claims grype documents only", () => {
    expect(grypeJson.detect({ syntax: "json", value: { matches: [] } })).toBe(false);
    expect(grypeJson.detect({ syntax: "json", value: { SchemaVersion: 2, Results: [] } })).toBe(false);
  });

  it("fails a malformed match with a ParseError naming the format and the record", () => {
    const doc: ReportDocument = {
      syntax: "json",
      value: {
        matches: [
          { vulnerability: { id: "CVE-2020-1" }, artifact: { name: "a" } },
          { vulnerability: { id: "CVE-2020-2" }, artifact: { version: "1.0" } },
        ],
        source: { type: "directory", target: "." },
        descriptor: { name: "grype" },
      },
    };
    expect(() => grypeJson.parse(doc, ctx)).toThrow(ParseError);
    expect(() => grypeJson.parse(doc, ctx)).toThrow(/grype-json: .*\(at matches\[1\]\.artifact\.name\)/);
  });
});

describe("grype-json: older Grype", () => {
  it("reads a match whose matchDetails is one object and whose URLs are `links` (before 0.10)", () => {
    const { tool, findings } = parseFixture("v0.7-matchdetails-object.json");
    expect(tool).toEqual({ name: "Grype", version: "0.7.0" });
    expect(findings[0]).toMatchObject({
      category: "sca",
      rule: { id: "CVE-2020-8203" },
      severity: "high",
      package: { purl: "pkg:npm/lodash@4.17.15", name: "lodash", version: "4.17.15" },
      location: { image: "shop/web:2020-09" },
      references: ["https://nvd.nist.gov/vuln/detail/CVE-2020-8203"],
    });
  });

  it("reads `matches: null`, an older Grype's clean run", () => {
    expect(parseFixture("empty-null-matches.json").findings).toEqual([]);
  });
});
