/**
 * What each corpus file must parse to: our format id and our finding count. Where our emission
 * rule differs from MANIFEST.tsv's counting, `rule` says how and why; otherwise the count must
 * equal the manifest's.
 */
export interface CorpusExpectation {
  format: string;
  count: number;
  rule?: string;
}

export const CORPUS_EXPECTATIONS: Record<string, CorpusExpectation> = {
  // --- SARIF ---
  "sarif/checkov-3.2.495-terraform.sarif": { format: "sarif", count: 11 },
  "sarif/codeql-2.0.0-and-lgtm-codeql-action-testdata.sarif": { format: "sarif", count: 3 },
  "sarif/codeql-2.12.6-javascript-vulnerable-node.sarif": { format: "sarif", count: 28 },
  "sarif/gitleaks-v8-simple.sarif": { format: "sarif", count: 1 },
  "sarif/semgrep-dataflow-traces.sarif": { format: "sarif", count: 1 },
  "sarif/trivy-image-alpine-3.10.sarif": { format: "sarif", count: 4 },
  // --- SCA and container formats ---
  "trivy-json/trivy-config-helm-misconfigs.json": { format: "trivy-json", count: 18 },
  "trivy-json/trivy-config-terraform-remote-module-misconfigs.json": { format: "trivy-json", count: 3 },
  "trivy-json/trivy-fs-gomod-with-vex.json": { format: "trivy-json", count: 4 },
  "trivy-json/trivy-fs-npm-lockfile-vulns.json": { format: "trivy-json", count: 1 },
  "trivy-json/trivy-fs-secrets.json": { format: "trivy-json", count: 2 },
  "trivy-json/trivy-image-alpine-3.9-vulns.json": { format: "trivy-json", count: 6 },
  "grype-json/grype-image-chainguard-ruby.json": { format: "grype-json", count: 3 },
  "grype-json/grype-image-ghsa-test.json": { format: "grype-json", count: 2 },
  "grype-json/grype-image-keycloak-21.0.2-rhel9.json": { format: "grype-json", count: 6 },
  "grype-json/grype-presenter-snapshot-image.json": { format: "grype-json", count: 2 },
  "snyk-json/snyk-container-test-apk-app-vulns.json": {
    format: "snyk-json",
    count: 8,
    rule: "one finding per vulnerability+package@version per project, not per dependency path (14 paths): 1 OS + 7 app",
  },
  "snyk-json/snyk-test-npm-all-projects-array.json": {
    format: "snyk-json",
    count: 9,
    rule: "one finding per vulnerability+package@version per project, not per dependency path (15 paths): 7 + 2",
  },
  "snyk-json/snyk-test-npm-single-project.json": {
    format: "snyk-json",
    count: 7,
    rule: "one finding per vulnerability+package@version, not per dependency path (11 paths); path count kept as a tag",
  },
  "snyk-json/snyk-test-rubygems-no-vulns.json": { format: "snyk-json", count: 0 },
  "snyk-json/snyk-test-rubygems-with-ignores.json": {
    format: "snyk-json",
    count: 6,
    rule: "4 vulnerability+package findings (5 paths) plus the 2 filtered.ignore issues kept as suppressed findings",
  },
  "snyk-json/snyk-test-sbt-maven-struts.json": {
    format: "snyk-json",
    count: 30,
    rule: "one finding per vulnerability+package@version, not per dependency path (31 paths)",
  },
  "osv-scanner-json/osv-scanner-cargo-lock-multiple-packages.json": {
    format: "osv-scanner-json",
    count: 3,
    rule: "one finding per package and OSV alias group (GHSA+RUSTSEC+CVE are one vulnerability), not per record (6)",
  },
  "osv-scanner-json/osv-scanner-gomod-and-cargo.json": {
    format: "osv-scanner-json",
    count: 2,
    rule: "one finding per package and OSV alias group, not per record (4)",
  },
  "osv-scanner-json/osv-scanner-multi-source-debian-filter-input.json": {
    format: "osv-scanner-json",
    count: 11,
    rule: "one finding per source, package and OSV alias group, not per record (17)",
  },
  "osv-scanner-json/osv-scanner-v2-gomod-stdlib-real-run.json": { format: "osv-scanner-json", count: 3 },
  "npm-audit-json/npm-audit-v2-189-vulns.json": {
    format: "npm-audit-json",
    count: 106,
    rule: "one finding per package+advisory (106 advisories); the 127 packages vulnerable only through others are the chain, not findings",
  },
  "npm-audit-json/npm-audit-v2-32-vulns-with-cvss-cwe.json": {
    format: "npm-audit-json",
    count: 19,
    rule: "one finding per package+advisory (19 advisories); the 21 packages vulnerable only through others are the chain, not findings",
  },
  "npm-audit-json/npm-audit-v2-all-severities-legacy-advisory-ids.json": {
    format: "npm-audit-json",
    count: 18,
    rule: "one finding per package+advisory: 18 advisories on 10 packages; the 6 packages vulnerable only through others are not findings",
  },
  "npm-audit-json/npm-audit-v2-zero-vulns.json": { format: "npm-audit-json", count: 0 },
  "dependency-check-json/dependency-check-12.0.2-report.json": { format: "dependency-check-json", count: 45 },
  "dependency-check-json/dependency-check-6.4.1-golang-report.json": {
    format: "dependency-check-json",
    count: 34,
  },
  "dependency-check-json/dependency-check-7.1.1-maven-report.json": {
    format: "dependency-check-json",
    count: 6,
  },
  "cyclonedx-json/depscan-5.0.4-cdxgen-vdr-cdx1.5.json": { format: "cyclonedx-json", count: 2 },
  "cyclonedx-json/depscan-cdxgen-7.0.4-crapi-vex-cdx1.4.json": { format: "cyclonedx-json", count: 38 },
  "cyclonedx-json/grype-presenter-snapshot-image-vulns.cdx.json": { format: "cyclonedx-json", count: 2 },
  "cyclonedx-json/trivy-pom-cyclonedx-with-vulns.cdx.json": { format: "cyclonedx-json", count: 2 },
  // --- SAST and secrets formats ---
  "bandit-json/bandit-1.9.4-516-findings-with-high.json": { format: "bandit-json", count: 516 },
  "bandit-json/bandit-1.9.4-small-flask-app.json": { format: "bandit-json", count: 3 },
  "bandit-json/bandit-1.9.4-windows-paths-156-findings.json": { format: "bandit-json", count: 156 },
  "gitleaks-json/gitleaks-86-findings-unredacted.json": { format: "gitleaks-json", count: 86 },
  "gitleaks-json/gitleaks-baseline-redacted-own-repo.json": { format: "gitleaks-json", count: 2 },
  "gitleaks-json/gitleaks-report-presenter-simple.json": { format: "gitleaks-json", count: 1 },
  "gosec-json/gosec-2.22.0-damn-vulnerable-golang.json": { format: "gosec-json", count: 20 },
  "gosec-json/gosec-dev-gh-aw-threat-detection-38-issues.json": { format: "gosec-json", count: 38 },
  "gosec-json/gosec-dev-small-2-issues.json": { format: "gosec-json", count: 2 },
  "semgrep-json/semgrep-1.154.0-juice-shop-with-errors-and-timing.json": {
    format: "semgrep-json",
    count: 25,
  },
  "semgrep-json/semgrep-autofix-dryrun-django.json": { format: "semgrep-json", count: 2 },
  "semgrep-json/semgrep-nosem-disabled-28-findings.json": { format: "semgrep-json", count: 28 },
  "semgrep-json/semgrep-registry-metadata-with-error.json": { format: "semgrep-json", count: 1 },
  "semgrep-json/semgrep-taint-dataflow-traces.json": { format: "semgrep-json", count: 1 },
  "trufflehog-json/trufflehog-filesystem-windows-paths.jsonl": { format: "trufflehog-json", count: 916 },
  "trufflehog-json/trufflehog-git-owasp-wrongsecrets.jsonl": { format: "trufflehog-json", count: 26 },
  "trufflehog-json/trufflehog-gitlab-source.jsonl": { format: "trufflehog-json", count: 20 },
  // --- IaC, DAST and cloud formats ---
  "checkov-json/checkov-3.2.405-multi-framework-array.json": { format: "checkov-json", count: 8 },
  "checkov-json/checkov-3.2.495-terraform.json": { format: "checkov-json", count: 11 },
  "checkov-json/checkov-3.3.0-terraform-azure.json": { format: "checkov-json", count: 20 },
  "kics-json/kics-dev-github-action-repo-2336-findings.json": { format: "kics-json", count: 2336 },
  "kics-json/kics-snapshot-zero-findings.json": { format: "kics-json", count: 0 },
  "nuclei-jsonl/nuclei-jsonl-v2-info-findings.jsonl": { format: "nuclei-json", count: 4 },
  "nuclei-jsonl/nuclei-v3-json-export-array-ginandjuice.json": { format: "nuclei-json", count: 25 },
  "zap-json/zap-2.12.0-baseline-itsecgames.json": {
    format: "zap-json",
    count: 49,
    rule: "one finding per alert instance (distinct method+URL+param), the DAST identity; the manifest counts 8 alert types (49 instances)",
  },
  "zap-json/zap-2.14.0-altoro-testfire-with-high.json": {
    format: "zap-json",
    count: 55,
    rule: "one finding per distinct method+URL+param of each alert: 35 from 16 alerts (52 instances, 17 repeat a triple with another attack/evidence) plus 20 suppressed from 8 ignoredAlerts; the manifest counts 16 alert types",
  },
  "zap-json/zap-2.14.0-baseline-low-medium.json": {
    format: "zap-json",
    count: 22,
    rule: "one finding per alert instance (distinct method+URL+param), the DAST identity; the manifest counts 10 alert types (22 instances)",
  },
};
