import { describe, expect, it } from "vitest";
import { appSnapshot, type PostureSnapshot } from "#shared/domain/posture";
import type { TrackedFinding } from "#shared/domain/tracked-finding";
import { getApp } from "#shared/store/app-store";
import { allFindingsOfApp } from "#shared/store/finding-store";
import { clearIntelCache } from "#shared/store/intel-store";
import { listPostureChanges } from "#shared/store/posture-aggregate-store";
import { correlateScan } from "#shared/usecases/correlate-scan";
import { approve, requestNewException } from "#shared/usecases/exceptions";
import { overrideOwner } from "#shared/usecases/ownership";
import { computePosture, PostureConflict } from "#shared/usecases/posture";
import { type IntelSource, refreshIntel } from "#shared/usecases/refresh-intel";
import { sastFinding, scaFinding } from "#test/support/findings";
import { bucketRef, meteredTable, recordingPublisher, tableRef } from "#test/support/stack-deps";
import { stageNormalizedScan } from "#test/support/stage";

/**
 * Posture from per-app counters on the local stack: after every kind of change (new scan, rescan
 * that resolves, intel rescoring, an exception, an owner override, a crashed run) each app's
 * snapshot equals the one recomputed from all its findings, while a run reads only what changed.
 */

const u = Date.now().toString(36);
const APPS = [`post-a-${u}`, `post-b-${u}`, `post-c-${u}`];
const CVE = `CVE-2097-${(Date.now() % 90000) + 10000}`;

function intel(kev: string[]): IntelSource {
  const body = JSON.stringify({
    title: "t",
    catalogVersion: "1",
    dateReleased: "2026-11-20T00:00:00.000Z",
    count: kev.length,
    vulnerabilities: kev.map((cve) => ({
      cveID: cve,
      vendorProject: "v",
      product: "p",
      vulnerabilityName: "n",
      dateAdded: "2026-11-19",
      shortDescription: "d",
      requiredAction: "patch",
      dueDate: new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10),
      knownRansomwareCampaignUse: "Unknown",
      notes: "",
    })),
  });
  const csv = "#model_version:v2026.06.15,score_date:2026-11-20T00:00:00Z\ncve,epss,percentile\n";
  return { kev: async () => body, epss: async () => new Uint8Array(Buffer.from(csv)) };
}

async function findingsOf(appId: string): Promise<TrackedFinding[]> {
  const out: TrackedFinding[] = [];
  for await (const f of allFindingsOfApp(tableRef(), appId)) out.push(f);
  return out;
}

async function scan(appId: string, findings: Parameters<typeof stageNormalizedScan>[2], tool = "semgrep") {
  await correlateScan(
    { db: tableRef(), bucket: bucketRef(), events: recordingPublisher() },
    await stageNormalizedScan(tableRef(), bucketRef(), findings, { appId, tool }),
  );
}

/** Every one of our apps' snapshots equals the one recomputed from all its findings. */
async function expectExact(result: { apps: PostureSnapshot[] }, now: Date) {
  for (const appId of APPS) {
    const got = result.apps.find((a) => a.scopeId === appId);
    const app = await getApp(tableRef(), appId);
    const reference = appSnapshot(
      {
        appId,
        unclassified: app?.unclassified ?? true,
        ...(app?.lastScanAt ? { lastScanAt: app.lastScanAt } : {}),
        exceptionsActive: got?.exceptionsActive ?? 0,
        exceptionsExpiring: got?.exceptionsExpiring ?? 0,
      },
      await findingsOf(appId),
      now,
    );
    expect(got, appId).toEqual(reference);
  }
}

describe("posture from per-app counters", () => {
  it("counts new apps from their findings once, then only what changed", async () => {
    clearIntelCache();
    await refreshIntel({
      db: tableRef(),
      bucket: bucketRef(),
      events: recordingPublisher(),
      source: intel([]),
    });
    for (const [i, appId] of APPS.entries()) {
      await scan(appId, [
        ...Array.from({ length: 30 + i * 10 }, (_, n) =>
          sastFinding(n, { severity: n % 3 ? "high" : "critical" }),
        ),
      ]);
      await scan(
        appId,
        [scaFinding(CVE, "lib-hot", { severity: "medium" }), scaFinding(`${CVE}1`, "lib-cold")],
        "trivy",
      );
    }
    const now = new Date();
    const first = await computePosture({ db: tableRef(), now: () => now });
    await expectExact(first, now);
    for (const appId of APPS) expect(await listPostureChanges(tableRef(), appId)).toEqual([]);

    // nothing changed: the run reads each app's aggregate and markers, no finding at all
    const { db, meter } = meteredTable();
    meter.reset();
    const idle = await computePosture({ db, now: () => now });
    expect(idle.findingsRead).toBe(0);
    expect(idle.rebuiltApps).toBe(0);
    await expectExact(idle, now);
    const reads = meter.calls - meter.writes;
    // per app: one aggregate get and one marker query; plus listing apps and exceptions
    expect(reads).toBeLessThanOrEqual(2 * idle.apps.length + 10);
  });

  it("follows a rescan that resolves and adds findings, reading only those", async () => {
    const appId = APPS[0] ?? "";
    await scan(appId, [
      ...Array.from({ length: 25 }, (_, n) => sastFinding(n, { severity: n % 3 ? "high" : "critical" })),
      sastFinding(900, { severity: "critical" }),
    ]);
    const now = new Date();
    const result = await computePosture({ db: tableRef(), now: () => now });
    // 5 resolved + 1 new
    expect(result.findingsRead).toBe(6);
    await expectExact(result, now);
  });

  it("follows intel rescoring, an exception and an owner override", async () => {
    const db = tableRef();
    const rescored = await refreshIntel({
      db,
      bucket: bucketRef(),
      events: recordingPublisher(),
      source: intel([CVE]),
    });
    expect(rescored.findingsRescored).toBe(3);
    const exception = await requestNewException(
      { db },
      {
        scope: { kind: "cve", cve: `${CVE}1` },
        reason: "unreachable",
        requester: "alice",
        expiresAt: new Date(Date.now() + 10 * 86_400_000).toISOString(),
      },
    );
    await approve({ db }, exception.id, "bob");
    // a finding neither rescored nor excepted (ids are hashes: the first one may be either)
    const one = (await findingsOf(APPS[1] ?? "")).find((f) => !f.cve);
    await overrideOwner(
      { db },
      { appId: APPS[1] ?? "", findingId: one?.findingId ?? "", owner: "sre", actor: "carol" },
    );
    const now = new Date();
    const result = await computePosture({ db, now: () => now });
    expect(result.findingsRead).toBe(3 + 3 + 1);
    await expectExact(result, now);
    const sre = result.teams.find((t) => t.scopeId === "sre");
    expect(sre?.open).toBe(1);
  });

  it("converges after a run that died between the facts and the aggregate", async () => {
    const appId = APPS[2] ?? "";
    await scan(
      appId,
      Array.from({ length: 12 }, (_, n) => sastFinding(n, { severity: "critical" })),
    );
    const now = new Date();
    await expect(
      computePosture({ db: tableRef(), now: () => now, crashBeforeAggregate: (id) => id === appId }),
    ).rejects.toThrow(PostureConflict);
    expect((await listPostureChanges(tableRef(), appId)).length).toBeGreaterThan(0);
    // one more change lands before the next run
    await scan(
      appId,
      Array.from({ length: 11 }, (_, n) => sastFinding(n, { severity: "critical" })),
    );
    const result = await computePosture({ db: tableRef(), now: () => now });
    await expectExact(result, now);
    const again = await computePosture({ db: tableRef(), now: () => now });
    expect(again.findingsRead).toBe(0);
    await expectExact(again, now);
  });
});
