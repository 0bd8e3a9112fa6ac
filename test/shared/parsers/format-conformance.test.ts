import { describe, expect, it } from "vitest";
import { NormalizedFinding } from "#shared/domain/finding";
import { FORMATS, parseReport } from "#shared/parsers/registry";
import { readFixture } from "#test/support/corpus";
import { parseErrorOf } from "#test/support/parser-fixtures";

/**
 * Per format: the reports its tool writes for a clean run, and one report per version of the tool
 * in use over the last four years (2022–2026), each a fixture under test/fixtures/parsers/<id>/
 * written from the tool's documented schema or source.
 *
 * A clean-run shape is `detected` when it parses without `--format`: its content names the tool,
 * or no other format writes it. It is `declared` when it says nothing of its own and other tools
 * write it too (`[]`, `null`, `{"results": []}`) or it is an empty file: it parses only with
 * `--format`, and without it is refused with a clear error (ambiguous, or empty input).
 */

interface EmptyShape {
  file: string;
  how: "detected" | "declared";
}

interface Version {
  file: string;
  /** The tool version (or range) whose schema the fixture follows. */
  version: string;
  count: number;
}

const CASES: Record<string, { empty: EmptyShape[]; versions: Version[] }> = {
  sarif: {
    empty: [
      { file: "empty.sarif", how: "detected" },
      { file: "empty-no-runs.sarif", how: "detected" },
    ],
    versions: [
      {
        file: "v2.1.0-rtm5-tool-extensions.sarif",
        version: "SARIF 2.1.0 rtm.5 (CodeQL 2.9, 2022)",
        count: 1,
      },
      { file: "multi-run.sarif", version: "SARIF 2.1.0 (CodeQL 2.19, gitleaks 8, Trivy)", count: 5 },
    ],
  },
  "trivy-json": {
    empty: [
      { file: "empty-filesystem.json", how: "detected" },
      { file: "empty-legacy-null.json", how: "declared" },
      { file: "empty-legacy-array.json", how: "declared" },
    ],
    versions: [
      { file: "v0.8-legacy-no-type.json", version: "< 0.9 (array, no Type)", count: 1 },
      { file: "legacy-array.json", version: "0.9–0.19 (array before SchemaVersion)", count: 1 },
      { file: "v0.35-image.json", version: "0.35 (SchemaVersion 2, 2022)", count: 2 },
      { file: "image-debian-node.json", version: "0.58 (PkgIdentifier, Fingerprint, CVSS 4)", count: 4 },
    ],
  },
  "grype-json": {
    empty: [
      { file: "empty-directory.json", how: "detected" },
      { file: "empty-null-matches.json", how: "detected" },
    ],
    versions: [
      { file: "v0.7-matchdetails-object.json", version: "< 0.10 (matchDetails object, links)", count: 1 },
      { file: "v0.50-directory.json", version: "0.50 (2022)", count: 1 },
      { file: "image-alpine-with-ignores.json", version: "0.74+ (knownExploited, ignoredMatches)", count: 5 },
    ],
  },
  "snyk-json": {
    empty: [
      { file: "pip-no-vulns.json", how: "detected" },
      { file: "empty-all-projects.json", how: "detected" },
    ],
    versions: [
      { file: "npm-single-project.json", version: "CLI 1.x `snyk test --json`", count: 3 },
      { file: "all-projects-array.json", version: "CLI 1.x `--all-projects`", count: 2 },
      { file: "container-with-apps.json", version: "CLI 1.x `snyk container test --json`", count: 2 },
    ],
  },
  "osv-scanner-json": {
    empty: [
      { file: "clean-run.json", how: "declared" },
      { file: "empty-v2-experimental.json", how: "detected" },
    ],
    versions: [
      { file: "v1.0-package-source.json", version: "1.0–1.1 (`--json`, packageSource)", count: 1 },
      { file: "v1-without-groups.json", version: "1.x without groups", count: 2 },
      { file: "multi-source-v2.json", version: "2.x", count: 4 },
    ],
  },
  "npm-audit-json": {
    empty: [
      { file: "v2-clean.json", how: "detected" },
      { file: "empty-npm6.json", how: "detected" },
    ],
    versions: [
      { file: "legacy-npm6.json", version: "npm 6 / pnpm (legacy report)", count: 3 },
      { file: "v2-chain-and-mixed-via.json", version: "npm 7–11 (auditReportVersion 2)", count: 4 },
    ],
  },
  "dependency-check-json": {
    empty: [{ file: "empty.json", how: "detected" }],
    versions: [
      { file: "v7.1.json", version: "7.x (2022)", count: 1 },
      { file: "report.json", version: "12.x (CVSS 4, KEV)", count: 6 },
    ],
  },
  "dependency-check-xml": {
    empty: [{ file: "empty.xml", how: "detected" }],
    versions: [
      { file: "schema-2.0.xml", version: "5.x (schema 2.0)", count: 1 },
      { file: "v7-schema-2.5.xml", version: "7.x (schema 2.5, 2022)", count: 1 },
      { file: "report.xml", version: "12.x (schema 4.1)", count: 4 },
    ],
  },
  "cyclonedx-json": {
    empty: [
      { file: "sbom-1.4.json", how: "detected" },
      { file: "empty-no-vulnerabilities.json", how: "detected" },
    ],
    versions: [
      { file: "vex-1.5.json", version: "CycloneDX 1.5", count: 7 },
      { file: "container-1.6.json", version: "CycloneDX 1.6", count: 2 },
      { file: "vdr-1.7.json", version: "CycloneDX 1.7", count: 1 },
    ],
  },
  "cyclonedx-xml": {
    empty: [
      { file: "sbom-1.4.xml", how: "detected" },
      { file: "empty-no-vulnerabilities-1.5.xml", how: "detected" },
    ],
    versions: [
      { file: "ext-1.3.xml", version: "CycloneDX 1.3 + vulnerability extension", count: 1 },
      { file: "vex-1.6.xml", version: "CycloneDX 1.6", count: 2 },
    ],
  },
  "github-dependabot-json": {
    empty: [
      { file: "empty-array.json", how: "declared" },
      { file: "empty-file.jsonl", how: "declared" },
    ],
    versions: [
      { file: "single-alert.json", version: "REST API 2022-11-28, one alert", count: 1 },
      { file: "alerts.json", version: "REST API 2022-11-28 (EPSS, dismissed, fixed)", count: 4 },
      { file: "alerts.jsonl", version: "`gh api --paginate --jq '.[]'`", count: 2 },
    ],
  },
  "aws-inspector2-json": {
    empty: [
      { file: "empty.json", how: "detected" },
      { file: "empty-file.jsonl", how: "declared" },
    ],
    versions: [
      { file: "list-findings.json", version: "Inspector v2 ListFindings", count: 7 },
      { file: "eventbridge.json", version: "Inspector v2 EventBridge events", count: 1 },
    ],
  },
  "semgrep-json": {
    empty: [
      { file: "empty.json", how: "detected" },
      { file: "empty-trimmed.json", how: "detected" },
    ],
    versions: [
      { file: "v0.110.json", version: "0.x (2022)", count: 1 },
      { file: "code-and-ignored.json", version: "1.x", count: 4 },
    ],
  },
  "gitleaks-json": {
    empty: [
      { file: "empty-array.json", how: "declared" },
      { file: "empty-null.json", how: "declared" },
    ],
    versions: [
      { file: "v7.json", version: "7.x", count: 2 },
      { file: "v7-redacted.json", version: "7.x `--redact`", count: 1 },
      { file: "v8.0.json", version: "8.0–8.x (no Fingerprint, no Link)", count: 1 },
      { file: "unredacted.json", version: "8.18+", count: 3 },
      { file: "redacted.json", version: "8.x `--redact`, `--redact=N`", count: 3 },
    ],
  },
  "trufflehog-json": {
    empty: [
      { file: "empty-file.jsonl", how: "declared" },
      { file: "logs-only.jsonl", how: "detected" },
    ],
    versions: [
      { file: "v3.20-filesystem.jsonl", version: "3.x (2022, no DecoderName)", count: 1 },
      { file: "git.jsonl", version: "3.88", count: 2 },
    ],
  },
  "trufflehog3-json": {
    empty: [{ file: "empty-array.json", how: "declared" }],
    // 3.x is the only output format since 2021 (2.x wrote `stringsFound`)
    versions: [{ file: "report.json", version: "3.0.x", count: 2 }],
  },
  "bandit-json": {
    empty: [{ file: "empty.json", how: "detected" }],
    versions: [
      { file: "v1.7.4.json", version: "1.7.4 (2022)", count: 1 },
      { file: "mixed.json", version: "1.8", count: 3 },
    ],
  },
  "gosec-json": {
    empty: [
      { file: "empty.json", how: "detected" },
      { file: "empty-null-issues.json", how: "detected" },
    ],
    versions: [
      {
        file: "v2.12-no-golang-errors.json",
        version: "2.x without `Golang errors` and GosecVersion",
        count: 1,
      },
      { file: "issues.json", version: "2.21", count: 3 },
    ],
  },
  "brakeman-json": {
    empty: [{ file: "empty.json", how: "detected" }],
    versions: [
      { file: "v5.1.json", version: "5.1 (no cwe_id)", count: 1 },
      { file: "report.json", version: "6.2", count: 3 },
    ],
  },
  "sonarqube-json": {
    empty: [{ file: "empty.json", how: "detected" }],
    versions: [
      { file: "v9.9-lts.json", version: "9.9 LTS (type and severity)", count: 1 },
      { file: "issues.json", version: "10.x (impacts beside type)", count: 5 },
      { file: "v2025.1-mqr.json", version: "2025.1 MQR mode (impacts only)", count: 1 },
      { file: "hotspots.json", version: "api/hotspots/search", count: 2 },
    ],
  },
  "checkov-json": {
    empty: [
      { file: "empty.json", how: "detected" },
      { file: "empty-passed-only.json", how: "detected" },
    ],
    versions: [
      { file: "v2.3-kubernetes.json", version: "2.3", count: 1 },
      { file: "multi-framework.json", version: "3.2 (array of frameworks)", count: 3 },
    ],
  },
  "kics-json": {
    empty: [
      { file: "empty.json", how: "detected" },
      { file: "empty-null-queries.json", how: "detected" },
    ],
    versions: [
      { file: "v1.5-no-version.json", version: "1.5 (no kics_version)", count: 1 },
      { file: "results.json", version: "2.1", count: 3 },
    ],
  },
  "tfsec-json": {
    empty: [
      { file: "null-results.json", how: "detected" },
      { file: "empty-results-array.json", how: "declared" },
    ],
    versions: [
      { file: "legacy-0.x.json", version: "0.x", count: 1 },
      { file: "results.json", version: "1.x (1.28)", count: 3 },
    ],
  },
  "zap-json": {
    empty: [{ file: "empty.json", how: "detected" }],
    versions: [
      { file: "v2.11-baseline.json", version: "2.11 (no @programName)", count: 2 },
      { file: "report.json", version: "2.15", count: 6 },
    ],
  },
  "zap-xml": {
    empty: [{ file: "empty.xml", how: "detected" }],
    versions: [
      { file: "legacy-2.4.xml", version: "2.4-era items", count: 1 },
      { file: "report.xml", version: "2.15", count: 4 },
    ],
  },
  "burp-xml": {
    empty: [{ file: "no-issues.xml", how: "detected" }],
    versions: [
      { file: "v2022.8.xml", version: "2022.8", count: 1 },
      { file: "issues.xml", version: "2024.10", count: 4 },
    ],
  },
  "nuclei-json": {
    empty: [
      { file: "empty-file.jsonl", how: "declared" },
      { file: "empty-export.json", how: "declared" },
    ],
    versions: [
      { file: "v2.3-templateID.jsonl", version: "2.0–2.4 (templateID, matched)", count: 2 },
      { file: "results-v2.jsonl", version: "2.5–2.9 (`-json`)", count: 3 },
      { file: "export-v3.json", version: "3.x `-json-export`", count: 2 },
      { file: "v3-single-object.json", version: "3.x, one record", count: 1 },
      { file: "v3-matcher-status.jsonl", version: "3.x `-matcher-status`", count: 1 },
    ],
  },
  "prowler-json": {
    empty: [
      { file: "empty-file.json", how: "declared" },
      { file: "empty-v3-array.json", how: "declared" },
    ],
    versions: [
      { file: "v3-native.json", version: "3.x `-M json`", count: 2 },
      { file: "v3-ocsf.json", version: "3.x `-M json-ocsf` (OCSF 1.0.0-rc.3)", count: 1 },
      { file: "ocsf.json", version: "4.x/5.x `-M json-ocsf`", count: 3 },
    ],
  },
  "prowler-csv": {
    empty: [
      { file: "empty-file.csv", how: "declared" },
      { file: "header-only.csv", how: "detected" },
    ],
    versions: [
      { file: "v3.csv", version: "3.x", count: 1 },
      { file: "output.csv", version: "4.x/5.x", count: 2 },
    ],
  },
  "spdx-json": {
    // an SBOM has no findings: every version reads as 0, its packages go to the inventory
    empty: [{ file: "empty-directory-2.3.json", how: "detected" }],
    versions: [
      { file: "spdx-2.2-trivy.json", version: "SPDX 2.2 (documentDescribes, Trivy 0.37)", count: 0 },
      { file: "syft-2.3.json", version: "SPDX 2.3 (syft 1.18)", count: 0 },
    ],
  },
  "gitlab-security-json": {
    empty: [
      { file: "empty-15.json", how: "detected" },
      { file: "empty-trivy-template-14.json", how: "detected" },
    ],
    versions: [
      { file: "trivy-template-14.json", version: "schema 14.x (Trivy gitlab.tpl, no scan)", count: 1 },
      { file: "secret-detection-14-legacy.json", version: "schema 14.x secret detection", count: 1 },
      { file: "sast-15.json", version: "schema 15.x SAST (Semgrep analyzer 4)", count: 2 },
      {
        file: "dependency-scanning-15.json",
        version: "schema 15.x dependency scanning (Gemnasium 5)",
        count: 2,
      },
      {
        file: "container-scanning-15.json",
        version: "schema 15.x container scanning (Trivy 0.48)",
        count: 1,
      },
      { file: "secret-detection-15.json", version: "schema 15.x secret detection (Gitleaks 8.18)", count: 1 },
      { file: "dast-15.json", version: "schema 15.x DAST", count: 1 },
    ],
  },
  "aws-securityhub-asff": {
    empty: [
      { file: "empty-get-findings.json", how: "detected" },
      { file: "empty-trivy-template-findings.json", how: "detected" },
      { file: "empty-trivy-template.json", how: "declared" },
    ],
    versions: [
      {
        file: "trivy-template.json",
        version: "ASFF 2018-10-08, bare array (Trivy's older asff.tpl)",
        count: 1,
      },
      {
        file: "trivy-template-findings.json",
        version: "ASFF 2018-10-08, `Findings` (current asff.tpl)",
        count: 1,
      },
      { file: "get-findings.json", version: "ASFF 2018-10-08, `get-findings`", count: 6 },
      { file: "eventbridge-event.json", version: "EventBridge `Security Hub Findings - Imported`", count: 1 },
    ],
  },
  "github-dependabot-graphql": {
    empty: [{ file: "empty.json", how: "detected" }],
    versions: [
      {
        file: "repository.json",
        version: "GraphQL `vulnerabilityAlerts` (cvss and cvssSeverities)",
        count: 3,
      },
      { file: "organization-edges.json", version: "GraphQL organization repositories, edges", count: 1 },
      { file: "paginated-pages.jsonl", version: "GraphQL pages as JSON Lines", count: 2 },
    ],
  },
  "checkmarx-xml": {
    empty: [
      { file: "empty.xml", how: "detected" },
      { file: "empty-bare.xml", how: "detected" },
    ],
    versions: [{ file: "report-9.xml", version: "CxSAST 9.x (9.5)", count: 3 }],
  },
  "checkmarx-one-json": {
    empty: [{ file: "empty.json", how: "detected" }],
    versions: [{ file: "results.json", version: "cx CLI `results show --report-format json`", count: 5 }],
  },
  "veracode-xml": {
    empty: [{ file: "no-flaws.xml", how: "detected" }],
    versions: [{ file: "detailedreport.xml", version: "report_format_version 1.5", count: 5 }],
  },
  "nikto-json": {
    empty: [{ file: "no-findings.json", how: "detected" }],
    versions: [
      { file: "nikto-2.1.6.json", version: "2.1.6", count: 2 },
      { file: "nikto-2.5.json", version: "2.5.0", count: 3 },
    ],
  },
  "nikto-xml": {
    empty: [{ file: "nikto-2.1-no-items.xml", how: "detected" }],
    versions: [{ file: "nikto-2.5.xml", version: "2.5.0 (`<niktoscans>`)", count: 2 }],
  },
  "hadolint-json": {
    empty: [{ file: "clean.json", how: "declared" }],
    versions: [{ file: "dockerfile.json", version: "2.x", count: 6 }],
  },
  "dockle-json": {
    empty: [{ file: "clean.json", how: "detected" }],
    versions: [{ file: "image.json", version: "0.4.x", count: 4 }],
  },
  "terrascan-json": {
    empty: [{ file: "clean.json", how: "detected" }],
    versions: [{ file: "terraform.json", version: "1.x", count: 3 }],
  },
  "horusec-json": {
    empty: [{ file: "clean-2.6.json", how: "detected" }],
    versions: [{ file: "report-2.8.json", version: "v2.8", count: 3 }],
  },
  "twistlock-json": {
    empty: [{ file: "clean.json", how: "detected" }],
    versions: [{ file: "twistcli.json", version: "twistcli `images scan --output-file`", count: 4 }],
  },
  "clair-json": {
    empty: [{ file: "clean.json", how: "detected" }],
    versions: [{ file: "report.json", version: "Clair v4 (4.x)", count: 3 }],
  },
  "wapiti-json": {
    empty: [{ file: "wapiti-3.0-clean.json", how: "detected" }],
    versions: [
      { file: "wapiti-3.0-legacy-levels.json", version: "3.0.x (levels 1–3)", count: 1 },
      { file: "wapiti-3.1.json", version: "3.1.x", count: 3 },
    ],
  },
};

const ctx = { secretSalt: "conformance" };
const bytesOf = (format: string, file: string) => readFixture(`parsers/${format}/${file}`);

function expectValid(findings: unknown[]): void {
  for (const finding of findings) {
    const checked = NormalizedFinding.safeParse(finding);
    expect(checked.success, checked.success ? "" : JSON.stringify(checked.error.issues[0])).toBe(true);
  }
}

/** PowerShell's `>` (UTF-16 LE with BOM), UTF-16 BE with and without BOM, UTF-8 with BOM. */
function reEncodings(bytes: Buffer): Array<[string, Buffer]> {
  const le = Buffer.from(bytes.toString("utf8"), "utf16le");
  const be = Buffer.from(le).swap16();
  return [
    ["UTF-16 LE with BOM", Buffer.concat([Buffer.from([0xff, 0xfe]), le])],
    ["UTF-16 BE with BOM", Buffer.concat([Buffer.from([0xfe, 0xff]), be])],
    ["UTF-16 LE without BOM", le],
    ["UTF-16 BE without BOM", be],
    ["UTF-8 with BOM", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes])],
  ];
}

describe("format conformance: clean runs and versions", () => {
  it("covers every registered format with its clean runs and its versions", () => {
    for (const format of FORMATS) {
      const cases = CASES[format.id];
      expect(cases, `no conformance cases for ${format.id}`).toBeDefined();
      expect(cases?.empty.length, format.id).toBeGreaterThan(0);
      expect(cases?.versions.length, format.id).toBeGreaterThan(0);
    }
    expect(Object.keys(CASES).sort()).toEqual(FORMATS.map((f) => f.id).sort());
  });

  for (const [id, { empty, versions }] of Object.entries(CASES)) {
    describe(id, () => {
      for (const shape of empty) {
        it(`reads the clean run ${shape.file} as 0 findings (${shape.how})`, () => {
          const bytes = bytesOf(id, shape.file);
          const declared = parseReport(bytes, ctx, id);
          expect(declared).toMatchObject({ format: id, count: 0, findings: [] });
          if (shape.how === "detected") {
            expect(parseReport(bytes, ctx)).toMatchObject({ format: id, count: 0 });
          } else {
            // nothing in it names the tool: refused without --format, never guessed
            const error = parseErrorOf(() => parseReport(bytes, ctx));
            expect(error.message).toMatch(
              /^(ambiguous input: .* pass --format|the input is empty; pass --format)/,
            );
            if (error.message.startsWith("ambiguous")) expect(error.message).toContain(id);
          }
        });
      }

      for (const v of versions) {
        it(`reads ${v.file} (${v.version}) by content: ${v.count} findings`, () => {
          const bytes = bytesOf(id, v.file);
          const report = parseReport(bytes, ctx);
          expect(report.format).toBe(id);
          expect(report.count).toBe(v.count);
          expectValid(report.findings);
          expect(parseReport(bytes, ctx, id).findings).toEqual(report.findings);
        });
      }

      it("decodes every fixture the same in UTF-16 (LE, BE, with or without BOM) and UTF-8 with BOM", () => {
        for (const v of versions) {
          const bytes = bytesOf(id, v.file);
          const expected = parseReport(bytes, ctx).findings;
          for (const [encoding, encoded] of reEncodings(bytes)) {
            expect(parseReport(encoded, ctx).findings, `${v.file} in ${encoding}`).toEqual(expected);
          }
        }
      });
    });
  }

  it("refuses an empty input whose format is not declared, and for a tool that always writes a document", () => {
    for (const blank of ["", "  \r\n\t"]) {
      expect(parseErrorOf(() => parseReport(Buffer.from(blank), ctx)).message).toBe(
        "the input is empty; pass --format if your scanner writes an empty file when it finds nothing",
      );
    }
    const semgrep = parseErrorOf(() => parseReport(Buffer.from(""), ctx, "semgrep-json"));
    expect(semgrep.format).toBe("semgrep-json");
    expect(semgrep.message).toMatch(/writes a report even when it finds nothing: the scan did not finish/);
  });

  it("names every format that writes an ambiguous clean run", () => {
    const error = parseErrorOf(() => parseReport(Buffer.from("[]"), ctx));
    expect(error.message).toBe(
      "ambiguous input: a JSON array of 0 items is a report with no findings that trivy-json, " +
        "github-dependabot-json, gitleaks-json, trufflehog3-json, nuclei-json, prowler-json, " +
        "aws-securityhub-asff and hadolint-json write; pass --format",
    );
    expect(parseErrorOf(() => parseReport(Buffer.from('{"results": []}'), ctx)).message).toContain(
      "osv-scanner-json and tfsec-json write",
    );
  });

  it("refuses a clean-run shape for a declared format whose tool never writes it", () => {
    const error = parseErrorOf(() => parseReport(Buffer.from("[]"), ctx, "semgrep-json"));
    expect(error.message).toBe(
      "semgrep-json: the input is a JSON array of 0 items, not a semgrep-json report",
    );
  });
});
