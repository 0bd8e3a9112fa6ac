import { describe, expect, it } from "vitest";
import { emptyAppState } from "#shared/domain/app-state";
import { planCorrelation, type ScanInput } from "#shared/domain/correlate";
import { appSnapshot, factsOf } from "#shared/domain/posture";
import { gitleaksJson } from "#shared/parsers/gitleaks-json";
import { tracked } from "#test/support/tracked";

/**
 * The noise funnel's raw count is every observation: a scanner that reports one secret in three
 * commits made three observations of one finding (an upload said "86 → 56", the digest must not
 * say "56 raw").
 */

const scan = (n: number): ScanInput => ({
  appId: "shop",
  scanId: `scan-${n}`,
  scopeId: "gitleaks-repo-main",
  tool: { name: "gitleaks" },
  target: "repo",
  branch: "main",
  tracked: true,
  commitTime: `2026-11-0${n}T00:00:00.000Z`,
  at: `2026-11-0${n}T00:00:00.000Z`,
});

function gitleaks(copies: number) {
  const leak = (secret: string, commit: string) => ({
    RuleID: "generic-api-key",
    Description: "Detected a Generic API Key.",
    StartLine: 4,
    Secret: secret,
    File: "config.yml",
    Commit: commit,
  });
  const value = [
    ...Array.from({ length: copies }, (_, i) => leak("abcd1234efgh5678ijkl", `c${i}`)),
    leak("zzzz9999yyyy8888xxxx", "c0"),
  ];
  return gitleaksJson.parse({ syntax: "json", value }, { secretSalt: "salt" }).findings;
}

describe("noise funnel: raw counts observations, repeats within one tool included", () => {
  it("counts a tool's repeats on the finding and in the scope's manifest", () => {
    const plan = planCorrelation(emptyAppState("shop"), scan(1), gitleaks(3));
    expect(plan.counts).toMatchObject({ observations: 4, unique: 2 });
    expect(plan.observed.map((o) => o.observations).sort()).toEqual([1, 3]);
    const manifest = Object.values(plan.next.scopes["gitleaks-repo-main"]?.findings ?? {});
    expect(manifest.map((e) => e[2] ?? 1).sort()).toEqual([1, 3]);
  });

  it("a re-scan with another number of repeats updates the finding, and only that one", () => {
    const first = planCorrelation(emptyAppState("shop"), scan(1), gitleaks(3));
    const same = planCorrelation(first.next, scan(2), gitleaks(3));
    expect(same.changes).toEqual([]);
    const fewer = planCorrelation(first.next, scan(3), gitleaks(2));
    expect(fewer.changes.map((c) => [c.kind, c.observed?.observations])).toEqual([["updated", 2]]);
  });

  it("posture sums each open source's observations; a source without a count is one", () => {
    const source = (open: boolean, observations?: number) => ({
      scopeId: "s",
      tool: "gitleaks",
      ruleId: "r",
      firstSeenAt: "2026-11-01T00:00:00.000Z",
      lastScanId: "scan-1",
      open,
      ...(observations ? { observations } : {}),
    });
    const repeated = tracked({
      findingId: "a",
      sources: { gitleaks: source(true, 3), trufflehog: source(true), old: source(false, 5) },
    });
    const once = tracked({ findingId: "b", sources: { gitleaks: source(true) } });
    expect(factsOf(repeated).raw).toBe(4);
    const snapshot = appSnapshot(
      {
        appId: "shop",
        unclassified: false,
        lastScanAt: "2026-11-01T00:00:00.000Z",
        exceptionsActive: 0,
        exceptionsExpiring: 0,
      },
      [repeated, once],
      new Date("2026-11-02T00:00:00.000Z"),
    );
    expect(snapshot.funnel).toMatchObject({ raw: 5, unique: 2 });
  });
});
