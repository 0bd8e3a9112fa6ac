import type { NormalizedFinding, Severity } from "#shared/domain/finding";
import { hashSnippet } from "#shared/domain/snippet";
import { makeFinding } from "#shared/parsers/finding-builder";

/** Small builders for normalized findings in tests: only what a test cares about differs. */
export function sastFinding(
  n: number,
  over: {
    tool?: string;
    rule?: string;
    file?: string;
    line?: number;
    cwe?: string;
    severity?: Severity;
    snippet?: string;
  } = {},
): NormalizedFinding {
  return makeFinding({
    category: "sast",
    tool: { name: over.tool ?? "semgrep", version: "1.0.0" },
    rule: { id: over.rule ?? `rule-${n % 7}` },
    title: `Problem ${n}`,
    severity: over.severity ?? "medium",
    cwes: [over.cwe ?? "CWE-89"],
    location: {
      file: over.file ?? `src/module-${Math.floor(n / 10)}/file-${n}.ts`,
      startLine: over.line ?? 10 + (n % 50),
      snippetHash: hashSnippet(over.snippet ?? `query("select * from t where id=" + input${n})`),
    },
  });
}

export function scaFinding(
  cve: string,
  pkg: string,
  over: {
    tool?: string;
    version?: string;
    fixed?: string[];
    severity?: Severity;
    aliases?: string[];
    purlType?: string;
  } = {},
): NormalizedFinding {
  const type = over.purlType ?? "npm";
  return makeFinding({
    category: "sca",
    tool: { name: over.tool ?? "trivy" },
    rule: { id: cve },
    title: `${cve} in ${pkg}`,
    severity: over.severity ?? "high",
    vulnerability: { id: cve, aliases: over.aliases ?? [] },
    package: {
      name: pkg,
      version: over.version ?? "1.0.0",
      purl: `pkg:${type}/${pkg}@${over.version ?? "1.0.0"}`,
      ecosystem: type,
      fixedVersions: over.fixed ?? ["1.0.1"],
    },
    location: { file: "package-lock.json" },
  });
}

export function manySast(count: number, tool = "semgrep"): NormalizedFinding[] {
  return Array.from({ length: count }, (_, i) => sastFinding(i, { tool }));
}
