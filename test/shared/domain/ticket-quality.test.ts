import { describe, expect, it } from "vitest";
import type { NormalizedFinding } from "#shared/domain/finding";
import { groupFindings, ruleShortName, type TicketGroup } from "#shared/domain/ticket-group";
import { DEFAULT_TICKET_POLICY, heldBackBy, ticketPolicyFrom } from "#shared/domain/ticket-policy";
import { defaultRoute } from "#shared/domain/ticket-route";
import type { TrackedFinding } from "#shared/domain/tracked-finding";
import { ticketIssue, vulnerabilityIds } from "#shared/integrations/ticket-tracker";
import type { ReportFormat } from "#shared/parsers/format";
import { gitleaksJson } from "#shared/parsers/gitleaks-json";
import { sarif } from "#shared/parsers/sarif";
import { semgrepJson } from "#shared/parsers/semgrep-json";
import { snykJson } from "#shared/parsers/snyk-json";
import { trufflehogJson } from "#shared/parsers/trufflehog";
import { score, tracked } from "#test/support/tracked";

/**
 * Ticket quality from what scanners really write: small reports in each tool's shape, parsed,
 * tracked and grouped the way ticket sync groups them.
 */

const ctx = { secretSalt: "unit-test-salt" };

function asTracked(f: NormalizedFinding, i: number): TrackedFinding {
  return tracked({
    findingId: `f${String(i).padStart(3, "0")}`,
    category: f.category,
    title: f.title,
    severity: f.severity,
    rule: f.rule,
    cwes: f.cwes,
    location: f.location,
    references: f.references,
    ...(f.secret ? { secret: f.secret } : {}),
    ...(f.vulnerability ? { vulnerability: f.vulnerability } : {}),
    ...(f.package ? { package: f.package } : {}),
  });
}

function groupsOf(format: ReportFormat, value: unknown, jsonl = false): TicketGroup[] {
  const doc = jsonl
    ? { syntax: "jsonl" as const, values: value as unknown[] }
    : { syntax: "json" as const, value };
  return groupFindings("shop", format.parse(doc, ctx).findings.map(asTracked));
}

const JWT_SENTENCE =
  "Uncovered a JSON Web Token, which may lead to unauthorized access to web applications and sensitive user data.";

describe("ticket titles name the rule, never the scanner's message", () => {
  it("gitleaks: four JWTs in one file give four distinct short titles", () => {
    const leak = (n: number) => ({
      RuleID: "jwt",
      Description: JWT_SENTENCE,
      StartLine: n * 10,
      EndLine: n * 10,
      Match: `token = eyJhbGciOiJIUzI1NiJ9.payload${n}.sig`,
      Secret: `eyJhbGciOiJIUzI1NiJ9.payload${n}.sig`,
      File: "src/test/TokenTest.java",
      Fingerprint: `fp${n}`,
    });
    const groups = groupsOf(gitleaksJson, [leak(1), leak(2), leak(3), leak(4)]);
    expect(groups).toHaveLength(4);
    const titles = groups.map((g) => g.title).sort();
    expect(titles).toEqual([
      "Rotate and remove the JWT secret in src/test/TokenTest.java:10",
      "Rotate and remove the JWT secret in src/test/TokenTest.java:20",
      "Rotate and remove the JWT secret in src/test/TokenTest.java:30",
      "Rotate and remove the JWT secret in src/test/TokenTest.java:40",
    ]);
    for (const title of titles) expect(title).not.toContain("Uncovered");
  });

  it("gitleaks: rule ids become names (generic-api-key → Generic API key)", () => {
    const [group] = groupsOf(gitleaksJson, [
      {
        RuleID: "generic-api-key",
        Description:
          "Detected a Generic API Key, potentially exposing access to various services and sensitive operations.",
        StartLine: 3,
        Secret: "abcd1234efgh5678ijkl",
        File: "config.yml",
      },
    ]);
    expect(group?.title).toBe("Rotate and remove the Generic API key secret in config.yml:3");
  });

  it("trufflehog: the detector name", () => {
    const [group] = groupsOf(
      trufflehogJson,
      [
        {
          SourceMetadata: { Data: { Filesystem: { file: "deploy/.env", line: 2 } } },
          SourceName: "trufflehog - filesystem",
          DetectorName: "AWS",
          DetectorDescription: "Amazon Web Services (AWS) is a cloud computing platform…",
          Verified: false,
          Raw: "AKIAIOSFODNN7EXAMPLE",
        },
      ],
      true,
    );
    expect(group?.title).toBe("Rotate and remove the AWS secret in deploy/.env:2");
  });

  it("SARIF secret rule: the id when the short description is a sentence", () => {
    const [group] = groupsOf(sarif, {
      version: "2.1.0",
      runs: [
        {
          tool: {
            driver: {
              name: "gitleaks",
              semanticVersion: "8.18.0",
              rules: [{ id: "jwt", shortDescription: { text: JWT_SENTENCE } }],
            },
          },
          results: [
            {
              ruleId: "jwt",
              message: { text: "jwt has detected secret for file app.js." },
              locations: [
                {
                  physicalLocation: {
                    artifactLocation: { uri: "app.js" },
                    region: { startLine: 7, snippet: { text: "eyJhbGciOiJIUzI1NiJ9.e30.sig" } },
                  },
                },
              ],
            },
          ],
        },
      ],
    });
    expect(group?.kind).toBe("secret");
    expect(group?.title).toBe("Rotate and remove the JWT secret in app.js:7");
  });

  it("semgrep: the rule's short name from its id, no trailing punctuation", () => {
    const result = (line: number) => ({
      check_id: "javascript.sequelize.security.audit.sequelize-injection-express.express-sequelize-injection",
      path: "data/static/codefixes/dbSchemaChallenge_1.ts",
      start: { line, col: 1 },
      end: { line, col: 40 },
      extra: {
        message:
          "Detected a sequelize statement that is tainted by user-input. This could lead to SQL injection if the variable is user-controlled and is not properly sanitized. In order to prevent SQL injection, it is recommended to use parameterized queries or prepared statements.",
        severity: "ERROR",
        lines: 'models.sequelize.query("SELECT * FROM Products WHERE " + criteria)',
        metadata: { cwe: ["CWE-89: SQL Injection"] },
      },
    });
    const groups = groupsOf(semgrepJson, {
      results: [result(5), result(9)],
      errors: [],
      paths: { scanned: [] },
    });
    expect(groups).toHaveLength(1);
    expect(groups[0]?.title).toBe(
      "Express sequelize injection in data/static/codefixes/dbSchemaChallenge_1.ts",
    );
  });

  it("ruleShortName: a short rule name as it is, a long title clipped to 80 characters at a word", () => {
    expect(ruleShortName({ rule: { id: "B105", name: "hardcoded_password_string." }, title: "x" })).toBe(
      "hardcoded_password_string",
    );
    expect(ruleShortName({ rule: { id: "10021" }, title: "X-Content-Type-Options Header Missing" })).toBe(
      "X-Content-Type-Options Header Missing",
    );
    const long = ruleShortName({ rule: { id: "40012" }, title: `${"word ".repeat(30)}end.` });
    expect(long.length).toBeLessThanOrEqual(80);
    expect(long.endsWith("…")).toBe(true);
  });
});

describe("Snyk: fix versions from the upgrade path, CVE ids first", () => {
  // `snyk test --json` of an sbt/maven project written by older CLIs: no fixedIn, only upgradePath
  const struts = (id: string, cve: string, fix: string) => ({
    id,
    title: "Remote Code Execution",
    severity: "high",
    packageName: "org.apache.struts:struts2-core",
    version: "2.3.20",
    from: ["small-app:small-app_2.10@1.0-SNAPSHOT", "org.apache.struts:struts2-core@2.3.20"],
    upgradePath: [false, `org.apache.struts:struts2-core@${fix}`],
    isUpgradable: true,
    identifiers: { CVE: [cve], CWE: ["CWE-20"] },
  });
  const report = {
    ok: false,
    packageManager: "maven",
    vulnerabilities: [
      struts("SNYK-JAVA-ORGAPACHESTRUTS-30770", "CVE-2016-3081", "2.3.20.3"),
      struts("SNYK-JAVA-ORGAPACHESTRUTS-30771", "CVE-2016-3082", "2.3.20.3"),
    ],
  };

  it("reads the vulnerable package's version at the end of the upgrade path as its fix", () => {
    const findings = snykJson.parse({ syntax: "json", value: report }, ctx).findings;
    expect(findings.map((f) => f.package?.fixedVersions)).toEqual([["2.3.20.3"], ["2.3.20.3"]]);
  });

  it("a parent's upgrade is not a fix of the package itself", () => {
    const transitive = {
      ...report,
      vulnerabilities: [
        {
          ...struts("SNYK-JAVA-OGNL-30474", "CVE-2016-3093", "x"),
          packageName: "ognl:ognl",
          version: "3.0.6",
          from: ["app@1", "org.apache.struts:struts2-core@2.3.20", "ognl:ognl@3.0.6"],
          upgradePath: [false, "org.apache.struts:struts2-core@2.3.28", "ognl:ognl@3.0.13"],
        },
        {
          ...struts("SNYK-JAVA-OGNL-1", "CVE-2016-0001", "x"),
          packageName: "ognl:ognl",
          version: "3.0.6",
          from: ["app@1", "org.apache.struts:struts2-core@2.3.20", "ognl:ognl@3.0.6"],
          // the path only says which parent to upgrade
          upgradePath: [false, "org.apache.struts:struts2-core@2.3.28"],
        },
      ],
    };
    const findings = snykJson.parse({ syntax: "json", value: transitive }, ctx).findings;
    expect(findings.map((f) => f.package?.fixedVersions)).toEqual([["3.0.13"], []]);
  });

  it("the ticket says which version to upgrade to, and lists CVE ids before SNYK ids", () => {
    const findings = snykJson.parse({ syntax: "json", value: report }, ctx).findings.map(asTracked);
    const [group] = groupFindings("shop", findings);
    if (!group) throw new Error("no group");
    expect(group.action).toBe("Upgrade org.apache.struts:struts2-core to 2.3.20.3");
    expect(group.title).not.toContain("No fixed version");
    expect(vulnerabilityIds(findings[0] as TrackedFinding)).toEqual([
      "CVE-2016-3081",
      "SNYK-JAVA-ORGAPACHESTRUTS-30770",
    ]);
    const text = JSON.stringify(ticketIssue(group, findings, defaultRoute("SEC")).description);
    expect(text.indexOf("CVE-2016-3081")).toBeGreaterThan(-1);
    expect(text.indexOf("CVE-2016-3081")).toBeLessThan(text.indexOf("SNYK-JAVA-ORGAPACHESTRUTS-30770"));
  });
});

describe("DAST: one ticket per rule per app, listing its endpoints", () => {
  const dast = (id: string, rule: string, url: string, over: Partial<TrackedFinding> = {}) =>
    tracked({
      findingId: id,
      category: "dast",
      severity: "medium",
      title: "Content Security Policy (CSP) Header Not Set",
      rule: { id: rule },
      location: { url, method: "GET" },
      ...over,
    });

  it("groups a rule's endpoints across paths and hosts into one ticket that lists them", () => {
    const groups = groupFindings("shop", [
      dast("d1", "10038", "https://shop.example/login"),
      dast("d2", "10038", "https://shop.example/cart/items?id=3"),
      dast("d3", "10038", "https://api.shop.example/v1/orders"),
      dast("d4", "10020", "https://shop.example/login", { title: "Missing Anti-clickjacking Header" }),
    ]);
    expect(groups).toHaveLength(2);
    const csp = groups.find((g) => g.members.includes("d1"));
    expect(csp?.members).toEqual(["d1", "d2", "d3"]);
    expect(csp?.title).toBe("Content Security Policy (CSP) Header Not Set on 3 endpoints");
    expect(csp?.action).toContain("GET https://shop.example/login");
    expect(csp?.action).toContain("GET https://api.shop.example/v1/orders");
    const text = JSON.stringify(
      ticketIssue(
        csp as TicketGroup,
        [dast("d1", "10038", "https://shop.example/login")],
        defaultRoute("SEC"),
      ).description,
    );
    expect(text).toContain("GET https://shop.example/login");
    const one = groups.find((g) => g.members.includes("d4"));
    expect(one?.title).toBe("Missing Anti-clickjacking Header on GET https://shop.example/login");
  });
});

describe("ticket policy", () => {
  const at = new Date("2026-01-10T00:00:00Z");
  const f = (id: string, over: Partial<TrackedFinding>) => tracked({ findingId: id, ...over });

  it("by default holds back info and low groups, unless a member is KEV-listed or a secret", () => {
    const policy = DEFAULT_TICKET_POLICY;
    expect(heldBackBy(policy, [f("a", { severity: "info", category: "dast" })], at)).toMatch(
      /minimum severity/,
    );
    expect(heldBackBy(policy, [f("a", { severity: "low" }), f("b", { severity: "info" })], at)).toBeDefined();
    expect(heldBackBy(policy, [f("a", { severity: "low" }), f("b", { severity: "medium" })], at)).toBe(
      undefined,
    );
    expect(
      heldBackBy(
        policy,
        [
          f("a", {
            severity: "low",
            category: "sca",
            score: score("P4", { factors: [{ name: "KEV", value: "known exploited", effect: 30 }] }),
          }),
        ],
        at,
      ),
    ).toBe(undefined);
    expect(heldBackBy(policy, [f("a", { severity: "low", category: "secret" })], at)).toBe(undefined);
  });

  it("judges only open, actionable members: a resolved high does not carry a low group", () => {
    expect(
      heldBackBy(
        DEFAULT_TICKET_POLICY,
        [f("a", { severity: "high", status: "resolved" }), f("b", { severity: "low" })],
        at,
      ),
    ).toBeDefined();
  });

  it("is configurable by minimum severity, and rejects an unknown word", () => {
    expect(ticketPolicyFrom(undefined)).toEqual({ minSeverity: "medium" });
    const everything = ticketPolicyFrom("INFO");
    expect(heldBackBy(everything, [f("a", { severity: "info" })], at)).toBe(undefined);
    expect(heldBackBy(ticketPolicyFrom("high"), [f("a", { severity: "medium" })], at)).toBeDefined();
    expect(() => ticketPolicyFrom("urgent")).toThrow(/not one of/);
  });
});
