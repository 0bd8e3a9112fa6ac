import {
  CreateBucketCommand,
  DeleteObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { s3 } from "#shared/aws/s3";
import { findingHistory } from "#shared/store/audit-store";
import { allFindingsOfApp } from "#shared/store/finding-store";
import { queryAll } from "#shared/store/query";
import { getScan, putNewScan, transitionScan } from "#shared/store/scan-store";
import { keys, objectKeys } from "#shared/store/table";
import { type CorrelateDeps, correlateScan, InjectedCrash } from "#shared/usecases/correlate-scan";
import { sweepStuckScans } from "#shared/usecases/sweep-stuck-scans";
import { manySast, sastFinding } from "#test/support/findings";
import { bucketRef, recordingPublisher, tableRef } from "#test/support/stack-deps";
import { stageNormalizedScan } from "#test/support/stage";

/** Issue 8: every scan ends processed or failed, and no finding is lost, whatever fails where. */

let counter = 0;
const newApp = (name: string) => `nl-${name}-${Date.now().toString(36)}-${++counter}`;
const deps = (extra: Partial<CorrelateDeps> = {}): CorrelateDeps => ({
  db: tableRef(),
  bucket: bucketRef(),
  events: recordingPublisher(),
  ...extra,
});

async function findings(appId: string) {
  const out = [];
  for await (const f of allFindingsOfApp(tableRef(), appId)) out.push(f);
  return out;
}

describe("a scan that died mid-correlate is finished by the app's next scan", () => {
  it("keeps every finding of a first ingest killed after 50 of 300 writes and dead-lettered", async () => {
    const appId = newApp("dead");
    const all = manySast(300);
    const s1 = await stageNormalizedScan(tableRef(), bucketRef(), all, { appId });
    await expect(correlateScan(deps({ crashAfterWrites: 50 }), s1)).rejects.toBeInstanceOf(InjectedCrash);
    // its message is gone (dead-lettered); the next scan of the app sees one more finding
    const s2 = await stageNormalizedScan(tableRef(), bucketRef(), [...all, sastFinding(999)], { appId });
    const r2 = await correlateScan(deps(), s2);
    expect(r2.counts).toMatchObject({ new: 1, unchanged: 300 });
    const stored = await findings(appId);
    expect(stored).toHaveLength(301);
    expect(stored.every((f) => f.status === "open")).toBe(true);
    expect((await getScan(tableRef(), s1))?.status).toBe("processed");
    expect((await getScan(tableRef(), s1))?.counts).toMatchObject({ new: 300 });
  });

  it("records a scan that committed but died before saying so (events outage), and goes on", async () => {
    const appId = newApp("committed");
    const s1 = await stageNormalizedScan(tableRef(), bucketRef(), manySast(20), { appId });
    const outage = {
      async publish() {
        throw new Error("EventBridge is down");
      },
    };
    await expect(correlateScan(deps({ events: outage }), s1)).rejects.toThrow("EventBridge is down");
    expect((await getScan(tableRef(), s1))?.status).toBe("normalized");
    const events = recordingPublisher();
    await correlateScan(
      deps({ events }),
      await stageNormalizedScan(tableRef(), bucketRef(), manySast(21), { appId }),
    );
    expect((await getScan(tableRef(), s1))?.status).toBe("processed");
    // the lost "opened" events of the first scan went out with the recovery
    const opened = events.events.filter((e) => e.detailType === "Findings Opened");
    expect(opened.flatMap((e) => (e.detail as { findings: unknown[] }).findings)).toHaveLength(21);
    expect(await findings(appId)).toHaveLength(21);
  });

  it("drops a half-written commit whose report expired, fails that scan with the reason, and goes on", async () => {
    const appId = newApp("expired");
    const s1 = await stageNormalizedScan(tableRef(), bucketRef(), manySast(100), { appId });
    await expect(correlateScan(deps({ crashAfterWrites: 25 }), s1)).rejects.toBeInstanceOf(InjectedCrash);
    await s3.send(
      new DeleteObjectCommand({ Bucket: bucketRef().bucketName, Key: objectKeys.normalized(appId, s1) }),
    );
    const s2 = await stageNormalizedScan(tableRef(), bucketRef(), manySast(100), { appId });
    expect((await correlateScan(deps(), s2)).outcome).toBe("processed");
    const failed = await getScan(tableRef(), s1);
    expect(failed?.status).toBe("failed");
    expect(failed?.failure).toMatchObject({ stage: "correlate", retryable: false });
    expect(failed?.failure?.reason).toContain("normalized report is gone");
    // the second scan saw all 100 and wrote them (the 25 orphans included)
    expect((await findings(appId)).filter((f) => f.status === "open")).toHaveLength(100);
  });
});

describe("bounded items and objects", () => {
  it("keeps a flapping finding's item the same size; its history grows as items of their own", async () => {
    const appId = newApp("flap");
    const all = manySast(3);
    const sizes: number[] = [];
    const itemOf = async (findingId: string) =>
      (
        await tableRef().client.send(
          new (
            await import("@aws-sdk/lib-dynamodb")
          ).GetCommand({
            TableName: tableRef().tableName,
            Key: keys.finding(appId, findingId),
          }),
        )
      ).Item;
    let flapper = "";
    for (let i = 0; i < 12; i++) {
      const present = i % 2 === 0 ? all : all.slice(1);
      await correlateScan(deps(), await stageNormalizedScan(tableRef(), bucketRef(), present, { appId }));
      if (!flapper) flapper = (await findings(appId)).find((f) => f.title === "Problem 0")?.findingId ?? "";
      sizes.push(JSON.stringify(await itemOf(flapper)).length);
    }
    // resolved six times and reopened five: the item in each state keeps its size, history or not
    const open = sizes.filter((_, i) => i % 2 === 0 && i > 0);
    const resolved = sizes.filter((_, i) => i % 2 === 1);
    expect(new Set(open).size).toBe(1);
    expect(new Set(resolved).size).toBe(1);
    const f = (await findings(appId)).find((x) => x.findingId === flapper);
    const history = f ? await findingHistory(tableRef(), f) : [];
    expect(history.map((h) => h.action)).toEqual([
      "opened",
      ...Array.from({ length: 11 }, (_, i) => (i % 2 === 0 ? "resolved" : "reopened")),
    ]);
    expect(f?.reopenCount).toBe(5);
  });

  it("keeps at most three state objects per app, however many scans", async () => {
    const appId = newApp("slots");
    for (let i = 0; i < 7; i++)
      await correlateScan(
        deps(),
        await stageNormalizedScan(tableRef(), bucketRef(), manySast(5 + i), { appId }),
      );
    const listed = await s3.send(
      new ListObjectsV2Command({ Bucket: bucketRef().bucketName, Prefix: `state/${appId}/` }),
    );
    expect((listed.Contents ?? []).map((o) => o.Key).sort()).toEqual(
      [0, 1, 2].map((slot) => objectKeys.appState(appId, slot)),
    );
  });

  it("writes no team-index entry for unowned findings, and one for an owned app's", async () => {
    const unowned = newApp("unowned");
    await correlateScan(
      deps(),
      await stageNormalizedScan(tableRef(), bucketRef(), manySast(10), { appId: unowned }),
    );
    const items: Array<Record<string, unknown>> = [];
    for await (const item of queryAll(tableRef(), { pk: keys.app(unowned).pk, skPrefix: keys.findingPrefix }))
      items.push(item);
    expect(items).toHaveLength(10);
    expect(items.filter((i) => i.gsi1pk !== undefined)).toHaveLength(0);

    const owned = newApp("owned");
    const { ensureApp } = await import("#shared/store/app-store");
    await ensureApp(tableRef(), owned, new Date().toISOString());
    const { UpdateCommand } = await import("@aws-sdk/lib-dynamodb");
    await tableRef().client.send(
      new UpdateCommand({
        TableName: tableRef().tableName,
        Key: keys.app(owned),
        UpdateExpression: "SET team = :t",
        ExpressionAttributeValues: { ":t": "payments-team" },
      }),
    );
    await correlateScan(
      deps(),
      await stageNormalizedScan(tableRef(), bucketRef(), manySast(4), { appId: owned }),
    );
    const ownedItems: Array<Record<string, unknown>> = [];
    for await (const item of queryAll(tableRef(), { pk: keys.app(owned).pk, skPrefix: keys.findingPrefix }))
      ownedItems.push(item);
    expect(ownedItems.map((i) => i.gsi1pk)).toEqual(Array(4).fill("TEAM#payments-team#OPEN"));
  });
});

describe("the sweeper", () => {
  it("fails scans stuck past the deadline with `timed out in <stage>`, and leaves fresh ones alone", async () => {
    const appId = newApp("sweep");
    const old = "2026-01-01T00:00:00.000Z";
    const put = async (scanId: string, createdAt: string) =>
      putNewScan(tableRef(), {
        scanId,
        appId,
        status: "pending",
        tracked: true,
        branch: "main",
        createdAt,
        updatedAt: createdAt,
      });
    const id = (n: number) =>
      `01KSWEEP${Date.now().toString(36).toUpperCase()}${counter}${n}`.padEnd(26, "0");
    const [neverUploaded, stuckNormalize, stuckCorrelate, fresh] = [id(1), id(2), id(3), id(4)];
    await put(neverUploaded, old);
    await put(stuckNormalize, old);
    // its raw upload arrived, but normalize never finished (in a bucket the pipeline does not watch,
    // so the running stack does not process it under the test's feet)
    const bucket = { client: s3, bucketName: appId };
    await s3.send(new CreateBucketCommand({ Bucket: bucket.bucketName }));
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket.bucketName,
        Key: objectKeys.raw(appId, stuckNormalize),
        Body: "{}",
      }),
    );
    await put(stuckCorrelate, old);
    await transitionScan(tableRef(), stuckCorrelate, ["pending"], { status: "normalized", updatedAt: old });
    await put(fresh, new Date().toISOString());

    const result = await sweepStuckScans({ db: tableRef(), bucket }, { deadlineMinutes: 60 });
    const mine = result.failed.filter((f) => f.appId === appId);
    expect(mine.map((f) => [f.scanId, f.stage]).sort()).toEqual(
      [
        [neverUploaded, "upload"],
        [stuckNormalize, "normalize"],
        [stuckCorrelate, "correlate"],
      ].sort(),
    );
    for (const [scanId, stage, retryable] of [
      [neverUploaded, "upload", false],
      [stuckNormalize, "normalize", true],
      [stuckCorrelate, "correlate", true],
    ] as const) {
      const scan = await getScan(tableRef(), scanId);
      expect(scan?.status).toBe("failed");
      expect(scan?.failure?.reason.startsWith(`timed out in ${stage}`)).toBe(true);
      expect(scan?.failure?.retryable).toBe(retryable);
    }
    expect((await getScan(tableRef(), fresh))?.status).toBe("pending");
    // a second sweep finds nothing of this app left in flight past the deadline
    const again = await sweepStuckScans({ db: tableRef(), bucket }, { deadlineMinutes: 60 });
    expect(again.failed.filter((f) => f.appId === appId)).toHaveLength(0);
  });
});
