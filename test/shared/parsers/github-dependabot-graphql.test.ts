import { describe, expect, it } from "vitest";
import { githubDependabotGraphql } from "#shared/parsers/github-dependabot-graphql";
import { ParseError } from "#shared/parsers/parse-error";
import { loadParserFixture, parseFixtureWith } from "#test/support/parser-fixtures";

const ctx = { secretSalt: "unit-test-salt" };
const parse = (name: string) =>
  parseFixtureWith(githubDependabotGraphql, `github-dependabot-graphql/${name}`, ctx);

describe("github-dependabot-graphql", () => {
  it("detects repository and organization responses, nodes or edges, paginated pages; not REST alerts or GraphQL errors", () => {
    expect(
      githubDependabotGraphql.detect(loadParserFixture("github-dependabot-graphql/paginated-pages.jsonl")),
    ).toBe(true);
    expect(githubDependabotGraphql.detect(loadParserFixture("github-dependabot-json/alerts.json"))).toBe(
      false,
    );
    expect(
      githubDependabotGraphql.detect({ syntax: "json", value: { data: null, errors: [{ message: "x" }] } }),
    ).toBe(false);
    expect(
      githubDependabotGraphql.detect({
        syntax: "json",
        value: { data: { repository: { issues: { nodes: [] } } } },
      }),
    ).toBe(false);
    // `gh api graphql --paginate --slurp`: an array of pages
    const page = { data: { repository: { vulnerabilityAlerts: { nodes: [] } } } };
    expect(githubDependabotGraphql.detect({ syntax: "json", value: [page, page] })).toBe(true);
  });

  it("maps an open alert: GHSA id with CVE alias, installed version from the exact requirement, scope, relationship, EPSS", () => {
    const { tool, findings } = parse("repository.json");
    expect(tool).toEqual({ name: "GitHub Dependabot" });
    // the fixed alert is not a finding
    expect(findings.map((f) => f.rule.id)).toEqual([
      "GHSA-p6mc-m468-83gw",
      "GHSA-2gwj-7jmv-h26r",
      "GHSA-w248-ffj2-4v5q",
    ]);
    expect(findings[0]).toMatchObject({
      category: "sca",
      rule: { id: "GHSA-p6mc-m468-83gw", name: "Prototype Pollution in lodash" },
      severity: "high",
      rawSeverity: "HIGH",
      // GitHub's empty v4 block is no CVSS: the v3.1 one is kept
      cvss: { version: "3.1", vector: "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:H/A:H", score: 7.4 },
      vulnerability: { id: "GHSA-p6mc-m468-83gw", aliases: ["CVE-2020-8203"] },
      cwes: ["CWE-1321"],
      package: {
        purl: "pkg:npm/lodash@4.17.15",
        ecosystem: "npm",
        name: "lodash",
        version: "4.17.15",
        fixedVersions: ["4.17.19"],
        direct: true,
        scope: "runtime",
        manifest: "web/package-lock.json",
      },
      location: { file: "web/package-lock.json" },
      // the URL the REST API calls html_url: the same alert correlates across both formats
      fingerprints: { "dependabot/alert": "https://github.com/octo-org/shop/security/dependabot/21" },
      toolId: "https://github.com/octo-org/shop/security/dependabot/21",
      tags: ["repo:octo-org/shop", "vulnerable:< 4.17.19", "epss:0.01234"],
    });
  });

  it("keeps dismissed and auto-dismissed alerts suppressed; a range requirement is a tag, not a version", () => {
    const [, django, guzzle] = parse("repository.json").findings;
    expect(django).toMatchObject({
      severity: "medium",
      rawSeverity: "MODERATE",
      cvss: { version: "4.0", score: 8.7 },
      package: { purl: "pkg:pypi/django", scope: "dev", fixedVersions: ["3.2.18"] },
      suppressed: { kind: "dismissed", justification: "tolerable_risk: Only used by the build." },
      tags: expect.arrayContaining(["requirement:>= 3.2, < 4.0"]),
    });
    expect(django?.package?.version).toBeUndefined();
    expect(guzzle).toMatchObject({
      severity: "low",
      package: { purl: "pkg:composer/guzzlehttp/guzzle@7.4.4", name: "guzzlehttp/guzzle" },
      suppressed: { kind: "auto_dismissed" },
    });
  });

  it("reads organization responses with edges, and the advisory nested in the vulnerability", () => {
    const { findings } = parse("organization-edges.json");
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      rule: { id: "GHSA-qppj-fm5r-hxr3" },
      severity: "medium",
      package: { purl: "pkg:golang/golang.org/x/net", fixedVersions: ["0.17.0"], manifest: "go.mod" },
      fingerprints: { "dependabot/alert": "https://github.com/octo-org/payments/security/dependabot/3" },
      tags: ["repo:octo-org/payments", "vulnerable:< 0.17.0"],
    });
    // the query asked for no state: an alert without fixedAt or dismissedAt is open
    expect(findings[0]?.suppressed).toBeUndefined();
  });

  it("reads pages as JSON Lines, with the repository on each alert", () => {
    const { findings } = parse("paginated-pages.jsonl");
    expect(findings.map((f) => [f.package?.purl, f.severity, f.toolId])).toEqual([
      [
        "pkg:github/tj-actions/changed-files",
        "high",
        "https://github.com/octo-org/infra/security/dependabot/7",
      ],
      ["pkg:cargo/openssl@0.10.45", "critical", "https://github.com/octo-org/infra/security/dependabot/6"],
    ]);
  });

  it("reads a repository without alerts as zero findings", () => {
    expect(parse("empty.json").findings).toEqual([]);
  });

  it("fails on an alert whose query left out the advisory, naming it", () => {
    const doc = {
      syntax: "json" as const,
      value: { data: { repository: { vulnerabilityAlerts: { nodes: [{ number: 1, state: "OPEN" }] } } } },
    };
    expect(() => githubDependabotGraphql.parse(doc, ctx)).toThrow(ParseError);
    expect(() => githubDependabotGraphql.parse(doc, ctx)).toThrow(/\[0\]\.vulnerabilityAlerts\[0\]/);
  });
});
