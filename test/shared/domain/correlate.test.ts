import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type AppState, emptyAppState } from "#shared/domain/app-state";
import { planCorrelation, type ScanInput } from "#shared/domain/correlate";
import type { NormalizedFinding } from "#shared/domain/finding";
import { parseReport } from "#shared/parsers/registry";
import { REPO_ROOT } from "#test/support/corpus";
import { manySast, sastFinding, scaFinding } from "#test/support/findings";

const APP = "shop";
let clock = Date.parse("2026-11-01T00:00:00Z");

function scan(tool: string, over: Partial<ScanInput> = {}): ScanInput {
  clock += 60_000;
  const at = new Date(clock).toISOString();
  return {
    appId: APP,
    scanId: `scan-${clock}`,
    scopeId: `${tool}-repo-main`,
    tool: { name: tool },
    target: "repo",
    branch: "main",
    tracked: true,
    commitTime: at,
    at,
    ...over,
  };
}

/** Runs reports through correlation in order, as `aspm correlate` and the Lambda do. */
function correlateAll(
  reports: Array<{ tool: string; findings: NormalizedFinding[] }>,
  start: AppState = emptyAppState(APP),
) {
  let state = start;
  const sources = new Map<string, Set<string>>();
  for (const r of reports) {
    const plan = planCorrelation(state, scan(r.tool), r.findings);
    state = plan.next;
    for (const o of plan.observed)
      sources.set(o.findingId, new Set([...(sources.get(o.findingId) ?? []), r.tool]));
    for (const c of plan.changes) {
      if (c.kind === "merged" && c.into)
        sources.set(c.into, new Set([...(sources.get(c.into) ?? []), ...(sources.get(c.findingId) ?? [])]));
    }
  }
  return { state, sources };
}

/** What must not depend on order: which observations end up together (ids may: the first sighting names a finding). */
function grouping(result: ReturnType<typeof correlateAll>): string[] {
  return openIds(result.state)
    .map((id) => [...(result.sources.get(id) ?? [])].sort().join("+"))
    .sort();
}

function openIds(state: AppState): string[] {
  return Object.entries(state.findings)
    .filter(([, f]) => f.st === "o")
    .map(([id]) => id)
    .sort();
}

const REFERENCE_DIR = join(REPO_ROOT, "test/fixtures/reference");
const reference = readdirSync(REFERENCE_DIR)
  .sort()
  .map((file) => {
    const report = parseReport(readFileSync(join(REFERENCE_DIR, file)), { secretSalt: "t" });
    return { file, tool: report.tool.name, findings: report.findings };
  });

describe("the reference multi-tool case", () => {
  it("turns 11 observations from six tools into 6 unique findings with the right sources", () => {
    expect(reference.reduce((n, r) => n + r.findings.length, 0)).toBe(11);
    const result = correlateAll(reference);
    expect(openIds(result.state)).toHaveLength(6);
    expect(grouping(result)).toEqual([
      "CodeQL",
      "CodeQL+semgrep",
      "Grype+Trivy",
      "Grype+osv-scanner",
      "Trivy+npm audit+osv-scanner",
      "npm audit",
    ]);
  });

  it("groups the observations the same way whatever order the tools report in (merging when an alias is learned late)", () => {
    const expected = grouping(correlateAll(reference));
    fc.assert(
      fc.property(
        fc.shuffledSubarray(reference, { minLength: reference.length, maxLength: reference.length }),
        (order) => {
          expect(grouping(correlateAll(order))).toEqual(expected);
        },
      ),
      { numRuns: 40, seed: 42 },
    );
  });
});

describe("correlation properties", () => {
  it("shuffling a report's results never changes the resulting state", () => {
    const findings = [
      ...manySast(30),
      scaFinding("CVE-2024-1", "a"),
      scaFinding("CVE-2024-2", "b"),
      scaFinding("CVE-2024-2", "b", { version: "1.0.1" }),
    ];
    const base = planCorrelation(emptyAppState(APP), scan("semgrep"), findings);
    fc.assert(
      fc.property(
        fc.shuffledSubarray(findings, { minLength: findings.length, maxLength: findings.length }),
        (shuffled) => {
          const plan = planCorrelation(
            emptyAppState(APP),
            { ...scan("semgrep"), scanId: "x", at: base.next.scopes["semgrep-repo-main"]?.lastScanAt ?? "" },
            shuffled,
          );
          expect(plan.next.findings).toEqual(base.next.findings);
          expect(plan.next.scopes["semgrep-repo-main"]?.findings).toEqual(
            base.next.scopes["semgrep-repo-main"]?.findings,
          );
        },
      ),
      { numRuns: 50, seed: 7 },
    );
  });

  it("re-submitting the same scan is a replay that changes nothing", () => {
    const first = scan("semgrep");
    const applied = planCorrelation(emptyAppState(APP), first, manySast(10));
    const replay = planCorrelation(applied.next, first, manySast(10));
    expect(replay.lifecycle).toBe("replay");
    expect(replay.changes).toEqual([]);
    expect(replay.next).toBe(applied.next);
  });

  it("a re-scan with the same results is all unchanged, in any order", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer(), (n, seed) => {
        const findings = manySast(n);
        const first = planCorrelation(emptyAppState(APP), scan("semgrep"), findings);
        const shuffled =
          fc.sample(fc.shuffledSubarray(findings, { minLength: n, maxLength: n }), { numRuns: 1, seed })[0] ??
          findings;
        const second = planCorrelation(first.next, scan("semgrep"), shuffled);
        expect(second.changes).toEqual([]);
        expect(second.counts).toMatchObject({ unchanged: n, new: 0, resolved: 0 });
      }),
      { numRuns: 40, seed: 11 },
    );
  });

  it("a line shift in SAST results creates no new finding, with or without snippets", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), fc.boolean(), (shift, withSnippet) => {
        const make = (delta: number) =>
          Array.from({ length: 12 }, (_, i) => {
            const f = sastFinding(i, {
              line: 10 + i * 3 + delta,
              rule: `r${i % 3}`,
              file: `src/f${i % 2}.ts`,
            });
            return withSnippet ? f : { ...f, location: { ...f.location, snippetHash: undefined } };
          });
        const first = planCorrelation(emptyAppState(APP), scan("semgrep"), make(0));
        const shifted = planCorrelation(first.next, scan("semgrep"), make(shift));
        expect(shifted.counts.new).toBe(0);
        expect(shifted.counts.resolved).toBe(0);
        expect(openIds(shifted.next)).toEqual(openIds(first.next));
      }),
      { numRuns: 60, seed: 3 },
    );
  });
});

describe("lifecycle in the plan", () => {
  it("resolves what disappears, reopens what returns with first seen kept, and counts each", () => {
    const all = manySast(4);
    const s1 = planCorrelation(emptyAppState(APP), scan("semgrep"), all);
    const s2 = planCorrelation(s1.next, scan("semgrep"), all.slice(1));
    expect(s2.counts).toMatchObject({ resolved: 1, unchanged: 3 });
    const resolvedId = s2.changes.find((c) => c.kind === "resolved")?.findingId ?? "";
    expect(s2.next.findings[resolvedId]?.st).toBe("r");
    const s3 = planCorrelation(s2.next, scan("semgrep"), all);
    expect(s3.counts).toMatchObject({ reopened: 1, unchanged: 3 });
    expect(s3.changes.find((c) => c.kind === "reopened")?.firstSeenAt).toBe(s1.next.findings[resolvedId]?.fs);
  });

  it("closes one tool's source but keeps the finding open while another tool still reports it", () => {
    const trivy = [scaFinding("CVE-2024-9", "pkg", { tool: "trivy" })];
    const grype = [scaFinding("CVE-2024-9", "pkg", { tool: "grype" })];
    const a = planCorrelation(emptyAppState(APP), scan("trivy"), trivy);
    const b = planCorrelation(a.next, scan("grype"), grype);
    expect(b.changes.map((c) => c.kind)).toEqual(["joined"]);
    const c = planCorrelation(b.next, scan("trivy"), []);
    expect(c.changes.map((x) => x.kind)).toEqual(["source-closed"]);
    expect(openIds(c.next)).toHaveLength(1);
    const d = planCorrelation(c.next, scan("grype"), []);
    expect(d.changes.map((x) => x.kind)).toEqual(["resolved"]);
  });

  it("ignores a stale scan and leaves a pull-request scan out of the state, with a gate summary", () => {
    const all = manySast(3);
    const s1 = planCorrelation(
      emptyAppState(APP),
      scan("semgrep", { commitTime: "2026-11-10T00:00:00.000Z" }),
      all,
    );
    const stale = planCorrelation(s1.next, scan("semgrep", { commitTime: "2026-11-09T00:00:00.000Z" }), []);
    expect(stale.lifecycle).toBe("stale");
    expect(stale.next).toBe(s1.next);
    const pr = planCorrelation(
      s1.next,
      scan("semgrep", { branch: "feature/x", tracked: false, scopeId: "pr" }),
      [...all.slice(1), sastFinding(50, { severity: "high" })],
    );
    expect(pr.lifecycle).toBe("untracked");
    expect(pr.next).toBe(s1.next);
    expect(pr.gate).toMatchObject({ newFindings: 1, newBySeverity: { high: 1 }, fixedFindings: 1 });
  });

  it("keeps two kinds of one tool apart: an SBOM scope never resolves the image scope's findings", () => {
    const image = [1, 2, 3, 4].map((i) => scaFinding(`CVE-2024-${i}`, "openssl", { tool: "trivy" }));
    const a = planCorrelation(
      emptyAppState(APP),
      scan("trivy", { scopeId: "trivy-image", kind: "trivy" }),
      image,
    );
    const sbom = planCorrelation(
      a.next,
      scan("trivy", { scopeId: "trivy-sbom", kind: "cyclonedx" }),
      image.slice(0, 1),
    );
    expect(sbom.counts).toMatchObject({ resolved: 0, updated: 1, scopeBefore: 0 });
    expect(openIds(sbom.next)).toHaveLength(4);
    // a pull request's SBOM compares with the SBOM baseline, not the newer image one
    const again = planCorrelation(sbom.next, scan("trivy", { scopeId: "trivy-image", kind: "trivy" }), image);
    const pr = planCorrelation(
      again.next,
      scan("trivy", { scopeId: "pr", kind: "cyclonedx", branch: "feature/x", tracked: false }),
      image.slice(0, 1),
    );
    expect(pr.gate).toMatchObject({ newFindings: 0, fixedFindings: 0 });
  });

  it("counts what a scope held before, so a scan that resolves most of it stands out", () => {
    const all = manySast(4);
    const s1 = planCorrelation(emptyAppState(APP), scan("semgrep"), all);
    expect(s1.counts.scopeBefore).toBe(0);
    const s2 = planCorrelation(s1.next, scan("semgrep"), all.slice(0, 1));
    expect(s2.counts).toMatchObject({ resolved: 3, unchanged: 1, scopeBefore: 4 });
  });

  it("a same-kind scan adopts a legacy scope once: moves seen sources, resolves the rest, drops it", () => {
    const all = manySast(4);
    // the state as scopes were keyed before they had a kind
    const legacy = planCorrelation(emptyAppState(APP), scan("semgrep", { scopeId: "legacy" }), all);
    expect(legacy.next.scopes.legacy?.kind).toBeUndefined();
    const adopting = planCorrelation(
      legacy.next,
      scan("semgrep", { scopeId: "new", kind: "sarif", adopt: "legacy" }),
      all.slice(0, 3),
    );
    expect(adopting.counts).toMatchObject({ new: 0, unchanged: 3, resolved: 1, scopeBefore: 4 });
    expect(adopting.changes.map((c) => [c.kind, c.fromScope])).toEqual(
      expect.arrayContaining([
        ["joined", "legacy"],
        ["resolved", "legacy"],
      ]),
    );
    expect(adopting.changes.filter((c) => c.kind === "joined")).toHaveLength(3);
    expect(Object.keys(adopting.next.scopes)).toEqual(["new"]);
    expect(adopting.next.scopes.new).toMatchObject({ kind: "sarif" });
    expect(openIds(adopting.next)).toHaveLength(3);
    // once adopted, the next scan is an ordinary rescan of its own scope
    const next = planCorrelation(
      adopting.next,
      scan("semgrep", { scopeId: "new", kind: "sarif", adopt: "legacy" }),
      all.slice(0, 3),
    );
    expect(next.changes).toEqual([]);
  });

  it("a legacy scope shared with another tool's scope closes only its own source on adoption", () => {
    const trivy = [scaFinding("CVE-2024-9", "pkg", { tool: "trivy" })];
    const a = planCorrelation(emptyAppState(APP), scan("trivy", { scopeId: "legacy" }), trivy);
    const b = planCorrelation(a.next, scan("grype", { scopeId: "grype" }), [
      scaFinding("CVE-2024-9", "pkg", { tool: "grype" }),
    ]);
    const c = planCorrelation(b.next, scan("trivy", { scopeId: "new", kind: "trivy", adopt: "legacy" }), []);
    expect(c.changes.map((x) => [x.kind, x.fromScope])).toEqual([["source-closed", "legacy"]]);
    expect(openIds(c.next)).toHaveLength(1);
  });

  it("a stale scan does not adopt a legacy scope", () => {
    const all = manySast(2);
    const legacy = planCorrelation(
      emptyAppState(APP),
      scan("semgrep", { scopeId: "legacy", commitTime: "2026-12-10T00:00:00.000Z" }),
      all,
    );
    const stale = planCorrelation(
      legacy.next,
      scan("semgrep", { scopeId: "new", adopt: "legacy", commitTime: "2026-12-01T00:00:00.000Z" }),
      [],
    );
    expect(stale.lifecycle).toBe("stale");
    expect(stale.next.scopes.legacy).toBeDefined();
  });

  it("links SAST results of two tools within the line window only", () => {
    const semgrep = [sastFinding(1, { tool: "semgrep", file: "a.js", line: 20, cwe: "CWE-89" })];
    const near = [{ ...sastFinding(2, { tool: "codeql", file: "a.js", line: 23, cwe: "CWE-943" }) }];
    const far = [{ ...sastFinding(3, { tool: "codeql", file: "a.js", line: 40, cwe: "CWE-89" }) }];
    const s1 = planCorrelation(emptyAppState(APP), scan("semgrep"), semgrep);
    expect(openIds(planCorrelation(s1.next, scan("codeql"), near).next)).toHaveLength(1);
    expect(openIds(planCorrelation(s1.next, scan("codeql"), far).next)).toHaveLength(2);
  });
});
