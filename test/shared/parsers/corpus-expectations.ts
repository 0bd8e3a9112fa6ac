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
  // --- SAST and secrets formats ---
  // --- IaC, DAST and cloud formats ---
};
