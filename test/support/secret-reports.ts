import { createHash } from "node:crypto";

/**
 * Seeded secrets and reports of every secrets-capable format that carry them everywhere the tool
 * would (issue 8, point 9): the secret field, the matched line, context lines, messages, commit
 * messages, snippets, and credential-bearing repository URLs and links. Used to show that no
 * secret survives a parse, the normalized JSON, or the pipeline's stores.
 */

/** A seeded generator (mulberry32): the same secrets on every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
/** Not a hex digit, not lowercase: a secret holding one never turns up inside a hash or an id by chance. */
const MARK = "GHJKLMNPQRSTUVWXYZ";
/** Short ones (no preview allowed) and long ones (a 4-character preview allowed). */
const LENGTHS = [4, 5, 6, 7, 8, 10, 12, 15, 16, 17, 20, 24, 32, 40, 48, 64];

export function generateSecrets(count = 50, seed = 20_250_908): string[] {
  const next = random(seed);
  const pick = (chars: string) => chars[Math.floor(next() * chars.length)] ?? "A";
  return Array.from({ length: count }, (_, i) => {
    const length = LENGTHS[i % LENGTHS.length] ?? 8;
    const chars = Array.from({ length }, () => pick(ALNUM));
    chars[0] = pick(MARK);
    chars[length - 1] = pick(MARK);
    return chars.join("");
  });
}

const sha1 = (text: string) => createHash("sha1").update(text).digest("hex");
const commit = (i: number) => sha1(`commit ${i}`);
/** A repository URL with the secret as its password, as a CI checkout leaves it. */
const repoUrl = (s: string) => `https://ci-bot:${s}@github.com/acme/payments.git`;
const link = (s: string, i: number) =>
  `https://x-access-token:${s}@github.com/acme/payments/blob/${commit(i)}/src/config.env#L${i + 1}`;

export interface SecretReport {
  /** The format id the report is in. */
  format: string;
  /** A name for the variant (several SARIF writers). */
  name: string;
  text: string;
}

function gitleaks(secrets: string[]): string {
  return JSON.stringify(
    secrets.map((s, i) => ({
      Description: "Generic API Key",
      StartLine: i + 1,
      EndLine: i + 1,
      StartColumn: 9,
      EndColumn: 9 + s.length,
      Match: `api_key=${s}`,
      Secret: s,
      File: `src/config-${i}.env`,
      SymlinkFile: "",
      Commit: commit(i),
      Link: link(s, i),
      Entropy: 4.2,
      Author: "dev",
      Email: "dev@example.com",
      Date: "2025-01-02T03:04:05Z",
      Message: `add config ${s}`,
      Tags: [],
      RuleID: "generic-api-key",
      Fingerprint: `${commit(i)}:src/config-${i}.env:generic-api-key:${i + 1}`,
    })),
  );
}

function trufflehog(secrets: string[]): string {
  const lines = secrets.map((s, i) =>
    JSON.stringify({
      SourceMetadata: {
        Data: {
          Git: {
            commit: commit(i),
            file: `src/config-${i}.env`,
            email: "dev@example.com",
            repository: repoUrl(s),
            link: link(s, i),
            timestamp: "2025-01-02 03:04:05 +0000",
            line: i + 1,
          },
        },
      },
      SourceID: 1,
      SourceType: 16,
      SourceName: "trufflehog - git",
      DetectorType: 2,
      DetectorName: "AWS",
      DetectorDescription: "AWS access keys",
      DecoderName: "PLAIN",
      Verified: i % 2 === 0,
      VerificationError: i % 3 === 0 ? `request to https://sts.amazonaws.com failed for ${s}` : undefined,
      Raw: s,
      RawV2: `${s}:${s}`,
      Redacted: s.slice(0, Math.ceil(s.length / 2)),
      ExtraData: {
        account: "123456789012",
        arn: `arn:aws:iam::123456789012:user/${s}`,
        rotation_guide: link(s, i),
      },
      StructuredData: null,
    }),
  );
  const finished = JSON.stringify({
    level: "info-0",
    ts: "2025-01-02T03:04:05Z",
    logger: "trufflehog",
    msg: "finished scanning",
    trufflehog_version: "3.88.0",
  });
  return `${[...lines, finished].join("\n")}\n`;
}

function trufflehog3(secrets: string[]): string {
  return JSON.stringify(
    secrets.map((s, i) => ({
      rule: { id: "high-entropy", message: "High entropy", severity: "MEDIUM" },
      path: `src/config-${i}.env`,
      line: String(i + 1),
      secret: s,
      context: {
        [String(i)]: "# config",
        [String(i + 1)]: `token = "${s}"`,
        [String(i + 2)]: `url = ${repoUrl(s)}`,
      },
      id: sha1(s),
      branch: "main",
      message: `rotate ${s}`,
      author: "dev",
      commit: commit(i),
      date: "2025-01-02T03:04:05",
    })),
  );
}

function trivy(secrets: string[]): string {
  return JSON.stringify({
    SchemaVersion: 2,
    ArtifactName: repoUrl(secrets[0] ?? "x"),
    ArtifactType: "repository",
    Results: secrets.map((s, i) => ({
      Target: `src/config-${i}.env`,
      Class: "secret",
      Secrets: [
        {
          RuleID: "aws-secret-access-key",
          Category: "AWS",
          Severity: "CRITICAL",
          Title: "AWS Secret Access Key",
          StartLine: i + 1,
          EndLine: i + 1,
          // Trivy masks the secret with '*'; a writer that does not must lose nothing either
          Code: {
            Lines: [
              { Number: i, Content: `# ${repoUrl(s)}`, IsCause: false },
              {
                Number: i + 1,
                Content: `aws_secret_access_key=${s}`,
                IsCause: true,
                Highlighted: `aws_secret_access_key=${s}`,
              },
            ],
          },
          Match: `aws_secret_access_key=${s}`,
        },
      ],
    })),
  });
}

function semgrep(secrets: string[]): string {
  return JSON.stringify({
    version: "1.99.0",
    results: secrets.map((s, i) => ({
      check_id: "generic.secrets.security.detected-generic-api-key",
      path: `src/config-${i}.env`,
      start: { line: i + 1, col: 9, offset: 0 },
      end: { line: i + 1, col: 9 + s.length, offset: s.length },
      extra: {
        message: `Generic API key detected: ${s}. Rotate it.`,
        severity: "ERROR",
        metadata: { category: "security", product: "secrets", confidence: "HIGH", references: [link(s, i)] },
        fingerprint: sha1(`fp ${i}`),
        lines: `api_key=${s}`,
        validation_state: i % 2 ? "CONFIRMED_VALID" : "NO_VALIDATOR",
        is_ignored: false,
        fix: `api_key=${s.slice(0, 2)}`,
      },
    })),
    errors: [],
    paths: { scanned: [] },
  });
}

function sarifLog(tool: string, rules: unknown[], results: unknown[]): string {
  return JSON.stringify({
    version: "2.1.0",
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    runs: [{ tool: { driver: { name: tool, version: "1.0.0", rules } }, results }],
  });
}

const region = (s: string, i: number, snippet: string) => ({
  physicalLocation: {
    artifactLocation: { uri: `src/config-${i}.env` },
    region: { startLine: i + 1, snippet: { text: snippet } },
  },
});

/** Gitleaks' SARIF: the secret as the snippet, commit metadata in partialFingerprints. */
function gitleaksSarif(secrets: string[]): string {
  return sarifLog(
    "gitleaks",
    [{ id: "generic-api-key", shortDescription: { text: "Generic API Key" } }],
    secrets.map((s, i) => ({
      ruleId: "generic-api-key",
      message: { text: `generic-api-key has detected secret ${s} for file src/config-${i}.env.` },
      locations: [region(s, i, s)],
      partialFingerprints: {
        commitSha: commit(i),
        email: "dev@example.com",
        author: "dev",
        commitMessage: `add ${s}`,
      },
    })),
  );
}

/** A secret scanner the parser has never heard of: its rules say so only by tags and names, with no shortDescription. */
function unknownScannerSarif(secrets: string[]): string {
  return sarifLog(
    "acme-leakfinder",
    [
      { id: "ACME-1", name: "SlackWebhook", properties: { tags: ["credential", "slack"] } },
      { id: "acme.private-key", properties: { tags: ["security"] } },
      { id: "ACME-3", name: "DatabasePassword", fullDescription: { text: "A database password in a file" } },
    ],
    secrets.map((s, i) => ({
      ruleId: ["ACME-1", "acme.private-key", "ACME-3"][i % 3],
      ruleIndex: i % 3,
      message: { text: `Found ${s} in src/config-${i}.env\nconnection: postgres://app:${s}@db:5432/app` },
      locations: [region(s, i, `password = "${s}"`)],
    })),
  );
}

/** A SAST rule for hard-coded credentials (CodeQL's shape): the message quotes the value. */
function hardcodedCredentialSarif(secrets: string[]): string {
  return sarifLog(
    "CodeQL",
    [
      {
        id: "js/hardcoded-credentials",
        name: "js/hardcoded-credentials",
        properties: { tags: ["security", "external/cwe/cwe-798"], "security-severity": "9.8" },
      },
    ],
    secrets.map((s, i) => ({
      ruleId: "js/hardcoded-credentials",
      message: { text: `The hard-coded value "${s}" is used as password.` },
      locations: [region(s, i, `const password = "${s}";`)],
    })),
  );
}

function checkov(secrets: string[]): string {
  return JSON.stringify({
    check_type: "secrets",
    results: {
      passed_checks: [],
      failed_checks: secrets.map((s, i) => ({
        check_id: "CKV_SECRET_6",
        bc_check_id: "BC_GIT_6",
        check_name: "Base64 High Entropy String",
        check_result: { result: "FAILED" },
        // Checkov censors all but a prefix; a writer that does not must lose nothing either
        code_block: [[i + 1, `secret = "${s}"\n`]],
        file_path: `/src/config-${i}.env`,
        file_abs_path: `/repo/src/config-${i}.env`,
        repo_file_path: `/src/config-${i}.env`,
        file_line_range: [i + 1, i + 1],
        resource: sha1(s),
        evaluations: null,
        check_class: "checkov.secrets.plugins.entropy_keyword_combinator",
        severity: null,
        validation_status: "UNAVAILABLE",
      })),
      skipped_checks: [],
      parsing_errors: [],
    },
    summary: {
      passed: 0,
      failed: secrets.length,
      skipped: 0,
      parsing_errors: 0,
      resource_count: 1,
      checkov_version: "3.2.0",
    },
  });
}

function bandit(secrets: string[]): string {
  return JSON.stringify({
    errors: [],
    generated_at: "2025-01-02T03:04:05Z",
    metrics: {},
    results: secrets.map((s, i) => ({
      code: `${i + 1} password = '${s}'\n`,
      col_offset: 11,
      filename: `app/settings_${i}.py`,
      issue_confidence: "MEDIUM",
      issue_cwe: { id: 259, link: "https://cwe.mitre.org/data/definitions/259.html" },
      issue_severity: "LOW",
      issue_text: `Possible hardcoded password: '${s}'`,
      line_number: i + 1,
      line_range: [i + 1],
      more_info: "https://bandit.readthedocs.io/en/1.7.9/plugins/b105_hardcoded_password_string.html",
      test_id: "B105",
      test_name: "hardcoded_password_string",
    })),
  });
}

function gosec(secrets: string[]): string {
  return JSON.stringify({
    "Golang errors": {},
    Issues: secrets.map((s, i) => ({
      severity: "HIGH",
      confidence: "LOW",
      cwe: { id: "798", url: "https://cwe.mitre.org/data/definitions/798.html" },
      rule_id: "G101",
      details: "Potential hardcoded credentials",
      file: `/repo/cmd/config_${i}.go`,
      code: `${i + 1}: const password = "${s}"\n`,
      line: String(i + 1),
      column: "7",
      nosec: false,
    })),
    Stats: { files: 1, lines: 10, nosec: 0, found: secrets.length },
    GosecVersion: "2.21.4",
  });
}

export function secretReports(secrets: string[]): SecretReport[] {
  return [
    { format: "gitleaks-json", name: "gitleaks", text: gitleaks(secrets) },
    { format: "trufflehog-json", name: "trufflehog", text: trufflehog(secrets) },
    { format: "trufflehog3-json", name: "trufflehog3", text: trufflehog3(secrets) },
    { format: "trivy-json", name: "trivy secrets", text: trivy(secrets) },
    { format: "semgrep-json", name: "semgrep secrets", text: semgrep(secrets) },
    { format: "sarif", name: "gitleaks sarif", text: gitleaksSarif(secrets) },
    { format: "sarif", name: "unknown secret scanner sarif", text: unknownScannerSarif(secrets) },
    { format: "sarif", name: "hard-coded credential sarif", text: hardcodedCredentialSarif(secrets) },
    { format: "checkov-json", name: "checkov secrets", text: checkov(secrets) },
    { format: "bandit-json", name: "bandit hardcoded passwords", text: bandit(secrets) },
    { format: "gosec-json", name: "gosec hardcoded credentials", text: gosec(secrets) },
  ];
}

/** Every seeded secret found in the text, in clear. */
export function secretsIn(text: string, secrets: readonly string[]): string[] {
  return secrets.filter((s) => text.includes(s));
}
