/** Small SARIF 2.1.0 logs for tests that go through the real upload path. */

export interface SarifResult {
  rule: string;
  level?: "error" | "warning" | "note";
  file: string;
  line: number;
  message?: string;
  snippet?: string;
}

export function sarifLog(tool: string, results: SarifResult[], tags: string[] = []): string {
  const rules = [...new Set(results.map((r) => r.rule))].map((id) => ({
    id,
    shortDescription: { text: `${id} detected` },
    properties: { tags },
  }));
  return JSON.stringify({
    version: "2.1.0",
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    runs: [
      {
        tool: { driver: { name: tool, version: "1.0.0", rules } },
        results: results.map((r) => ({
          ruleId: r.rule,
          level: r.level ?? "warning",
          message: { text: r.message ?? `${r.rule} in ${r.file}` },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: r.file },
                region: { startLine: r.line, ...(r.snippet ? { snippet: { text: r.snippet } } : {}) },
              },
            },
          ],
        })),
      },
    ],
  });
}
