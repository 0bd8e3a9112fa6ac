import { describe, expect, it } from "vitest";
import { NormalizedFinding } from "#shared/domain/finding";
import { redactSecret } from "#shared/domain/secret";
import { decodeReport, type ReportDocument, readDocument } from "#shared/parsers/document";
import type { ReportFormat } from "#shared/parsers/format";
import { ParseError } from "#shared/parsers/parse-error";
import { trufflehog3Json, trufflehogJson } from "#shared/parsers/trufflehog";
import { readFixture } from "#test/support/corpus";

const ctx = { secretSalt: "unit-test-salt" };

function load(path: string): ReportDocument {
  return readDocument(decodeReport(readFixture(`parsers/${path}`)));
}

function parseFixture(format: ReportFormat, path: string) {
  const report = format.parse(load(path), ctx);
  for (const finding of report.findings) expect(NormalizedFinding.safeParse(finding).success).toBe(true);
  return report;
}

describe("trufflehog-json (TruffleHog v3)", () => {
  it("detects JSON Lines results, a one-line report and a log-only run", () => {
    expect(trufflehogJson.detect(load("trufflehog-json/git.jsonl"))).toBe(true);
    expect(trufflehogJson.detect(load("trufflehog-json/filesystem-windows.jsonl"))).toBe(true);
    expect(load("trufflehog-json/docker-single.jsonl").syntax).toBe("json");
    expect(trufflehogJson.detect(load("trufflehog-json/docker-single.jsonl"))).toBe(true);
    expect(trufflehogJson.detect(load("trufflehog-json/logs-only.jsonl"))).toBe(true);
    expect(trufflehogJson.detect(load("trufflehog3-json/report.json"))).toBe(false);
    expect(
      trufflehogJson.detect({ syntax: "jsonl", values: [{ level: "info", msg: "x", logger: "other" }] }),
    ).toBe(false);
  });

  it("maps git results: verified → critical, secret salted, log lines skipped, version from the log", () => {
    const report = parseFixture(trufflehogJson, "trufflehog-json/git.jsonl");
    expect(report.tool).toEqual({ name: "trufflehog", version: "3.88.0" });
    expect(report.findings).toHaveLength(2);
    const [aws, slack] = report.findings;
    expect(aws).toMatchObject({
      category: "secret",
      tool: { name: "trufflehog", version: "3.88.0" },
      rule: { id: "AWS" },
      title: "AWS secret",
      severity: "critical",
      rawSeverity: "verified",
      location: {
        file: "deploy/aws.env",
        startLine: 2,
        endLine: 2,
        resource: "https://github.com/example/shop.git",
      },
      secret: redactSecret("AKIAIOSFODNN7EXAMPLE", ctx.secretSalt, true),
      fingerprints: { commit: "aaaabbbbccccddddeeeeffff0000111122223333" },
      references: ["https://howtorotate.com/docs/tutorials/aws/"],
    });
    expect(slack).toMatchObject({
      severity: "high",
      rawSeverity: "unverified",
      description: "Slack is a messaging platform; its tokens allow posting messages and reading channels.",
      secret: { preview: "xoxb…(54)", verified: false },
      tags: ["decoder:BASE64"],
    });
    const text = JSON.stringify(report);
    for (const clear of ["AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI", "FAKEFAKE", "jane", "123456789012"]) {
      expect(text).not.toContain(clear);
    }
  });

  it("reads Windows filesystem paths, RawV2-only results and verification errors", () => {
    const report = parseFixture(trufflehogJson, "trufflehog-json/filesystem-windows.jsonl");
    const [uri, box] = report.findings;
    expect(report.tool).toEqual({ name: "trufflehog" });
    expect(uri).toMatchObject({
      location: { file: "/Users/dev/shop/config/settings.py", startLine: 31 },
      rawSeverity: "unverified (verification error)",
      severity: "high",
      secret: { preview: "post…(59)", verified: false },
    });
    expect(box).toMatchObject({
      location: { file: "src/legacy/keys.js", startLine: 3 },
      secret: { preview: "boxe…(43)" },
    });
    expect(JSON.stringify(report)).not.toContain("s3cr3t-test-value-02");
  });

  it("puts a Docker result on its image", () => {
    const [docker] = parseFixture(trufflehogJson, "trufflehog-json/docker-single.jsonl").findings;
    expect(docker?.location).toEqual({ file: "/app/.env", image: "registry.example.com/shop/api:1.4.2" });
  });

  it("parses a run that found nothing", () => {
    const report = parseFixture(trufflehogJson, "trufflehog-json/logs-only.jsonl");
    expect(report).toEqual({ tool: { name: "trufflehog", version: "3.88.0" }, findings: [] });
  });

  it("names the format and the broken record on a malformed line", () => {
    const doc: ReportDocument = {
      syntax: "jsonl",
      values: [
        { level: "info-0", logger: "trufflehog", msg: "running source" },
        {
          SourceMetadata: { Data: { Filesystem: { file: "a", line: 1 } } },
          DetectorName: "AWS",
          Verified: "yes",
        },
      ],
    };
    expect(() => trufflehogJson.parse(doc, ctx)).toThrow(ParseError);
    expect(() => trufflehogJson.parse(doc, ctx)).toThrow(/trufflehog-json: .*\(at record 2\.Verified\)/);
  });
});

describe("trufflehog3-json", () => {
  it("detects trufflehog3 arrays; a clean run's [] is an empty report, not content", () => {
    expect(trufflehog3Json.detect(load("trufflehog3-json/report.json"))).toBe(true);
    expect(trufflehog3Json.detect({ syntax: "json", value: [] })).toBe(false);
    expect(trufflehog3Json.isEmptyReport?.({ syntax: "json", value: [] })).toBe(true);
    expect(trufflehog3Json.parse({ syntax: "json", value: [] }, ctx).findings).toEqual([]);
    expect(trufflehog3Json.detect(load("gitleaks-json/unredacted.json"))).toBe(false);
    expect(trufflehog3Json.detect(load("trufflehog-json/git.jsonl"))).toBe(false);
  });

  it("maps rule, severity, string line numbers and masks the context line", () => {
    const report = parseFixture(trufflehog3Json, "trufflehog3-json/report.json");
    expect(report.tool).toEqual({ name: "trufflehog3" });
    const [aws, entropy] = report.findings;
    expect(aws).toMatchObject({
      category: "secret",
      rule: { id: "amazon.aws-access-key-id", name: "AWS Access Key ID" },
      title: "AWS Access Key ID",
      description: 'AWS Access Key ID\nLine: key = "AKIA****"  # temporary',
      severity: "high",
      rawSeverity: "HIGH",
      location: { file: "/lib/aws/client.py", startLine: 12, endLine: 12 },
      secret: redactSecret("AKIAIOSFODNN7EXAMPLE", ctx.secretSalt),
      fingerprints: { commit: "3c663477ad5befa55f6e83f52af33f8d0e1a2b3c" },
    });
    // the tool's issue id is a uuid3 of path + secret: an unsalted hash, so it is not kept
    expect(aws?.toolId).toBeUndefined();
    expect(entropy).toMatchObject({
      severity: "medium",
      location: { file: "config/notifier.py", startLine: 17 },
      fingerprints: {},
    });
    const text = JSON.stringify(report);
    for (const clear of ["AKIAIOSFODNN7EXAMPLE", "A5f8760a16039c1aD66dc3EBbce533c3", "0b9d4c4e", "jane"]) {
      expect(text).not.toContain(clear);
    }
  });

  it("names the format and the broken record on a malformed issue", () => {
    const doc: ReportDocument = {
      syntax: "json",
      value: [{ rule: { id: "x" }, path: "a", line: "one", secret: "s" }],
    };
    expect(() => trufflehog3Json.parse(doc, ctx)).toThrow(/trufflehog3-json: .*\(at \[0\]\.line\)/);
  });
});
