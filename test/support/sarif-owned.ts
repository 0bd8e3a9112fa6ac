/** (ownership tests) A minimal SARIF 2.1.0 log with results at chosen files: what a test needs to drive the real pipeline. */
export interface SarifResultSpec {
  rule: string;
  file: string;
  line?: number;
  level?: "error" | "warning" | "note";
  cwe?: string;
}

export function sarifLog(tool: string, results: readonly SarifResultSpec[]): string {
  const rules = [...new Map(results.map((r) => [r.rule, r])).values()].map((r) => ({
    id: r.rule,
    name: r.rule,
    shortDescription: { text: `${r.rule} finding` },
    properties: { tags: ["security", `external/cwe/${(r.cwe ?? "CWE-89").toLowerCase()}`] },
  }));
  return JSON.stringify({
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: { driver: { name: tool, version: "1.0.0", rules } },
        results: results.map((r, i) => ({
          ruleId: r.rule,
          level: r.level ?? "error",
          message: { text: `${r.rule} in ${r.file}` },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: r.file },
                region: { startLine: r.line ?? 10 + i, snippet: { text: `line ${i} of ${r.file}` } },
              },
            },
          ],
        })),
      },
    ],
  });
}
