import { type Component, componentId } from "./component.ts";
import { findingRef } from "./finding-query.ts";
import type { TrackedFinding } from "./tracked-finding.ts";

/**
 * An app's SBOM as CycloneDX 1.6 JSON: the components its tracked scans showed, and its known
 * vulnerabilities with VEX analysis from what people decided (triage and exceptions), so a consumer
 * of the SBOM sees "false positive" or "not affected: mitigating control" where we do.
 */

type Json = Record<string, unknown>;

export interface SbomInput {
  appId: string;
  appName: string;
  components: readonly Component[];
  findings: readonly TrackedFinding[];
  now: Date;
  serial: string;
}

function bomRef(c: Component): string {
  return c.purl ?? `${c.ecosystem ? `${c.ecosystem}/` : ""}${c.name}@${c.version ?? ""}`;
}

function componentJson(c: Component): Json {
  const [group, name] =
    c.ecosystem === "maven" && c.name.includes(":") ? c.name.split(":", 2) : [undefined, c.name];
  return {
    type: "library",
    "bom-ref": bomRef(c),
    ...(group ? { group } : {}),
    name: name ?? c.name,
    ...(c.version ? { version: c.version } : {}),
    ...(c.purl ? { purl: c.purl } : {}),
  };
}

/** CycloneDX analysis (VEX) for a finding: people's decisions first, then the lifecycle. */
export function analysisOf(f: TrackedFinding, now: Date): Json {
  const note = f.triage?.note;
  if (f.triage?.status === "false_positive")
    return { state: "false_positive", ...(note ? { detail: note } : {}) };
  if (f.triage?.status === "mitigated")
    return {
      state: "not_affected",
      justification: "protected_by_mitigating_control",
      ...(note ? { detail: note } : {}),
    };
  if (f.exception && Date.parse(f.exception.expiresAt) > now.getTime())
    return {
      state: "exploitable",
      response: ["will_not_fix"],
      detail: `risk accepted until ${f.exception.expiresAt.slice(0, 10)}: ${f.exception.reason}`,
    };
  if (f.status === "resolved") return { state: "resolved" };
  if (f.triage?.status === "confirmed") return { state: "exploitable", ...(note ? { detail: note } : {}) };
  return { state: "in_triage" };
}

const CVSS_METHOD: Record<string, string> = {
  "2.0": "CVSSv2",
  "3.0": "CVSSv3",
  "3.1": "CVSSv31",
  "4.0": "CVSSv4",
};

export function cycloneDx16(input: SbomInput): Json {
  const components = new Map<string, Component>();
  for (const c of input.components) components.set(componentId(c), c);
  const vulnerable = input.findings.filter(
    (f) =>
      (f.category === "sca" || f.category === "container") &&
      f.vulnerability &&
      (f.status === "open" || f.triage?.status === "false_positive" || f.triage?.status === "mitigated"),
  );
  const vulnerabilities: Json[] = [];
  for (const f of vulnerable) {
    const pkg = f.package;
    const affected: Component | undefined = pkg
      ? {
          name: pkg.name,
          ...(pkg.purl ? { purl: pkg.purl } : {}),
          ...(pkg.ecosystem ? { ecosystem: pkg.ecosystem } : {}),
          ...(pkg.version ? { version: pkg.version } : {}),
        }
      : undefined;
    if (affected && !components.has(componentId(affected))) components.set(componentId(affected), affected);
    const cwes = f.cwes.map((c) => Number(c.replace(/^CWE-/, ""))).filter((n) => Number.isInteger(n));
    vulnerabilities.push({
      "bom-ref": findingRef(f.appId, f.findingId),
      id: f.cve ?? f.vulnerability?.id,
      ratings: [
        {
          severity: f.severity,
          ...(f.cvss?.score !== undefined ? { score: f.cvss.score } : {}),
          ...(f.cvss ? { method: CVSS_METHOD[f.cvss.version] ?? "other" } : {}),
          ...(f.cvss?.vector ? { vector: f.cvss.vector } : {}),
        },
      ],
      ...(cwes.length ? { cwes } : {}),
      description: f.title,
      ...(f.remediation ? { recommendation: f.remediation } : {}),
      analysis: analysisOf(f, input.now),
      ...(affected ? { affects: [{ ref: bomRef(affected) }] } : {}),
    });
  }
  return {
    bomFormat: "CycloneDX",
    specVersion: "1.6",
    serialNumber: `urn:uuid:${input.serial}`,
    version: 1,
    metadata: {
      timestamp: input.now.toISOString(),
      tools: { components: [{ type: "application", name: "aspm" }] },
      component: { type: "application", "bom-ref": `app:${input.appId}`, name: input.appName },
    },
    components: [...components.values()]
      .sort((a, b) => bomRef(a).localeCompare(bomRef(b)))
      .map(componentJson),
    vulnerabilities,
  };
}
