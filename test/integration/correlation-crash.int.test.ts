import { DeleteTableCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { createTable } from "#cli/local/table";
import { documentClient } from "#shared/aws/dynamodb";
import { s3 } from "#shared/aws/s3";
import { mapConcurrent } from "#shared/concurrency";
import type { NormalizedFinding } from "#shared/domain/finding";
import { queryAll } from "#shared/store/query";
import { getScan } from "#shared/store/scan-store";
import { keys } from "#shared/store/table";
import type { TableRef } from "#shared/store/table-ref";
import { type CorrelateDeps, correlateScan, InjectedCrash } from "#shared/usecases/correlate-scan";
import { manySast, scaFinding } from "#test/support/findings";
import { recordingPublisher } from "#test/support/stack-deps";
import { stageNormalizedScan } from "#test/support/stage";

/**
 * DESIGN §6 and issue 8.1: a correlate run killed part way, whose message is then dead-lettered,
 * must not lose a finding. The app's next scan finishes the half-written plan before building on
 * it. Each run gets its own table and bucket, so a crashed run and the crash-free reference use
 * the same app, scan ids and clock, and must end with the very same items.
 */

const APP = "crash-prop";
const CLOCK = new Date("2026-11-30T12:00:00.000Z");
const tables: string[] = [];
let runCounter = 0;

interface Run {
  db: TableRef;
  deps: (extra?: Partial<CorrelateDeps>) => CorrelateDeps;
}

async function isolatedRun(): Promise<Run> {
  runCounter++;
  const name = `crash-${Date.now().toString(36)}-${runCounter}`;
  // the document client sends table commands of the base client as they are
  await createTable(documentClient as unknown as DynamoDBClient, name);
  tables.push(name);
  await s3.send(new CreateBucketCommand({ Bucket: name }));
  const db = { client: documentClient, tableName: name };
  const bucket = { client: s3, bucketName: name };
  return {
    db,
    deps: (extra = {}) => ({ db, bucket, events: recordingPublisher(), now: () => CLOCK, ...extra }),
  };
}

afterAll(async () => {
  for (const name of tables)
    await documentClient.send(new DeleteTableCommand({ TableName: name })).catch(() => undefined);
});

interface ScanSpec {
  scanId: string;
  createdAt: string;
  findings: NormalizedFinding[];
}

async function stage(run: Run, spec: ScanSpec): Promise<string> {
  return stageNormalizedScan(run.db, run.deps().bucket, spec.findings, {
    appId: APP,
    tool: "semgrep",
    scanId: spec.scanId,
    createdAt: spec.createdAt,
  });
}

/** Every item of the app's partition (findings, audit events, the state pointer, the app) and the scans' outcomes. */
async function snapshot(run: Run, scans: readonly ScanSpec[]) {
  const items: Array<Record<string, unknown>> = [];
  for await (const item of queryAll(run.db, { pk: keys.app(APP).pk })) items.push(item);
  items.sort((a, b) => String(a.sk).localeCompare(String(b.sk)));
  const statuses = [];
  for (const s of scans) {
    const scan = await getScan(run.db, s.scanId);
    statuses.push({
      scanId: s.scanId,
      status: scan?.status,
      counts: scan?.counts,
      lifecycle: scan?.lifecycle,
    });
  }
  return { items, statuses };
}

function scan(n: number, findings: NormalizedFinding[]): ScanSpec {
  return {
    scanId: `01KCRASHSCAN${String(n).padStart(14, "0")}`,
    createdAt: new Date(Date.UTC(2026, 10, 1 + n, 9)).toISOString(),
    findings,
  };
}

function changed(f: NormalizedFinding): NormalizedFinding {
  return { ...f, severity: f.severity === "high" ? "critical" : "high" };
}

function mixed(sast: number, sca: number): NormalizedFinding[] {
  return [
    ...manySast(sast),
    ...Array.from({ length: sca }, (_, i) => scaFinding(`CVE-2025-${String(10000 + i)}`, `pkg-${i % 250}`)),
  ];
}

/**
 * Runs the scans in order, crashing `crashAt` writes into the scan at `victim` and never retrying it
 * (its message went to the dead-letter queue): the next scan has to finish it.
 */
async function play(scans: readonly ScanSpec[], victim?: number, crashAt?: number) {
  const run = await isolatedRun();
  for (const s of scans) await stage(run, s);
  let crashed = false;
  for (const [i, s] of scans.entries()) {
    if (i === victim) {
      try {
        await correlateScan(run.deps({ crashAfterWrites: crashAt }), s.scanId);
      } catch (error) {
        expect(error).toBeInstanceOf(InjectedCrash);
        crashed = true;
        expect((await getScan(run.db, s.scanId))?.status).toBe("normalized");
      }
    } else {
      await correlateScan(run.deps(), s.scanId);
    }
  }
  return { crashed, state: await snapshot(run, scans) };
}

const SAMPLES = 50;

/** 50 crash points drawn by fast-check (seed printed, to replay a failure), played a few at a time. */
async function crashEverywhere(
  scans: readonly ScanSpec[],
  victim: number,
  maxPoint: number,
  writesPerPoint = 1,
) {
  const reference = await play(scans);
  const seed = Date.now() % 2 ** 31;
  // distinct and unbiased (fast-check favours small integers by default): 50 different crash points
  const [points = []] = fc.sample(
    fc.uniqueArray(fc.noBias(fc.integer({ min: 0, max: maxPoint })), {
      minLength: Math.min(SAMPLES, maxPoint + 1),
      maxLength: Math.min(SAMPLES, maxPoint + 1),
    }),
    { numRuns: 1, seed },
  );
  console.log(
    `crash after writes (fast-check seed ${seed}): ${points.map((p) => p * writesPerPoint).join(" ")}`,
  );
  const outcomes = await mapConcurrent(points, 3, async (point) => {
    const crashAt = point * writesPerPoint;
    const crashedRun = await play(scans, victim, crashAt);
    expect(crashedRun.state, `crash after ${crashAt} writes (seed ${seed})`).toEqual(reference.state);
    return crashedRun.crashed;
  });
  return { reference, crashes: outcomes.filter(Boolean).length };
}

// 100 isolated runs on DynamoDB Local: minutes on a busy machine, not the default two
describe("a crash mid-correlate, then the app's next scan (property)", { timeout: 1_800_000 }, () => {
  it("first ingest of 2,000 findings: the table matches a crash-free run exactly, whatever write it died at", async () => {
    const base = mixed(1000, 1000);
    const scans = [
      scan(1, base),
      // the next scan resolves 100, updates 100 and adds 50
      scan(2, [
        ...base.slice(100, 900).map((f, i) => (i < 100 ? changed(f) : f)),
        ...base.slice(900),
        ...manySast(1050).slice(1000),
      ]),
    ];
    // 2,000 creates go out in 80 chunks of 25: a crash can only fall between chunks, so those are the points
    const { reference, crashes } = await crashEverywhere(scans, 0, 80, 25);
    expect(reference.state.statuses.map((s) => s.status)).toEqual(["processed", "processed"]);
    expect(reference.state.items.filter((i) => i.entity === "finding")).toHaveLength(2050);
    // the sample really exercised the recovery path (only a crash point of 2,000 completes)
    expect(crashes).toBeGreaterThan(40);
  });

  it("a rescan that resolves, reopens and updates: the same, whatever write it died at", async () => {
    const base = mixed(200, 200);
    const scans = [
      scan(1, base),
      // resolves the first 50
      scan(2, base.slice(50)),
      // the victim: reopens those 50, resolves the next 50, updates 50, adds 20
      scan(3, [
        ...base.slice(0, 50),
        ...base.slice(100, 390).map((f, i) => (i < 50 ? changed(f) : f)),
        ...base.slice(390),
        ...manySast(220).slice(200),
      ]),
      // and the app's next scan, which finds the victim half done
      scan(4, base),
    ];
    // 20 creates (one chunk), 150 single updates, 100 audit events (4 chunks)
    const { reference, crashes } = await crashEverywhere(scans, 2, 280);
    expect(reference.state.statuses.map((s) => s.counts?.reopened)).toEqual([0, 0, 50, 50]);
    expect(reference.state.statuses.map((s) => s.counts?.resolved)).toEqual([0, 50, 50, 20]);
    expect(crashes).toBeGreaterThan(40);
  });
});
