import { describe, expect, it } from "vitest";
import { analysisOf, cycloneDx16 } from "#shared/domain/sbom";
import type { TrackedFinding } from "#shared/domain/tracked-finding";

const now = new Date("2026-12-10T00:00:00Z");
const finding = (over: Partial<TrackedFinding> = {}): TrackedFinding => ({
  category: "sca",
  title: "CVE-2021-44228 in log4j-core@2.14.1",
  severity: "critical",
  rule: { id: "CVE-2021-44228" },
  cwes: ["CWE-502"],
  location: {},
  references: [],
  vulnerability: { id: "CVE-2021-44228", aliases: [] },
  package: {
    name: "org.apache.logging.log4j:log4j-core",
    ecosystem: "maven",
    version: "2.14.1",
    purl: "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",
    fixedVersions: ["2.17.1"],
  },
  findingId: "0123456789abcdef",
  appId: "web",
  cve: "CVE-2021-44228",
  correlationKey: "k",
  status: "open",
  firstSeenAt: "2026-12-01T00:00:00Z",
  reopenCount: 0,
  sources: {},
  contentHash: "h",
  team: "t",
  ...over,
});

describe("VEX analysis from people's decisions", () => {
  it.each([
    [
      { triage: { status: "false_positive" as const, note: "not loaded", by: "a", at: "" } },
      { state: "false_positive", detail: "not loaded" },
    ],
    [
      { triage: { status: "mitigated" as const, note: "WAF", by: "a", at: "" }, status: "resolved" as const },
      { state: "not_affected", justification: "protected_by_mitigating_control", detail: "WAF" },
    ],
    [
      { exception: { id: "EX-1", reason: "accepted", expiresAt: "2027-01-01T00:00:00Z" } },
      {
        state: "exploitable",
        response: ["will_not_fix"],
        detail: "risk accepted until 2027-01-01: accepted",
      },
    ],
    [{ exception: { id: "EX-1", reason: "old", expiresAt: "2026-01-01T00:00:00Z" } }, { state: "in_triage" }],
    [{ status: "resolved" as const }, { state: "resolved" }],
    [{ triage: { status: "confirmed" as const, by: "a", at: "" } }, { state: "exploitable" }],
    [{}, { state: "in_triage" }],
  ])("%j", (over, analysis) => {
    expect(analysisOf(finding(over), now)).toEqual(analysis);
  });
});

describe("cycloneDx16", () => {
  it("lists components, adds the affected package when the inventory lacks it, and links affects to bom-refs", () => {
    const bom = cycloneDx16({
      appId: "web",
      appName: "Web",
      components: [{ name: "lodash", ecosystem: "npm", version: "4.17.21", purl: "pkg:npm/lodash@4.17.21" }],
      findings: [finding(), finding({ findingId: "fedcba9876543210", status: "resolved" })],
      now,
      serial: "00000000-0000-4000-8000-000000000000",
    });
    expect(bom).toMatchObject({ bomFormat: "CycloneDX", specVersion: "1.6", version: 1 });
    const components = bom.components as Array<Record<string, unknown>>;
    expect(components.map((c) => c.purl)).toEqual([
      "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",
      "pkg:npm/lodash@4.17.21",
    ]);
    expect(components[0]).toMatchObject({ group: "org.apache.logging.log4j", name: "log4j-core" });
    const vulns = bom.vulnerabilities as Array<Record<string, unknown>>;
    // the resolved-by-scan finding is not a known vulnerability any more
    expect(vulns).toHaveLength(1);
    expect(vulns[0]).toMatchObject({
      "bom-ref": "web:0123456789abcdef",
      id: "CVE-2021-44228",
      cwes: [502],
      affects: [{ ref: "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1" }],
    });
  });
});
