import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { PREVIEW_MIN_LENGTH } from "#shared/domain/secret";
import { parseReport } from "#shared/parsers/registry";
import { gzipJson } from "#shared/store/blob-store";
import { generateSecrets, secretReports, secretsIn } from "#test/support/secret-reports";

/**
 * Issue 8, point 9: 50 seeded secrets (4 to 64 characters) in reports of every secrets-capable
 * format, everywhere the tool puts them. None may survive the parse or the normalized JSON that
 * normalize writes (gzipped, as stored). The pipeline's stores are checked end to end in
 * test/e2e/secrets.e2e.test.ts.
 */

const SECRETS = generateSecrets();
const CTX = { secretSalt: "leak-test" };

describe("secrets never leave a parser in clear", () => {
  it("seeds 50 distinct secrets, short and long", () => {
    expect(new Set(SECRETS).size).toBe(50);
    expect(SECRETS.some((s) => s.length < 8)).toBe(true);
    expect(SECRETS.some((s) => s.length >= 48)).toBe(true);
  });

  for (const report of secretReports(SECRETS)) {
    it(`${report.name} (${report.format}): 50 findings, not one secret in the normalized JSON`, () => {
      // the seeded text does carry every secret
      expect(secretsIn(report.text, SECRETS)).toHaveLength(50);
      const parsed = parseReport(Buffer.from(report.text), CTX, report.format);
      expect(parsed.count).toBe(50);
      // SAST tools report hard-coded passwords as code findings: only secret scanners' are secrets
      if (!/bandit|gosec/.test(report.format))
        expect(parsed.findings.every((f) => f.category === "secret")).toBe(true);
      const stored = gunzipSync(gzipJson(parsed)).toString("utf8");
      expect(secretsIn(stored, SECRETS)).toEqual([]);
      // and by content detection too, as normalize reads an upload without a format hint
      expect(secretsIn(JSON.stringify(parseReport(Buffer.from(report.text), CTX)), SECRETS)).toEqual([]);
    });
  }

  it("previews a secret only when it is at least 16 characters long, and then with 4 characters", () => {
    const report = secretReports(SECRETS).find((r) => r.format === "gitleaks-json");
    const findings = parseReport(Buffer.from(report?.text ?? ""), CTX).findings;
    findings.forEach((finding, i) => {
      const secret = SECRETS[i] ?? "";
      const preview = finding.secret?.preview ?? "";
      expect(preview).toBe(
        secret.length >= PREVIEW_MIN_LENGTH
          ? `${secret.slice(0, 4)}…(${secret.length})`
          : `…(${secret.length})`,
      );
    });
  });

  it("redacts the credentials of repository URLs and links, keeping the rest of the URL", () => {
    const report = secretReports(SECRETS).find((r) => r.format === "trufflehog-json");
    const [first] = parseReport(Buffer.from(report?.text ?? ""), CTX).findings;
    expect(first?.location.resource).toBe("https://***@github.com/acme/payments.git");
    expect(first?.references).toContain(
      `https://***@github.com/acme/payments/blob/${first?.fingerprints.commit}/src/config.env#L1`,
    );
  });
});
