import { describe, expect, it } from "vitest";
import type { ReportDocument } from "#shared/parsers/document";
import { ParseError } from "#shared/parsers/parse-error";
import { snykJson } from "#shared/parsers/snyk-json";
import { byRule, parseFixtureWith } from "#test/support/parser-fixtures";

const ctx = { secretSalt: "unit-salt" };

const parseFixture = (name: string) => parseFixtureWith(snykJson, `snyk-json/${name}`, ctx);

describe("snyk-json: snyk test (one project)", () => {
  const { tool, findings } = parseFixture("npm-single-project.json");

  it("emits one finding per vulnerability and package version, skipping license issues", () => {
    expect(tool).toEqual({ name: "Snyk Open Source" });
    expect(findings.map((f) => [f.rule.id, f.tags[0]])).toEqual([
      ["SNYK-JS-LODASH-567746", "paths:3"],
      ["SNYK-JS-MINIMIST-559764", "paths:1"],
      ["SNYK-JS-AXIOS-1038255", "paths:2"],
    ]);
  });

  it("maps ids, severity, CVSS, package, exploit, reachability and the upgrades of every path", () => {
    const f = byRule(findings, "SNYK-JS-LODASH-567746");
    expect(f.category).toBe("sca");
    expect(f.title).toBe("Prototype Pollution");
    expect(f.vulnerability).toEqual({
      id: "SNYK-JS-LODASH-567746",
      aliases: ["CVE-2020-8203", "GHSA-p6mc-m468-83gw"],
    });
    expect(f.cwes).toEqual(["CWE-400"]);
    expect(f.severity).toBe("high");
    expect(f.cvss).toEqual({
      version: "3.1",
      vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:L/A:L/E:P/RL:U/RC:C",
      score: 7.3,
    });
    expect(f.package).toEqual({
      purl: "pkg:npm/lodash@4.17.15",
      ecosystem: "npm",
      name: "lodash",
      version: "4.17.15",
      fixedVersions: ["4.17.16"],
      direct: true,
      manifest: "package-lock.json",
    });
    expect(f.location).toEqual({ file: "package-lock.json" });
    expect(f.exploit).toBe("poc");
    expect(f.reachability).toBe("reachable");
    expect(f.remediation).toBe("Upgrade lodash@4.17.15 to lodash@4.17.16; webpack@4.41.0 to webpack@4.44.0");
    expect(f.description).toContain("## Overview");
  });

  it("prefers severityWithCritical and leaves an undefined exploit maturity unstated", () => {
    const f = byRule(findings, "SNYK-JS-MINIMIST-559764");
    expect(f.severity).toBe("critical");
    expect(f.rawSeverity).toBe("critical");
    expect(f.exploit).toBeUndefined();
    expect(f.package?.direct).toBe(false);
    expect(f.package?.fixedVersions).toEqual(["0.2.4", "1.2.6"]);
    expect(f.remediation).toBeUndefined();
  });

  it("keeps ignored issues once per package, marked suppressed with the reason", () => {
    const f = byRule(findings, "SNYK-JS-AXIOS-1038255");
    expect(f.suppressed).toEqual({ kind: "ignored", justification: "Only called with fixed internal URLs" });
    expect(f.package?.direct).toBe(true);
  });
});

describe("snyk-json: --all-projects array", () => {
  const { findings } = parseFixture("all-projects-array.json");

  it("reads every project, skips the one that failed, and normalizes Windows manifests", () => {
    expect(findings.map((f) => f.rule.id)).toEqual([
      "SNYK-JS-EXPRESS-6474509",
      "SNYK-JAVA-ORGAPACHECOMMONS-3043138",
    ]);
    expect(findings[0]?.location.file).toBe("apps/portal/package-lock.json");
    expect(findings[0]?.package?.manifest).toBe("apps/portal/package-lock.json");
  });

  it("maps Maven coordinates to a purl and mature exploits to active", () => {
    const f = byRule(findings, "SNYK-JAVA-ORGAPACHECOMMONS-3043138");
    expect(f.package).toMatchObject({
      name: "org.apache.commons:commons-text",
      purl: "pkg:maven/org.apache.commons/commons-text@1.9",
      ecosystem: "maven",
      direct: true,
    });
    expect(f.exploit).toBe("active");
    expect(f.severity).toBe("critical");
    expect(f.location.file).toBe("services/billing/pom.xml");
  });
});

describe("snyk-json: snyk container test", () => {
  const { tool, findings } = parseFixture("container-with-apps.json");
  const image = "registry.example.com/shop/api:2.0";

  it("emits OS vulnerabilities as container findings on the image", () => {
    expect(tool).toEqual({ name: "Snyk Container" });
    const f = byRule(findings, "SNYK-DEBIAN12-OPENSSL-6157246");
    expect(f.category).toBe("container");
    expect(f.location).toEqual({ image });
    expect(f.package).toEqual({
      purl: "pkg:deb/debian/openssl@3.0.11-1~deb12u1",
      ecosystem: "deb",
      name: "openssl",
      version: "3.0.11-1~deb12u1",
      fixedVersions: ["3.0.13-1~deb12u1"],
    });
    expect(f.tags).toEqual(["paths:2", "base-image:node:20-bookworm-slim"]);
  });

  it("emits application vulnerabilities as sca findings in the image", () => {
    const f = byRule(findings, "SNYK-JS-SEMVER-3247795");
    expect(f.category).toBe("sca");
    expect(f.location).toEqual({ file: "/usr/src/app/package.json", image });
    expect(f.package).toMatchObject({ purl: "pkg:npm/semver@7.5.1", direct: true });
  });
});

describe("snyk-json: edge cases", () => {
  it("reads a project without vulnerabilities", () => {
    expect(parseFixture("pip-no-vulns.json").findings).toEqual([]);
  });

  it("claims Snyk projects only", () => {
    expect(snykJson.detect({ syntax: "json", value: { vulnerabilities: [] } })).toBe(false);
    expect(snykJson.detect({ syntax: "json", value: [{ ok: false, error: "boom" }] })).toBe(false);
    expect(snykJson.detect({ syntax: "json", value: [] })).toBe(false);
  });

  it("fails a malformed vulnerability with a ParseError naming the format and the record", () => {
    const valid = { id: "SNYK-JS-A-1", packageName: "a", version: "1.0.0", severity: "high" };
    const doc: ReportDocument = {
      syntax: "json",
      value: [
        { packageManager: "npm", vulnerabilities: [valid] },
        { packageManager: "npm", vulnerabilities: [valid, { ...valid, id: 3 }] },
      ],
    };
    expect(() => snykJson.parse(doc, ctx)).toThrow(ParseError);
    expect(() => snykJson.parse(doc, ctx)).toThrow(/snyk-json: .*\(at \[1\]\.vulnerabilities\[1\]\.id\)/);
    const nameless: ReportDocument = {
      syntax: "json",
      value: { packageManager: "npm", vulnerabilities: [valid, { id: "SNYK-JS-B-2", severity: "low" }] },
    };
    expect(() => snykJson.parse(nameless, ctx)).toThrow(
      /snyk-json: .*names no package \(at vulnerabilities\[1\]\)/,
    );
  });
});
