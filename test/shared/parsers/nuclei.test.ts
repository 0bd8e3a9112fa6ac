import { describe, expect, it } from "vitest";
import { LazyLines, readReport } from "#shared/parsers/document";
import { withFindingCap } from "#shared/parsers/finding-builder";
import { nucleiJson } from "#shared/parsers/nuclei";
import { ParseError } from "#shared/parsers/parse-error";
import { parseReport } from "#shared/parsers/registry";
import { readFixture } from "#test/support/corpus";

const ctx = { secretSalt: "unit-salt" };
const parse = (name: string) => parseReport(readFixture(`parsers/nuclei-json/${name}`), ctx);

describe("nuclei-json", () => {
  it("reads Nuclei 2 before 2.5 (templateID, matched, matcher_name, curl_command) as the newer keys", () => {
    const [git, hsts] = parse("v2.3-templateID.jsonl").findings;
    expect(git).toMatchObject({
      rule: { id: "git-config", name: "Git Config File" },
      severity: "medium",
      location: { url: "https://shop.example.com/.git/config", method: "GET" },
      tags: ["http", "config", "git", "exposure"],
    });
    expect(hsts?.location).toMatchObject({
      url: "https://shop.example.com",
      parameter: "strict-transport-security",
    });
  });

  it("skips the templates that did not match (-matcher-status) and reads one JSON object", () => {
    expect(parse("v3-matcher-status.jsonl").findings.map((f) => f.rule.id)).toEqual(["exposed-gitignore"]);
    const [log4j] = parse("v3-single-object.json").findings;
    expect(log4j).toMatchObject({
      rule: { id: "CVE-2021-44228" },
      severity: "critical",
      vulnerability: { id: "CVE-2021-44228" },
      exploit: "active",
      location: { method: "GET" },
    });
  });

  it("reads JSON Lines (blank lines skipped), one finding per result", () => {
    const report = parse("results-v2.jsonl");
    expect(report.format).toBe("nuclei-json");
    expect(report.tool).toEqual({ name: "Nuclei" });
    expect(report.findings).toHaveLength(3);
  });

  it("tells results of one template on one URL apart by matcher name", () => {
    const [hsts, csp] = parse("results-v2.jsonl").findings;
    expect(hsts).toMatchObject({
      category: "dast",
      rule: { id: "http-missing-security-headers", name: "HTTP Missing Security Headers" },
      title: "HTTP Missing Security Headers",
      description: "This template searches for missing HTTP security headers.",
      severity: "info",
      rawSeverity: "info",
      location: { url: "https://shop.example.test", method: "GET", parameter: "strict-transport-security" },
      references: [
        "https://github.com/projectdiscovery/nuclei-templates/blob/main/http/misconfiguration/http-missing-security-headers.yaml",
      ],
      tags: ["http", "misconfig", "headers", "generic"],
    });
    expect(csp?.location.parameter).toBe("content-security-policy");
  });

  it("accepts comma-separated tags, a single reference and severity unknown; no method outside HTTP", () => {
    const dmarc = parse("results-v2.jsonl").findings[2];
    expect(dmarc).toMatchObject({
      severity: "info",
      rawSeverity: "unknown",
      location: { url: "_dmarc.example.test" },
      references: ["https://dmarc.org/"],
      tags: ["dns", "dmarc"],
    });
    expect(dmarc?.location.method).toBeUndefined();
  });

  it("reads the -json-export array: CVE, CWEs, CVSS, KEV, remediation", () => {
    const report = parse("export-v3.json");
    expect(report.format).toBe("nuclei-json");
    const [log4shell] = report.findings;
    expect(log4shell).toMatchObject({
      rule: { id: "CVE-2021-44228", name: "Apache Log4j2 - Remote Code Injection" },
      severity: "critical",
      vulnerability: { id: "CVE-2021-44228", aliases: [] },
      cwes: ["CWE-20", "CWE-917"],
      cvss: { version: "3.1", vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", score: 10 },
      exploit: "active",
      location: { url: "https://shop.example.test/api/login", method: "POST" },
      remediation:
        "Upgrade to Log4j 2.3.1 (for Java 6), 2.12.3 (for Java 7), or 2.17.0 (for Java 8 and later).",
    });
    expect(log4shell?.references).toEqual([
      "https://logging.apache.org/log4j/2.x/security.html",
      "https://nvd.nist.gov/vuln/detail/CVE-2021-44228",
      "https://cloud.projectdiscovery.io/public/CVE-2021-44228",
    ]);
  });

  it("uses the extractor name as parameter and keeps no vulnerability without a CVE", () => {
    const gitignore = parse("export-v3.json").findings[1];
    expect(gitignore).toMatchObject({
      severity: "low",
      cwes: ["CWE-200"],
      location: { url: "https://shop.example.test/.gitignore", method: "GET", parameter: "paths" },
    });
    expect(gitignore?.vulnerability).toBeUndefined();
    expect(gitignore?.exploit).toBeUndefined();
  });

  it("never keeps request, response, curl command, extracted results or OOB interaction", () => {
    const serialized = JSON.stringify([
      ...parse("export-v3.json").findings,
      ...parse("results-v2.jsonl").findings,
    ]);
    for (const leaked of [
      "n0t-f0r-st0rage",
      "jndi:ldap",
      "secrets.env",
      "cn1abc",
      "198.51.100.7",
      "DMARC1",
    ]) {
      expect(serialized).not.toContain(leaked);
    }
  });

  it("fails a malformed record with a ParseError naming the format and the record", () => {
    const run = () => parse("malformed.jsonl");
    expect(run).toThrow(ParseError);
    expect(run).toThrow(/nuclei-json: .*\(at record 2\.template-id\)/);
  });

  it("detects a single-result file and nothing without template-id + info", () => {
    const one = { "template-id": "x", info: { name: "X", severity: "low" }, "matched-at": "https://a.test" };
    expect(nucleiJson.detect({ syntax: "json", value: one })).toBe(true);
    expect(nucleiJson.parse({ syntax: "json", value: one }, ctx).findings).toHaveLength(1);
    expect(nucleiJson.detect({ syntax: "json", value: [{ "template-id": "x" }] })).toBe(false);
    expect(nucleiJson.detect({ syntax: "json", value: [] })).toBe(false);
  });
});

describe("nuclei-json, big reports read lazily", () => {
  /** A report of the fixture's results repeated past the 8 MiB lazy threshold, `edit` applied to its lines. */
  function bigReport(edit: (lines: string[]) => void = () => {}): { text: string; lines: string[] } {
    const results = readFixture("parsers/nuclei-json/results-v2.jsonl")
      .toString("utf8")
      .split("\n")
      .filter((l) => l.trim());
    const lines: string[] = [];
    for (let size = 0; size < 9 * 1024 * 1024; ) {
      const line = results[lines.length % results.length] ?? "";
      lines.push(line);
      size += line.length + 1;
    }
    edit(lines);
    // CRLF line ends and blank lines (ASCII and Unicode) between records, as some writers leave them
    return { text: `${lines.join("\r\n \u00a0\n")}\n`, lines };
  }

  it("parses each record as it is visited, with the findings of the records parsed whole", () => {
    const { text, lines } = bigReport();
    const doc = readReport(Buffer.from(text));
    expect(doc.syntax === "jsonl" && doc.values instanceof LazyLines).toBe(true);
    const lazy = parseReport(Buffer.from(text), ctx);
    const whole = withFindingCap(Number.POSITIVE_INFINITY, () =>
      nucleiJson.parse(
        doc.syntax === "jsonl" && doc.values instanceof LazyLines
          ? { syntax: "jsonl", values: doc.values.materialize() }
          : doc,
        ctx,
      ),
    );
    expect(lazy.count).toBe(lines.length);
    expect(lazy.findings).toEqual(whole.findings);
  });

  it("fails a malformed line or record with the format and the line or record", () => {
    const badJson = bigReport((lines) => {
      lines[5000] = '{"template-id": tru}';
    });
    expect(() => parseReport(Buffer.from(badJson.text), ctx)).toThrow(
      /^nuclei-json: invalid JSON: .* \(at line 10001\)$/,
    );
    const badShape = bigReport((lines) => {
      lines[4000] = '{"template-id":"x","info":{"tags":[1]}}';
    });
    expect(() => parseReport(Buffer.from(badShape.text), ctx)).toThrow(
      /^nuclei-json: unexpected report shape: .* \(at record 4001\.info\.tags\)$/,
    );
  });

  it("reads a big -json-export array lazily too", () => {
    const { lines } = bigReport();
    const report = parseReport(Buffer.from(`[${lines.join(",")}]`), ctx);
    expect(report.format).toBe("nuclei-json");
    expect(report.count).toBe(lines.length);
  });
});
