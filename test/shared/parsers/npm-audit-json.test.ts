import { describe, expect, it } from "vitest";
import type { NormalizedFinding as Finding } from "#shared/domain/finding";
import type { ReportDocument } from "#shared/parsers/document";
import { npmAuditJson, patchedLowerBounds } from "#shared/parsers/npm-audit-json";
import { ParseError } from "#shared/parsers/parse-error";
import { parseFixtureWith } from "#test/support/parser-fixtures";

const ctx = { secretSalt: "unit-salt" };

const parseFixture = (name: string) => parseFixtureWith(npmAuditJson, `npm-audit-json/${name}`, ctx);

function allByRule(findings: Finding[], id: string): Finding[] {
  return findings.filter((f) => f.rule.id === id);
}

function one(findings: Finding[], id: string): Finding {
  const [found, ...more] = allByRule(findings, id);
  if (!found || more.length) throw new Error(`expected one finding ${id}`);
  return found;
}

describe("npm-audit-json: v2 report", () => {
  const { tool, findings } = parseFixture("v2-chain-and-mixed-via.json");

  it("emits one finding per package and advisory, none for packages vulnerable only through others", () => {
    expect(tool).toEqual({ name: "npm audit" });
    expect(findings.map((f) => [f.package?.name, f.rule.id])).toEqual([
      ["lodash", "GHSA-35jh-r3h4-6jhm"],
      ["lodash", "GHSA-29mw-wpgm-hmr9"],
      ["minimist", "GHSA-xvch-5gv4-984h"],
      ["webpack-dev-server", "GHSA-9jgg-88mc-972h"],
    ]);
  });

  it("maps the advisory: GHSA id from the url, severity, CVSS, CWEs, package and fix state", () => {
    const f = one(findings, "GHSA-35jh-r3h4-6jhm");
    expect(f.category).toBe("sca");
    expect(f.title).toBe("Command Injection in lodash");
    expect(f.vulnerability).toEqual({ id: "GHSA-35jh-r3h4-6jhm", aliases: [] });
    expect(f.toolId).toBe("1096996");
    expect(f.severity).toBe("high");
    expect(f.cvss).toEqual({
      version: "3.1",
      vector: "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H",
      score: 7.2,
    });
    expect(f.cwes).toEqual(["CWE-77", "CWE-94"]);
    expect(f.package).toEqual({
      purl: "pkg:npm/lodash",
      ecosystem: "npm",
      name: "lodash",
      fixedVersions: [],
      direct: true,
    });
    expect(f.description).toBe("Vulnerable versions: <4.17.21.\nInstalled at: node_modules/lodash.");
    expect(f.references).toEqual(["https://github.com/advisories/GHSA-35jh-r3h4-6jhm"]);
    expect(f.tags).toEqual(["no-fix"]);
    expect(f.remediation).toBeUndefined();
    expect(one(findings, "GHSA-29mw-wpgm-hmr9").severity).toBe("medium");
  });

  it("keeps the chain up to the direct dependency on a transitive advisory", () => {
    const f = one(findings, "GHSA-xvch-5gv4-984h");
    expect(f.package?.direct).toBe(false);
    expect(f.severity).toBe("critical");
    expect(f.description).toContain("Introduced through: webpack-dev-server.");
    expect(f.tags).toEqual(["fix-available", "nodes:2", "introduced-by:webpack-dev-server"]);
    expect(f.remediation).toBe("npm audit fix");
  });

  it("drops a placeholder CVSS (score 0, no vector) and states a semver-major fix", () => {
    const f = one(findings, "GHSA-9jgg-88mc-972h");
    expect(f.cvss).toBeUndefined();
    expect(f.severity).toBe("medium");
    expect(f.rawSeverity).toBe("moderate");
    expect(f.remediation).toBe("Upgrade webpack-dev-server to 5.2.1 (semver-major: npm audit fix --force)");
    expect(f.tags).not.toContain("introduced-by:webpack-dev-server");
  });
});

describe("npm-audit-json: legacy npm 6 report", () => {
  const { findings } = parseFixture("legacy-npm6.json");

  it("emits one finding per advisory and installed version", () => {
    expect(findings.map((f) => [f.rule.id, f.package?.version])).toEqual([
      ["npm:118", "0.3.0"],
      ["GHSA-p6mc-m468-83gw", "4.17.15"],
      ["GHSA-p6mc-m468-83gw", "4.17.11"],
    ]);
  });

  it("maps ids, severity, paths, direct and dev scope", () => {
    const [runtime, dev] = allByRule(findings, "GHSA-p6mc-m468-83gw");
    expect(runtime?.vulnerability).toEqual({
      id: "GHSA-p6mc-m468-83gw",
      aliases: ["CVE-2020-8203", "npm:1523"],
    });
    expect(runtime?.severity).toBe("low");
    expect(runtime?.cwes).toEqual(["CWE-471"]);
    expect(runtime?.toolId).toBe("1523");
    expect(runtime?.package).toEqual({
      purl: "pkg:npm/lodash@4.17.15",
      ecosystem: "npm",
      name: "lodash",
      version: "4.17.15",
      // from `patched_versions: >=4.17.19`: the fix the ticket's upgrade targets
      fixedVersions: ["4.17.19"],
      direct: true,
      scope: "runtime",
    });
    expect(runtime?.tags).toEqual(["paths:2"]);
    expect(runtime?.remediation).toBe("Upgrade to version 4.17.19 or later.\nPatched versions: >=4.17.19");
    expect(runtime?.description).toBe(
      "Versions of lodash prior to 4.17.19 are vulnerable to Prototype Pollution.",
    );
    expect(dev?.package).toMatchObject({ direct: false, scope: "dev" });
  });

  it("keeps the npm advisory number as the id when there is no GHSA", () => {
    const f = one(findings, "npm:118");
    expect(f.vulnerability).toEqual({ id: "npm:118", aliases: ["CVE-2016-10540"] });
    expect(f.severity).toBe("high");
    expect(f.references).toEqual(["https://npmjs.com/advisories/118"]);
  });
});

describe("npm-audit-json: edge cases", () => {
  it("reads a clean v2 report", () => {
    expect(parseFixture("v2-clean.json").findings).toEqual([]);
  });

  it("claims npm audit reports only", () => {
    expect(npmAuditJson.detect({ syntax: "json", value: { vulnerabilities: {} } })).toBe(false);
    expect(npmAuditJson.detect({ syntax: "json", value: { advisories: {} } })).toBe(false);
  });

  it("fails a malformed package entry with a ParseError naming the format and the record", () => {
    const doc: ReportDocument = {
      syntax: "json",
      value: {
        auditReportVersion: 2,
        vulnerabilities: {
          ok: { name: "ok", via: ["other"] },
          "@scope/bad": { name: "@scope/bad", via: [{ source: 1, severity: 5 }] },
        },
      },
    };
    expect(() => npmAuditJson.parse(doc, ctx)).toThrow(ParseError);
    expect(() => npmAuditJson.parse(doc, ctx)).toThrow(
      /npm-audit-json: .*\(at vulnerabilities\["@scope\/bad"\]\.via/,
    );
  });

  it("fails an advisory that has no id at all", () => {
    const doc: ReportDocument = {
      syntax: "json",
      value: { auditReportVersion: 2, vulnerabilities: { a: { name: "a", via: [{ title: "no id" }] } } },
    };
    expect(() => npmAuditJson.parse(doc, ctx)).toThrow(
      /npm-audit-json: .*\(at vulnerabilities\["a"\]\.via\[0\]\)/,
    );
  });
});

describe("npm-audit-json: fix versions", () => {
  it("reads each branch's lower bound of a patched range, and nothing from an unbounded one", () => {
    expect(patchedLowerBounds(">=4.17.21")).toEqual(["4.17.21"]);
    expect(patchedLowerBounds(">=2.1.3 <3.0.0 || >=3.0.2")).toEqual(["2.1.3", "3.0.2"]);
    expect(patchedLowerBounds("<0.0.0")).toEqual([]);
    expect(patchedLowerBounds(undefined)).toEqual([]);
  });

  it("takes a v2 fixAvailable as the fix only when it names the package itself, not a parent", () => {
    const report = (fixAvailable: unknown) =>
      npmAuditJson.parse(
        {
          syntax: "json",
          value: {
            auditReportVersion: 2,
            vulnerabilities: {
              minimist: {
                name: "minimist",
                severity: "critical",
                isDirect: false,
                via: [
                  {
                    source: 1,
                    title: "Prototype pollution",
                    url: "https://github.com/advisories/GHSA-xvch-5gv4-984h",
                    severity: "critical",
                    range: "<0.2.4",
                  },
                ],
                effects: [],
                range: "<0.2.4",
                nodes: ["node_modules/minimist"],
                fixAvailable,
              },
            },
            metadata: {},
          },
        },
        { secretSalt: "s" },
      ).findings[0]?.package?.fixedVersions;
    expect(report({ name: "minimist", version: "0.2.4", isSemVerMajor: false })).toEqual(["0.2.4"]);
    expect(report({ name: "mkdirp", version: "1.0.4", isSemVerMajor: true })).toEqual([]);
    expect(report(true)).toEqual([]);
  });
});
