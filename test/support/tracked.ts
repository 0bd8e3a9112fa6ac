import type { Severity } from "#shared/domain/finding";
import { type Score, TrackedFinding } from "#shared/domain/tracked-finding";

/**
 * Builders for tracked findings (the correlated, stored shape) in unit tests: valid by the zod
 * schema, with only what a test cares about differing.
 */
export type TrackedOverrides = Partial<TrackedFinding> & { findingId: string };

export function tracked(over: TrackedOverrides): TrackedFinding {
  return TrackedFinding.parse({
    category: "sast",
    title: `Finding ${over.findingId}`,
    severity: "high",
    rule: { id: "rule-1" },
    cwes: [],
    location: {},
    references: [],
    appId: "payments",
    correlationKey: `key-${over.findingId}`,
    status: "open",
    firstSeenAt: "2026-01-01T00:00:00.000Z",
    reopenCount: 0,
    sources: {},
    contentHash: "0000",
    team: "team-a",
    ...over,
  });
}

export function score(priority: Score["priority"], over: Partial<Score> = {}): Score {
  return {
    risk: 50,
    decision: "Attend",
    priority,
    dueAt: "2026-02-01T00:00:00.000Z",
    factors: [],
    ...over,
  };
}

export function scaTracked(
  findingId: string,
  pkg: string,
  fixedVersions: string[],
  over: Partial<TrackedFinding> & { version?: string; purlType?: string } = {},
): TrackedFinding {
  const { version = "1.0.0", purlType = "npm", ...rest } = over;
  const cve = `CVE-2026-${findingId.replace(/\D/g, "").padStart(4, "1")}`;
  return tracked({
    findingId,
    category: "sca",
    title: `${cve} in ${pkg}`,
    severity: "high" satisfies Severity,
    rule: { id: cve },
    vulnerability: { id: cve, aliases: [] },
    package: {
      name: pkg,
      version,
      purl: `pkg:${purlType}/${pkg}@${version}`,
      ecosystem: purlType,
      fixedVersions,
    },
    location: { file: "package-lock.json" },
    ...rest,
  });
}

export function sastTracked(
  findingId: string,
  rule: string,
  file: string,
  over: Partial<TrackedFinding> = {},
): TrackedFinding {
  return tracked({
    findingId,
    category: "sast",
    title: `SQL injection (${findingId})`,
    rule: { id: rule, name: `Rule ${rule}` },
    cwes: ["CWE-89"],
    location: { file, startLine: 10 },
    ...over,
  });
}

export function secretTracked(
  findingId: string,
  hash: string,
  file: string,
  over: Partial<TrackedFinding> = {},
): TrackedFinding {
  return tracked({
    findingId,
    category: "secret",
    severity: "critical",
    title: "AWS access key",
    rule: { id: "aws-access-key", name: "AWS access key" },
    secret: { hash: hash.padEnd(64, "0").slice(0, 64), preview: "AKIA…(20)" },
    location: { file, startLine: 3 },
    ...over,
  });
}
