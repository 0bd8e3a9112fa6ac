import { describe, expect, it } from "vitest";
import { NormalizedFinding } from "#shared/domain/finding";
import { decodeReport, type ReportDocument, readDocument } from "#shared/parsers/document";
import { githubDependabotJson } from "#shared/parsers/github-dependabot";
import { ParseError } from "#shared/parsers/parse-error";
import { readFixture } from "#test/support/corpus";

const ctx = { secretSalt: "test" };

function load(name: string): ReportDocument {
  return readDocument(decodeReport(readFixture(`parsers/github-dependabot-json/${name}`)));
}

function parse(name: string) {
  return githubDependabotJson.parse(load(name), ctx);
}

describe("github-dependabot-json", () => {
  it("detects alert arrays, JSON Lines and a single alert, nothing else", () => {
    expect(githubDependabotJson.detect(load("alerts.json"))).toBe(true);
    expect(githubDependabotJson.detect(load("alerts.jsonl"))).toBe(true);
    expect(githubDependabotJson.detect(load("single-alert.json"))).toBe(true);
    expect(githubDependabotJson.detect({ syntax: "json", value: [] })).toBe(false);
    expect(githubDependabotJson.detect({ syntax: "json", value: [{ number: 1, state: "open" }] })).toBe(
      false,
    );
    // a code scanning alert has a number and a state but no advisory
    expect(
      githubDependabotJson.detect({ syntax: "json", value: [{ number: 1, rule: { id: "js/xss" } }] }),
    ).toBe(false);
  });

  it("emits open and dismissed alerts, skips fixed ones", () => {
    const { tool, findings } = parse("alerts.json");
    expect(tool).toEqual({ name: "GitHub Dependabot" });
    expect(findings.map((f) => f.toolId)).toEqual([
      "https://github.com/octo-org/octo-repo/security/dependabot/12",
      "https://github.com/octo-org/octo-repo/security/dependabot/11",
      "https://github.com/octo-org/octo-repo/security/dependabot/10",
      "https://github.com/octo-org/octo-repo/security/dependabot/8",
    ]);
    for (const f of findings) expect(NormalizedFinding.safeParse(f).success).toBe(true);
  });

  it("maps an open alert: advisory ids, CVSS v4, package, scope, relationship, manifest", () => {
    const [django] = parse("alerts.json").findings;
    expect(django).toMatchObject({
      category: "sca",
      rule: { id: "GHSA-rf4j-j272-fj86", name: "Django information exposure in AuthenticationForm" },
      title: "Django information exposure in AuthenticationForm",
      severity: "high",
      rawSeverity: "high",
      cvss: {
        version: "4.0",
        vector: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N",
        score: 8.7,
      },
      // the GHSA id is GitHub's primary id, in GitHub's lower-case spelling
      vulnerability: { id: "GHSA-rf4j-j272-fj86", aliases: ["CVE-2018-6188"] },
      cwes: ["CWE-200"],
      package: {
        purl: "pkg:pypi/django",
        ecosystem: "pypi",
        name: "django",
        fixedVersions: ["2.0.2"],
        direct: true,
        scope: "runtime",
        manifest: "services/api/requirements.txt",
      },
      location: { file: "services/api/requirements.txt" },
      fingerprints: { "dependabot/alert": "https://github.com/octo-org/octo-repo/security/dependabot/12" },
      tags: ["repo:octo-org/octo-repo", "vulnerable:>= 2.0.0, < 2.0.2", "epss:0.00045"],
    });
    // an alert states the vulnerable range, never the installed version
    expect(django?.package?.version).toBeUndefined();
    expect(django?.references[0]).toBe("https://github.com/octo-org/octo-repo/security/dependabot/12");
    expect(django?.suppressed).toBeUndefined();
  });

  it("marks dismissed alerts suppressed with the reason and comment", () => {
    const [, babel, guzzle] = parse("alerts.json").findings;
    expect(babel).toMatchObject({
      severity: "critical",
      // GitHub's empty v4 block (`vector_string: null, score: 0`) is no CVSS: the v3.1 one is used
      cvss: { version: "3.1", vector: "CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", score: 8.8 },
      package: {
        purl: "pkg:npm/%40babel/traverse",
        name: "@babel/traverse",
        direct: false,
        scope: "dev",
        manifest: "web/package-lock.json",
      },
      location: { file: "web/package-lock.json" },
      suppressed: {
        kind: "dismissed",
        justification: "tolerable_risk: Only used in the build; sources are trusted.",
      },
    });
    expect(guzzle).toMatchObject({
      // the package's severity wins over the advisory's `moderate`
      severity: "medium",
      rawSeverity: "medium",
      vulnerability: { id: "GHSA-w248-ffj2-4v5q", aliases: [] },
      package: { purl: "pkg:composer/guzzlehttp/guzzle", name: "guzzlehttp/guzzle", fixedVersions: [] },
      suppressed: { kind: "auto_dismissed" },
    });
    expect(guzzle?.cvss).toBeUndefined();
    expect(guzzle?.package?.scope).toBeUndefined();
    expect(guzzle?.package?.direct).toBeUndefined();
  });

  it("reads an alert without security_vulnerability from the dependency and the legacy CVSS", () => {
    const action = parse("alerts.json").findings[3];
    expect(action).toMatchObject({
      severity: "high",
      cvss: { version: "3.1", score: 8.6 },
      package: { purl: "pkg:github/tj-actions/changed-files", ecosystem: "github" },
      location: { file: ".github/workflows/ci.yml" },
      tags: ["epss:0.81"],
    });
  });

  it("reads JSON Lines and a single alert", () => {
    const lines = parse("alerts.jsonl").findings;
    expect(lines.map((f) => f.package?.purl)).toEqual([
      "pkg:maven/org.yaml/snakeyaml",
      "pkg:golang/golang.org/x/net",
    ]);
    const [one] = parse("single-alert.json").findings;
    expect(one).toMatchObject({
      severity: "low",
      package: { purl: "pkg:gem/nokogiri", fixedVersions: ["1.16.5"] },
    });
    expect(one?.vulnerability).toEqual({ id: "GHSA-xxxx-xxxx-xxxx", aliases: [] });
  });

  it("fails a malformed alert with a ParseError naming the format and the record", () => {
    expect(() => parse("malformed.json")).toThrow(ParseError);
    expect(() => parse("malformed.json")).toThrow(
      /github-dependabot-json: .*\(at \[1\]\.dependency\.package\.name\)/,
    );
  });
});
