import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isActionable } from "#shared/domain/ticket-group";
import { findingHistory } from "#shared/store/audit-store";
import { allFindingsOfApp } from "#shared/store/finding-store";
import { clearIntelCache } from "#shared/store/intel-store";
import { correlateScan } from "#shared/usecases/correlate-scan";
import { advanceExceptions, approve, list, requestNewException } from "#shared/usecases/exceptions";
import { type IntelSource, refreshIntel } from "#shared/usecases/refresh-intel";
import { SHARED_DATA_DIR, skipWithoutShared } from "#test/support/corpus";
import { scaFinding } from "#test/support/findings";
import { bucketRef, meteredTable, recordingPublisher, tableRef } from "#test/support/stack-deps";
import { stageNormalizedScan } from "#test/support/stage";

/**
 * Runs in the shared local stack, whose intel snapshot is shared too: the tests here run in order
 * and each sets the snapshot it needs.
 */

function kevJson(entries: Array<{ cve: string; dueDate: string }>): string {
  return JSON.stringify({
    title: "test catalog",
    catalogVersion: "2026.11.20",
    dateReleased: "2026-11-20T00:00:00.000Z",
    count: entries.length,
    vulnerabilities: entries.map((e) => ({
      cveID: e.cve,
      vendorProject: "v",
      product: "p",
      vulnerabilityName: "n",
      dateAdded: "2026-11-19",
      shortDescription: "d",
      requiredAction: "patch",
      dueDate: e.dueDate,
      knownRansomwareCampaignUse: "Unknown",
      notes: "",
    })),
  });
}

function source(kev: string, epssRows: string[] = []): IntelSource {
  const csv = [
    "#model_version:v2026.06.15,score_date:2026-11-20T00:00:00Z",
    "cve,epss,percentile",
    ...epssRows,
  ].join("\n");
  return { kev: async () => kev, epss: async () => new Uint8Array(Buffer.from(csv)) };
}

const unique = `${Date.now().toString(36)}`;
const CVE_HOT = `CVE-2099-${(Date.now() % 90000) + 10000}`;
const CVE_COLD = `CVE-2098-${(Date.now() % 90000) + 10000}`;

async function findingsOf(appId: string) {
  const out = [];
  for await (const f of allFindingsOfApp(tableRef(), appId)) out.push(f);
  return out;
}

describe("intel and exceptions on the local stack", () => {
  const apps = [`risk-a-${unique}`, `risk-b-${unique}`];

  it("rescores only the findings that carry a CVE whose intel changed, and says so in events", async () => {
    clearIntelCache();
    // an empty catalog first (it rescores whatever earlier tests left KEV-listed in the shared table)
    await refreshIntel({
      db: tableRef(),
      bucket: bucketRef(),
      events: recordingPublisher(),
      source: source(kevJson([])),
    });
    const events = recordingPublisher();
    for (const appId of apps) {
      const findings = [
        scaFinding(CVE_HOT, "hot-lib", { severity: "medium" }),
        ...Array.from({ length: 20 }, (_, i) =>
          scaFinding(`${CVE_COLD.slice(0, -1)}${i % 10}`, `cold-lib-${i}`, { severity: "medium" }),
        ),
      ];
      await correlateScan(
        { db: tableRef(), bucket: bucketRef(), events: recordingPublisher() },
        await stageNormalizedScan(tableRef(), bucketRef(), findings, { appId, tool: "trivy" }),
      );
    }
    const before = (await findingsOf(apps[0] ?? "")).find((f) => f.cve === CVE_HOT);
    expect(before?.score?.priority).not.toBe("P1");

    const { db, meter } = meteredTable();
    meter.reset();
    const due = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
    const result = await refreshIntel({
      db,
      bucket: bucketRef(),
      events,
      source: source(kevJson([{ cve: CVE_HOT, dueDate: due }])),
    });
    expect(result).toMatchObject({ kev: "updated", changedCves: 1, findingsChecked: 2, findingsRescored: 2 });
    // two findings rescored: an update (score, sort key) and an audit item each, nothing for the other
    // 40; for each of their two apps one ticket change record (their tickets show the new priority)
    // and a posture change marker before and after them
    expect(meter.writes).toBe(4 + 2 + 2 * 2);
    expect(meter.wcu).toBeGreaterThan(0);
    const after = (await findingsOf(apps[0] ?? "")).find((f) => f.cve === CVE_HOT);
    expect(after?.score?.factors.some((f) => f.name.startsWith("KEV"))).toBe(true);
    expect(["P1", "P2"]).toContain(after?.score?.priority);
    expect((after?.score?.dueAt ?? "9999").slice(0, 10) <= due).toBe(true);
    expect(after && (await findingHistory(tableRef(), after)).at(-1)?.action).toBe("rescored");
    const rescored = events.events.filter((e) => e.detailType === "Findings Rescored");
    expect(rescored).toHaveLength(2);
    expect(rescored.map((e) => (e.detail as { appId: string }).appId).sort()).toEqual([...apps].sort());
  });

  it("keeps the previous snapshot when a feed fails", async () => {
    const failing: IntelSource = {
      kev: async () => "{ not json",
      epss: async () => {
        throw new Error("EPSS host unreachable");
      },
    };
    const result = await refreshIntel({
      db: tableRef(),
      bucket: bucketRef(),
      events: recordingPublisher(),
      source: failing,
    });
    expect(result.kev).toBe("kept-previous");
    expect(result.epss).toBe("kept-previous");
    expect(result.errors).toHaveLength(2);
    expect(result.metadata.kev?.count).toBe(1);
    expect(result.changedCves).toBe(0);
  });

  it("takes excepted findings out of actionable, back in on expiry, and to review when the CVE gets worse", async () => {
    const db = tableRef();
    const appId = apps[1] ?? "";
    const requested = await requestNewException(
      { db },
      {
        scope: { kind: "cve", cve: CVE_COLD.replace(/\d$/, "3") },
        reason: "not reachable in our build",
        requester: "alice",
        expiresAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
      },
    );
    await expect(approve({ db }, requested.id, "alice")).rejects.toThrow(/someone else must approve/);
    const approved = await approve({ db }, requested.id, "bob");
    expect(approved.exception.state).toBe("active");
    expect(approved.findings).toBe(4); // two cold libs per app carry that CVE, in two apps
    const excepted = (await findingsOf(appId)).filter((f) => f.exception?.id === requested.id);
    expect(excepted).toHaveLength(2);
    expect(excepted.every((f) => !isActionable(f))).toBe(true);

    // the CVE enters KEV: the exception goes back to review and its findings count again
    const due = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
    const result = await refreshIntel({
      db,
      bucket: bucketRef(),
      events: recordingPublisher(),
      source: source(
        kevJson([
          { cve: CVE_HOT, dueDate: due },
          { cve: CVE_COLD.replace(/\d$/, "3"), dueDate: due },
        ]),
      ),
    });
    expect(result.exceptionsToReview).toBe(1);
    expect((await list({ db }, ["review"])).map((e) => e.exception.id)).toContain(requested.id);
    expect((await findingsOf(appId)).filter((f) => f.exception?.id === requested.id)).toHaveLength(0);

    // a second exception expires on the clock
    const short = await requestNewException(
      { db },
      {
        scope: { kind: "rule", appId, ruleId: CVE_HOT },
        reason: "fix scheduled",
        requester: "carol",
        expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
      },
    );
    await approve({ db }, short.id, "dave");
    expect((await findingsOf(appId)).filter((f) => f.exception?.id === short.id)).toHaveLength(1);
    const swept = await advanceExceptions({ db, now: () => new Date(Date.now() + 2 * 86_400_000) });
    expect(swept.expired).toBeGreaterThanOrEqual(1);
    const cleared = (await findingsOf(appId)).find((f) => f.cve === CVE_HOT);
    expect(cleared?.exception).toBeUndefined();
    expect(isActionable(cleared ?? ({} as never))).toBe(true);
  });

  const kevPath = join(SHARED_DATA_DIR, "known_exploited_vulnerabilities.json");
  const epssHeadPath = join(SHARED_DATA_DIR, "epss_scores-2026-09-29.head.csv");
  it.skipIf(skipWithoutShared("intel conformance on the real KEV and EPSS data", [kevPath, epssHeadPath]))(
    "loads the real CISA KEV catalog and EPSS excerpt from ../shared/data",
    async () => {
      const head = readFileSync(epssHeadPath);
      const real: IntelSource = {
        kev: async () => readFileSync(kevPath, "utf8"),
        epss: async () => new Uint8Array(head),
      };
      const result = await refreshIntel({
        db: tableRef(),
        bucket: bucketRef(),
        events: recordingPublisher(),
        source: real,
      });
      expect(result).toMatchObject({ kev: "updated", epss: "updated", errors: [] });
      expect(result.metadata.kev?.count).toBe(1662);
      expect(result.metadata.epss?.modelVersion).toBe("v2026.06.15");
    },
  );
});
