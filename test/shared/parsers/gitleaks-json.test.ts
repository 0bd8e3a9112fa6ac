import { describe, expect, it } from "vitest";
import { redactSecret } from "#shared/domain/secret";
import type { ReportDocument } from "#shared/parsers/document";
import { gitleaksJson } from "#shared/parsers/gitleaks-json";
import { ParseError } from "#shared/parsers/parse-error";
import { loadParserFixture, parseFixtureWith } from "#test/support/parser-fixtures";

const ctx = { secretSalt: "unit-test-salt" };

const load = (name: string) => loadParserFixture(`gitleaks-json/${name}`);
const parseFixture = (name: string) => parseFixtureWith(gitleaksJson, `gitleaks-json/${name}`, ctx);

describe("gitleaks-json", () => {
  it("detects gitleaks arrays; a clean run's [] or null is an empty report, not content", () => {
    expect(gitleaksJson.detect(load("unredacted.json"))).toBe(true);
    expect(gitleaksJson.detect(load("redacted.json"))).toBe(true);
    for (const value of [[], null]) {
      expect(gitleaksJson.detect({ syntax: "json", value })).toBe(false);
      expect(gitleaksJson.isEmptyReport?.({ syntax: "json", value })).toBe(true);
      expect(gitleaksJson.parse({ syntax: "json", value }, ctx).findings).toEqual([]);
    }
    expect(gitleaksJson.detect({ syntax: "json", value: { results: [] } })).toBe(false);
    expect(
      gitleaksJson.detect({ syntax: "json", value: [{ rule: { id: "x" }, path: "a", secret: "s" }] }),
    ).toBe(false);
  });

  it("maps a git finding: high by default, salted secret, commit kept, person dropped", () => {
    const report = parseFixture("unredacted.json");
    expect(report.tool).toEqual({ name: "gitleaks" });
    expect(report.findings).toHaveLength(3);
    const [aws] = report.findings;
    expect(aws).toMatchObject({
      category: "secret",
      tool: { name: "gitleaks" },
      rule: { id: "aws-access-token" },
      severity: "high",
      location: { file: "infra/terraform.tfvars", startLine: 12, endLine: 12 },
      secret: redactSecret("AKIAIOSFODNN7EXAMPLE", ctx.secretSalt),
      fingerprints: {
        gitleaks: "9f1c2d3e4b5a69788796a5b4c3d2e1f0a9b8c7d6:infra/terraform.tfvars:aws-access-token:12",
        commit: "9f1c2d3e4b5a69788796a5b4c3d2e1f0a9b8c7d6",
      },
      references: [
        "https://github.com/example/shop/blob/9f1c2d3e4b5a69788796a5b4c3d2e1f0a9b8c7d6/infra/terraform.tfvars#L12",
      ],
      tags: ["key", "AWS"],
    });
    expect(aws?.description).toContain("Match: aws_access_key_id = AKIA****");
    expect(aws?.location.snippetHash).toBeUndefined();
    const text = JSON.stringify(report);
    for (const clear of ["AKIAIOSFODNN7EXAMPLE", "s3cr3t-test-value-0001", "MIIBVwIBADAN", "jane", "oops"]) {
      expect(text).not.toContain(clear);
    }
  });

  it("handles a no-git scan on Windows and a multi-line key without description", () => {
    const [, generic, key] = parseFixture("unredacted.json").findings;
    expect(generic).toMatchObject({
      location: { file: "config/prod.env", startLine: 3 },
      fingerprints: { gitleaks: "config\\prod.env:generic-api-key:3" },
      secret: { preview: "s3cr…(22)" },
    });
    expect(generic?.fingerprints.commit).toBeUndefined();
    expect(key).toMatchObject({
      title: "private-key",
      location: { startLine: 1, endLine: 5 },
      secret: { preview: "----…(109)" },
      tags: [],
    });
  });

  it("identifies redacted secrets by location, never by the placeholder", () => {
    const [slack, partial, stars] = parseFixture("redacted.json").findings;
    expect(slack?.secret?.preview).toBe("REDACTED");
    expect(stars?.secret?.preview).toBe("REDACTED");
    expect(partial?.secret?.preview).toBe("REDACTED");
    // same placeholder, different places: different identities
    expect(new Set([slack?.secret?.hash, partial?.secret?.hash, stars?.secret?.hash]).size).toBe(3);
    expect(slack?.secret?.hash).not.toBe(redactSecret("REDACTED", ctx.secretSalt).hash);
    expect(slack?.description).toContain("Match: SLACK_TOKEN=REDACTED");
    // --redact=N keeps a prefix of the secret, of unknown length: no preview of it (issue 8, point 9)
    expect(partial?.description).toContain("Match: token: ****");
    expect(JSON.stringify(partial)).not.toContain("s3cr3t-test");
  });

  it("reads gitleaks 7 leaks: rule, offender as salted secret, line masked, leakURL and tags", () => {
    const [aws, generic] = parseFixture("v7.json").findings;
    expect(aws).toMatchObject({
      category: "secret",
      tool: { name: "gitleaks" },
      rule: { id: "AWS Access Key", name: "AWS Access Key" },
      severity: "high",
      location: { file: "deploy/aws.env", startLine: 4, endLine: 4 },
      secret: redactSecret("AKIAIOSFODNN7EXAMPLE", ctx.secretSalt),
      fingerprints: { commit: "5c3d6f1e2a4b8c9d0e1f2a3b4c5d6e7f8a9b0c1d" },
      references: [
        "https://github.com/example/shop/blob/5c3d6f1e2a4b8c9d0e1f2a3b4c5d6e7f8a9b0c1d/deploy/aws.env#L4",
      ],
      tags: ["key", "AWS"],
    });
    expect(aws?.description).toContain("Match: aws_access_key_id = AKIA****");
    expect(generic).toMatchObject({ location: { file: "config/app.yml", startLine: 12 }, tags: [] });
    expect(generic?.fingerprints.commit).toBeUndefined();
    const text = JSON.stringify(parseFixture("v7.json"));
    for (const clear of ["AKIAIOSFODNN7EXAMPLE", "hunter2-but-longer", "Jane Doe", "jane@example.com"]) {
      expect(text).not.toContain(clear);
    }
  });

  it("identifies a redacted gitleaks 7 leak by location", () => {
    const [v7] = parseFixture("v7-redacted.json").findings;
    const [v7Clear] = parseFixture("v7.json").findings;
    expect(v7?.secret?.preview).toBe("REDACTED");
    expect(v7?.secret?.hash).not.toBe(v7Clear?.secret?.hash);
    expect(v7?.description).toContain("Match: aws_access_key_id = REDACTED");
  });

  it("names the format and the broken record on a malformed finding", () => {
    const doc: ReportDocument = {
      syntax: "json",
      value: [
        { RuleID: "a", Secret: "x", File: "f", StartLine: 1 },
        { RuleID: "b", Secret: 42, File: "f", StartLine: 1 },
      ],
    };
    expect(() => gitleaksJson.parse(doc, ctx)).toThrow(ParseError);
    expect(() => gitleaksJson.parse(doc, ctx)).toThrow(/gitleaks-json: .*\(at \[1\]\.Secret\)/);
  });
});
