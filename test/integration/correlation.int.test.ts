import { describe, expect, it } from "vitest";
import { findingHistory } from "#shared/store/audit-store";
import { allFindingsOfApp } from "#shared/store/finding-store";
import { getScan } from "#shared/store/scan-store";
import { type CorrelateDeps, correlateScan, InjectedCrash } from "#shared/usecases/correlate-scan";
import { manySast, sastFinding, scaFinding } from "#test/support/findings";
import { bucketRef, meteredTable, recordingPublisher, tableRef } from "#test/support/stack-deps";
import { stageNormalizedScan } from "#test/support/stage";

/** Correlation lifecycle on the real stand-ins (DynamoDB Local, s3rver), driven scan by scan. */

let appCounter = 0;
function newApp(name: string): string {
  appCounter++;
  return `int-${name}-${Date.now().toString(36)}-${appCounter}`;
}

function deps(
  overrides: Partial<CorrelateDeps> = {},
): CorrelateDeps & { events: ReturnType<typeof recordingPublisher> } {
  return {
    db: tableRef(),
    bucket: bucketRef(),
    events: recordingPublisher(),
    ...overrides,
  } as CorrelateDeps & { events: ReturnType<typeof recordingPublisher> };
}

async function findingsOf(appId: string) {
  const out = [];
  for await (const f of allFindingsOfApp(tableRef(), appId))
    out.push({ ...f, history: await findingHistory(tableRef(), f) });
  return out.sort((a, b) => a.findingId.localeCompare(b.findingId));
}

/** The part of a finding that must converge: everything but timestamps of this run. */
function comparable(f: Awaited<ReturnType<typeof findingsOf>>[number]) {
  const { score: _s, history, openedBy: _o, ...rest } = f;
  return { ...rest, history: history.map((h) => ({ action: h.action, from: h.from, to: h.to })) };
}

describe("correlation lifecycle on the local stack", () => {
  it("first ingest creates findings; an unchanged re-scan writes O(1) items", async () => {
    const appId = newApp("rescan");
    const findings = manySast(300);
    const first = await stageNormalizedScan(tableRef(), bucketRef(), findings, { appId });
    const r1 = await correlateScan(deps(), first);
    expect(r1.counts).toMatchObject({ observations: 300, unique: 300, new: 300, unchanged: 0, resolved: 0 });
    expect((await findingsOf(appId)).filter((f) => f.status === "open")).toHaveLength(300);

    const { db, meter } = meteredTable();
    const second = await stageNormalizedScan(tableRef(), bucketRef(), [...findings].reverse(), { appId });
    meter.reset();
    const r2 = await correlateScan(deps({ db }), second);
    expect(r2.counts).toMatchObject({ new: 0, unchanged: 300, updated: 0, resolved: 0, reopened: 0 });
    expect(r2.writes).toEqual({ puts: 0, updates: 0 });
    // state pointer (pending + commit), scan status, app lastScanAt: a handful, independent of 300
    expect(meter.wcu).toBeLessThanOrEqual(10);
  });

  it("resolves a finding that disappears and reopens it, keeping first seen, when it comes back", async () => {
    const appId = newApp("reopen");
    const all = manySast(5);
    await correlateScan(deps(), await stageNormalizedScan(tableRef(), bucketRef(), all, { appId }));
    const before = await findingsOf(appId);
    const gone = before.find((f) => f.title === "Problem 3");
    expect(gone?.status).toBe("open");

    const d2 = deps();
    const r2 = await correlateScan(
      d2,
      await stageNormalizedScan(
        tableRef(),
        bucketRef(),
        all.filter((f) => f.title !== "Problem 3"),
        { appId },
      ),
    );
    expect(r2.counts).toMatchObject({ resolved: 1, unchanged: 4 });
    const resolved = (await findingsOf(appId)).find((f) => f.findingId === gone?.findingId);
    expect(resolved?.status).toBe("resolved");
    expect(resolved?.history.at(-1)).toMatchObject({
      action: "resolved",
      actor: "system",
      from: "open",
      to: "resolved",
    });
    expect(d2.events.events.find((e) => e.detailType === "Findings Resolved")?.detail).toMatchObject({
      appId,
      findings: [{ id: gone?.findingId }],
    });

    const r3 = await correlateScan(
      deps(),
      await stageNormalizedScan(tableRef(), bucketRef(), all, { appId }),
    );
    expect(r3.counts).toMatchObject({ reopened: 1, unchanged: 4 });
    const reopened = (await findingsOf(appId)).find((f) => f.findingId === gone?.findingId);
    expect(reopened?.status).toBe("open");
    expect(reopened?.firstSeenAt).toBe(gone?.firstSeenAt);
    expect(reopened?.reopenCount).toBe(1);
    expect(reopened?.history.map((h) => h.action)).toEqual(["opened", "resolved", "reopened"]);
  });

  it("ignores a scan older than the scope's latest for lifecycle", async () => {
    const appId = newApp("stale");
    const all = manySast(4);
    await correlateScan(
      deps(),
      await stageNormalizedScan(tableRef(), bucketRef(), all, {
        appId,
        commitTime: "2026-11-20T10:00:00.000Z",
      }),
    );
    const staleScan = await stageNormalizedScan(tableRef(), bucketRef(), all.slice(0, 1), {
      appId,
      commitTime: "2026-11-19T10:00:00.000Z",
    });
    const r = await correlateScan(deps(), staleScan);
    expect(r.lifecycle).toBe("stale");
    expect((await getScan(tableRef(), staleScan))?.status).toBe("processed");
    expect((await findingsOf(appId)).filter((f) => f.status === "open")).toHaveLength(4);
  });

  it("records a pull-request scan as a gate input without touching findings", async () => {
    const appId = newApp("pr");
    const all = manySast(3);
    await correlateScan(deps(), await stageNormalizedScan(tableRef(), bucketRef(), all, { appId }));
    const prScan = await stageNormalizedScan(
      tableRef(),
      bucketRef(),
      [...all.slice(1), sastFinding(99, { severity: "critical", rule: "new-rule" })],
      {
        appId,
        branch: "feature/login",
        tracked: false,
      },
    );
    const before = await findingsOf(appId);
    const r = await correlateScan(deps(), prScan);
    expect(r.lifecycle).toBe("untracked");
    const scan = await getScan(tableRef(), prScan);
    expect(scan?.gate).toEqual({
      newFindings: 1,
      newBySeverity: { critical: 1 },
      fixedFindings: 1,
      excepted: 0,
    });
    expect((await findingsOf(appId)).map(comparable)).toEqual(before.map(comparable));
  });

  it("converges to the same state when correlate crashes between write batches and is retried", async () => {
    const findings = [
      ...manySast(40),
      scaFinding("CVE-2024-0001", "left-pad"),
      scaFinding("CVE-2024-0002", "lodash"),
    ];
    const next = [...findings.slice(5), sastFinding(200)];

    const reference = newApp("crash-ref");
    await correlateScan(
      deps(),
      await stageNormalizedScan(tableRef(), bucketRef(), findings, { appId: reference }),
    );
    await correlateScan(
      deps(),
      await stageNormalizedScan(tableRef(), bucketRef(), next, { appId: reference }),
    );

    const crashed = newApp("crash");
    // the first scan crashes part way through its bulk creates, the second part way through its updates
    const s1 = await stageNormalizedScan(tableRef(), bucketRef(), findings, { appId: crashed });
    await expect(correlateScan(deps({ crashAfterWrites: 1 }), s1)).rejects.toBeInstanceOf(InjectedCrash);
    expect((await getScan(tableRef(), s1))?.status).toBe("normalized");
    await correlateScan(deps(), s1);
    const s2 = await stageNormalizedScan(tableRef(), bucketRef(), next, { appId: crashed });
    await expect(correlateScan(deps({ crashAfterWrites: 3 }), s2)).rejects.toBeInstanceOf(InjectedCrash);
    const retried = await correlateScan(deps(), s2);
    expect(retried.counts).toMatchObject({ new: 1, resolved: 5 });
    // and a duplicate delivery after success is a no-op
    expect((await correlateScan(deps(), s2)).outcome).toBe("skipped");

    const strip = (appId: string) => async () =>
      (await findingsOf(appId))
        .map((f) => {
          const c = comparable(f);
          return {
            status: c.status,
            title: c.title,
            severity: c.severity,
            category: c.category,
            reopenCount: c.reopenCount,
            history: c.history,
            sources: Object.keys(c.sources).length,
          };
        })
        .sort((x, y) => x.title.localeCompare(y.title));
    const a = await strip(reference)();
    const b = await strip(crashed)();
    expect(b).toEqual(a);
    expect(b.filter((f) => f.status === "open")).toHaveLength(38);
  });

  it("merges the same CVE in the same package from several tools, including one that knows only the GHSA", async () => {
    const appId = newApp("sca");
    await correlateScan(
      deps(),
      await stageNormalizedScan(
        tableRef(),
        bucketRef(),
        [scaFinding("GHSA-aaaa-bbbb-cccc", "minimist", { tool: "npm audit" })],
        { appId, tool: "npm audit" },
      ),
    );
    await correlateScan(
      deps(),
      await stageNormalizedScan(
        tableRef(),
        bucketRef(),
        [scaFinding("CVE-2021-44906", "minimist", { tool: "trivy", aliases: ["GHSA-aaaa-bbbb-cccc"] })],
        { appId, tool: "trivy" },
      ),
    );
    await correlateScan(
      deps(),
      await stageNormalizedScan(
        tableRef(),
        bucketRef(),
        [scaFinding("CVE-2021-44906", "minimist", { tool: "grype" })],
        { appId, tool: "grype" },
      ),
    );
    const open = (await findingsOf(appId)).filter((f) => f.status === "open");
    expect(open).toHaveLength(1);
    expect(
      Object.values(open[0]?.sources ?? {})
        .map((s) => s.tool)
        .sort(),
    ).toEqual(["grype", "npm audit", "trivy"]);
  });
});
