import type { NormalizedFinding } from "#shared/domain/finding";
import { parseReport } from "#shared/parsers/registry";

/**
 * Synthetic reports for the benchmark: realistic field shapes, deterministic content, any size.
 * Generated, never read from the corpus.
 */

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const WORDS = [
  "user",
  "input",
  "query",
  "request",
  "token",
  "session",
  "payload",
  "buffer",
  "handler",
  "router",
  "cache",
  "config",
];

/** A SARIF 2.1.0 log shaped like CodeQL output, about `targetBytes` long. */
export function sarifReport(targetBytes: number, seed = 1, count = Number.POSITIVE_INFINITY): string {
  const rnd = lcg(seed);
  const rules = Array.from({ length: 60 }, (_, i) => ({
    id: `js/rule-${i}`,
    name: `js/rule-${i}`,
    shortDescription: { text: `Rule ${i}: ${WORDS[i % WORDS.length]} flows into a sensitive sink` },
    fullDescription: {
      text: `A longer description of rule ${i} explaining the weakness and its impact in some detail.`,
    },
    defaultConfiguration: { level: i % 3 === 0 ? "error" : "warning" },
    properties: {
      tags: ["security", `external/cwe/cwe-${String(79 + (i % 20)).padStart(3, "0")}`],
      "security-severity": String(((i * 7) % 100) / 10),
      precision: "high",
    },
  }));
  const results: string[] = [];
  let size = 0;
  for (let i = 0; count === Number.POSITIVE_INFINITY ? size < targetBytes : i < count; i++) {
    const ruleIndex = Math.floor(rnd() * rules.length);
    const line = 1 + Math.floor(rnd() * 2000);
    const word = WORDS[i % WORDS.length];
    const result = JSON.stringify({
      ruleId: rules[ruleIndex]?.id,
      ruleIndex,
      message: { text: `This ${word} depends on a user-provided value (${i}).` },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: `src/module-${i % 300}/${word}-${i % 97}.js`, uriBaseId: "%SRCROOT%" },
            region: {
              startLine: line,
              startColumn: 5,
              endLine: line,
              endColumn: 42,
              snippet: { text: `  const ${word} = req.query.${word}${i % 13};` },
            },
          },
        },
      ],
      partialFingerprints: {
        primaryLocationLineHash: `${((i * 2654435761) >>> 0).toString(16).padStart(8, "0")}${((line * 40503) >>> 0).toString(16)}:1`,
      },
      codeFlows: [
        {
          threadFlows: [
            {
              locations: [
                {
                  location: {
                    physicalLocation: {
                      artifactLocation: { uri: `src/module-${i % 300}/source.js` },
                      region: { startLine: line - 3 },
                    },
                  },
                },
              ],
            },
          ],
        },
      ],
    });
    results.push(result);
    size += result.length + 1;
  }
  return `{"$schema":"https://json.schemastore.org/sarif-2.1.0.json","version":"2.1.0","runs":[{"tool":{"driver":{"name":"CodeQL","semanticVersion":"2.19.3","rules":${JSON.stringify(rules)}}},"results":[${results.join(",")}]}]}`;
}

/** A Trivy JSON report (image scan) about `targetBytes` long. */
export function trivyReport(targetBytes: number, seed = 2): string {
  const rnd = lcg(seed);
  const vulns: string[] = [];
  let size = 0;
  for (let i = 0; size < targetBytes; i++) {
    const pkg = `lib${WORDS[i % WORDS.length]}${i % 500}`;
    const year = 2015 + (i % 10);
    const v = JSON.stringify({
      VulnerabilityID: `CVE-${year}-${10000 + i}`,
      PkgID: `${pkg}@1.${i % 9}.${i % 7}`,
      PkgName: pkg,
      PkgIdentifier: { PURL: `pkg:deb/debian/${pkg}@1.${i % 9}.${i % 7}?arch=amd64&distro=debian-12` },
      InstalledVersion: `1.${i % 9}.${i % 7}`,
      FixedVersion: rnd() < 0.7 ? `1.${i % 9}.${(i % 7) + 1}` : "",
      Status: "fixed",
      Layer: { DiffID: `sha256:${((i * 2654435761) >>> 0).toString(16).padStart(64, "0")}` },
      SeveritySource: "nvd",
      PrimaryURL: `https://avd.aquasec.com/nvd/cve-${year}-${10000 + i}`,
      DataSource: {
        ID: "debian",
        Name: "Debian Security Tracker",
        URL: "https://salsa.debian.org/security-tracker-team/security-tracker",
      },
      Title: `${pkg}: a flaw in ${WORDS[(i + 3) % WORDS.length]} handling`,
      Description: `A flaw was found in ${pkg} where a crafted ${WORDS[(i + 5) % WORDS.length]} could lead to memory corruption or denial of service.`,
      Severity: ["LOW", "MEDIUM", "HIGH", "CRITICAL"][Math.floor(rnd() * 4)],
      CweIDs: [`CWE-${119 + (i % 10)}`],
      VendorSeverity: { debian: 1 + (i % 3), nvd: 2 + (i % 2) },
      CVSS: { nvd: { V3Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", V3Score: 9.8 } },
      References: [`https://security-tracker.debian.org/tracker/CVE-${year}-${10000 + i}`],
      PublishedDate: "2023-01-01T00:00:00Z",
      LastModifiedDate: "2024-01-01T00:00:00Z",
    });
    vulns.push(v);
    size += v.length + 1;
  }
  return `{"SchemaVersion":2,"CreatedAt":"2026-11-20T10:00:00Z","ArtifactName":"registry.example.com/shop:1.0","ArtifactType":"container_image","Metadata":{"OS":{"Family":"debian","Name":"12.7"}},"Results":[{"Target":"registry.example.com/shop:1.0 (debian 12.7)","Class":"os-pkgs","Type":"debian","Vulnerabilities":[${vulns.join(",")}]}]}`;
}

/** `n` distinct normalized findings, as the SARIF parser makes them from a generated report. */
export function sarifResults(n: number, seed = 7): NormalizedFinding[] {
  return parseReport(Buffer.from(sarifReport(0, seed, n)), { secretSalt: "bench" }).findings;
}
