import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import type { TicketIssue, TicketTracker } from "#shared/integrations/ticket-tracker";
import type { CliIo } from "../io.ts";
import {
  BAD_INPUT_HEAP_MB,
  BAD_INPUTS,
  BASELINE_INPUT,
  capsFromEnv,
  handledAsExpected,
  spawnBadInput,
} from "./bad-inputs.ts";
import { type BenchLine, type MeasureName, peakRssMb, printBench } from "./bench.ts";
import { baselineParse, FAMILIES, type Family } from "./families.ts";
import { joined, sarifReport, sarifResults } from "./generate.ts";
import { gc, median, type RoundsSummary, runRounds, summarize, timed } from "./stats.ts";

const MB = 1024 * 1024;
/** Interleaved rounds per timed figure (stats.ts). */
const ROUNDS = 5;

function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** The rounds' fields of a bench line: medians are the caller's, the spread is here. */
function spreadOf(s: RoundsSummary): Pick<BenchLine, "rounds" | "ratioMin" | "ratioMax" | "noisy"> {
  return { rounds: s.rounds, ratioMin: round(s.ratioMin), ratioMax: round(s.ratioMax), noisy: s.noisy };
}

/**
 * normalize_<family>_50mb: our parse (parseReportTo) over a 50 MB report against the built-in parser over
 * the same text (families.ts), in interleaved rounds after an untimed warm-up of both on 10 MB.
 * Per round, ratio = our MB/s over the baseline's (the same text: baseline time over ours).
 */
async function parseThroughput(io: CliIo, family: Family): Promise<void> {
  const { parseReportTo } = await import("#shared/parsers/registry");
  const ctx = { secretSalt: "bench" };
  const texts = (targetBytes: number) => {
    const generated = family.generate(targetBytes);
    const text = joined(generated.report);
    return { text, baselineText: generated.twin ? joined(generated.twin()) : text };
  };
  const { text, baselineText } = texts(50 * MB);
  const bytes = Buffer.from(text);
  // an untimed full-size round of each side first: the rounds then measure the steady state, not
  // the JIT and the heap growing into the size (the first rounds ran up to 2× slower without it)
  // as the normalize Lambda takes them: one by one, as they are made (it writes them out in batches)
  let taken = 0;
  const take = () => {
    taken++;
  };
  parseReportTo(bytes, ctx, take);
  baselineParse(family.baselineSyntax, baselineText);
  const mb = bytes.length / MB;
  const baselineMb = Buffer.byteLength(baselineText) / MB;
  let findings = 0;
  let format = "";
  const samples = await runRounds({
    rounds: ROUNDS,
    baseline: () => timed(() => baselineParse(family.baselineSyntax, baselineText)),
    ours: () =>
      timed(() => {
        taken = 0;
        const report = parseReportTo(bytes, ctx, take);
        findings = report.count;
        format = report.format;
        if (taken !== findings) throw new Error(`the sink took ${taken} of ${findings} findings`);
      }),
  });
  const s = summarize(samples, (r) => mb / r.ours / (baselineMb / r.baseline));
  const baselineWhat =
    baselineText === text
      ? `JSON.parse of the same text${family.baselineSyntax === "jsonl" ? ", line by line" : ""}`
      : `JSON.parse of the same records as a JSON document (${baselineMb.toFixed(1)} MB, the tool's own JSON report): Node has no built-in XML parser, so the ratio compares MB/s`;
  printBench(io, {
    name: `normalize_${family.id}_50mb`,
    value: round(mb / (s.value / 1000)),
    unit: "MB/s",
    baseline: round(baselineMb / (s.baseline / 1000)),
    ratio: round(s.ratio),
    budget: "ratio >= 0.6 (issue 12; DESIGN §11: 0.5)",
    peakRssMb: peakRssMb(),
    ...spreadOf(s),
    note: `${family.label}, ${mb.toFixed(1)} MB, ${findings} findings (${format}); ours = parseReportTo(bytes, sink): decode, bounds check, parse, detect, map, validate, each finding handed to a sink that counts it (the normalize Lambda's sink writes them out in gzip members; that serialization is in neither side); baseline = ${baselineWhat}; medians of ${s.rounds} interleaved rounds, ours ${samples.map((r) => r.ours.toFixed(0)).join("/")} ms, baseline ${samples.map((r) => r.baseline.toFixed(0)).join("/")} ms`,
  });
}

/**
 * The ingest measures, on one local stack: the first ingest of 10k findings against a raw
 * BatchWriteItem of the very items it wrote, how those items spread over index partitions, and the
 * rescans of the same findings, unchanged and with 10% changed, metered in write request units.
 */
async function ingest(io: CliIo): Promise<void> {
  const { startLocalStack } = await import("#cli/local/stack");
  const stack = await startLocalStack({ memory: true });
  try {
    const [
      { documentClient },
      { s3 },
      { batchWrite },
      { correlateScan },
      { stageScanForBench },
      { meteredTable },
    ] = await Promise.all([
      import("#shared/aws/dynamodb"),
      import("#shared/aws/s3"),
      import("#shared/store/batch-write"),
      import("#shared/usecases/correlate-scan"),
      import("./stage.ts"),
      import("./metered.ts"),
    ]);
    const tableName = stack.env.ASPM_TABLE_NAME ?? "";
    const db = { client: documentClient, tableName };
    const bucket = { client: s3, bucketName: stack.env.ASPM_BUCKET_NAME ?? "" };
    const events = { publish: async () => undefined };
    // the first 10k are the scan; the 500 after them are the new findings of the changed rescan
    const generated = sarifResults(10_500);
    const findings = generated.slice(0, 10_000);
    const added = generated.slice(10_000);
    // both sides write through one metered client: the same client path, and WRU for the rescans
    const { db: metered, meter } = meteredTable(tableName);

    const itemsOf = async (app: string) => {
      const items: Array<Record<string, unknown>> = [];
      let cursor: Record<string, unknown> | undefined;
      do {
        const page = await documentClient.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: "pk = :pk AND begins_with(sk, :f)",
            ExpressionAttributeValues: { ":pk": `APP#${app}`, ":f": "FINDING#" },
            ExclusiveStartKey: cursor,
          }),
        );
        items.push(...(page.Items ?? []));
        cursor = page.LastEvaluatedKey;
      } while (cursor);
      return items;
    };

    // warm the JIT and DynamoDB Local with one untimed round of both sides at full size (a 1k
    // warm-up left the first timed rounds twice as slow as the last ones)
    await correlateScan(
      { db: metered, bucket, events },
      await stageScanForBench(db, bucket, findings, "bench-warmup"),
    );
    let items = await itemsOf("bench-warmup");
    await batchWrite(
      metered.client,
      tableName,
      items.map((item) => ({ PutRequest: { Item: { ...item, pk: "APP#bench-warmup-baseline" } } })),
    );

    // Rounds of (ours: a first ingest into a fresh app; baseline: the items our latest ingest wrote,
    // the warm-up's in round 0, moved to a fresh partition and written raw), alternating which goes
    // first. Every ingest writes the same findings, so the items differ from one ingest to the next
    // only by their partition and timestamps.
    let first: Awaited<ReturnType<typeof correlateScan>> | undefined;
    const wru = { ours: [] as number[], baseline: [] as number[] };
    const samples = await runRounds({
      rounds: ROUNDS,
      ours: async (r) => {
        const app = `bench-ingest-${r}`;
        const scanId = await stageScanForBench(db, bucket, findings, app);
        gc();
        meter.reset();
        const t = performance.now();
        first = await correlateScan({ db: metered, bucket, events }, scanId);
        const ms = performance.now() - t;
        wru.ours.push(meter.wcu);
        items = await itemsOf(app);
        return ms;
      },
      baseline: async (r) => {
        // same items, same index keys (GSI keys need not be unique), only the partition moved
        const requests = items.map((item) => ({
          PutRequest: { Item: { ...item, pk: `APP#bench-baseline-${r}` } },
        }));
        gc();
        meter.reset();
        const t = performance.now();
        await batchWrite(metered.client, tableName, requests);
        const ms = performance.now() - t;
        wru.baseline.push(meter.wcu);
        return ms;
      },
    });
    const s = summarize(samples, (r) => r.baseline / r.ours);
    const oursMs = s.value;
    const firstWru = median(wru.ours);
    const ms = (xs: number[]) => xs.map((x) => x.toFixed(0)).join("/");
    printBench(io, {
      name: "ingest_first_10k",
      value: round(10_000 / (oursMs / 1000), 0),
      unit: "findings/s",
      baseline: round(10_000 / (s.baseline / 1000), 0),
      ratio: round(s.ratio),
      budget: "ratio >= 0.8 (issue 12; DESIGN §11: 0.7)",
      peakRssMb: peakRssMb(),
      ...spreadOf(s),
      note: `correlate ${ms(samples.map((r) => r.ours))} ms (${first?.counts?.new} new, ${round(firstWru, 0)} WRU) vs raw BatchWriteItem of the same ${items.length} items (index keys included) ${ms(samples.map((r) => r.baseline))} ms (${round(median(wru.baseline), 0)} WRU); each round a fresh app and a fresh partition, order alternating; medians of ${s.rounds} rounds`,
    });

    // DESIGN §10 / issue 8.6: how the first ingest's index writes spread over index partitions
    const perPartition = new Map<string, number>();
    for (const item of items)
      for (const key of ["gsi1pk", "gsi2pk"])
        if (typeof item[key] === "string") {
          const k = `${key}=${item[key]}`;
          perPartition.set(k, (perPartition.get(k) ?? 0) + 1);
        }
    const [worstKey = "none", worstCount = 0] = [...perPartition].sort((a, b) => b[1] - a[1])[0] ?? [];
    printBench(io, {
      name: "ingest_worst_index_partition_share",
      value: round(worstCount / items.length, 3),
      unit: "share of the ingest's items",
      baseline: 1,
      ratio: round(worstCount / items.length, 3),
      budget: "well below 1 (before issue 8: every unowned finding went to TEAM#unowned#OPEN, 1.0)",
      note: `${worstCount ? `worst index partition ${worstKey}: ${worstCount}` : "no index keys on any"} of ${items.length} items (unowned findings stay off the team index, findings without a CVE off the CVE index); the table's own writes go to one partition key per app (APP#…), spread by sort key`,
    });

    /** One metered rescan of `app` (already ingested once) with `scan` as its findings. */
    const rescan = async (app: string, scan: typeof findings) => {
      const scanId = await stageScanForBench(db, bucket, scan, app);
      gc();
      meter.reset();
      const t = performance.now();
      const result = await correlateScan({ db: metered, bucket, events }, scanId);
      return { result, ms: performance.now() - t, wcu: meter.wcu, rcu: meter.rcu, calls: meter.calls };
    };

    // unchanged rescan, metered
    const unchanged = await rescan("bench-ingest-1", [...findings].reverse());
    printBench(io, {
      name: "rescan_unchanged_10k_wru",
      value: round(unchanged.wcu, 1),
      unit: "WRU",
      baseline: 10_000,
      ratio: round(unchanged.wcu / 10_000, 5),
      budget: "value <= 10",
      peakRssMb: peakRssMb(),
      note: `${unchanged.result.counts?.unchanged} unchanged, ${unchanged.calls} DynamoDB calls, ${unchanged.rcu.toFixed(1)} RRU; baseline = one write per finding`,
    });
    printBench(io, {
      name: "rescan_unchanged_10k_time",
      value: round(unchanged.ms, 0),
      unit: "ms",
      baseline: round(oursMs, 0),
      ratio: round(unchanged.ms / oursMs),
      peakRssMb: peakRssMb(),
      note: "baseline = the first ingest of the same findings (median of its rounds)",
    });

    // 10% changed: the first 500 findings fixed (absent from the scan), 500 new ones in their place;
    // the other 9,500 unchanged, in another order
    const changed = await rescan("bench-ingest-2", [...added, ...findings.slice(500).reverse()]);
    const c = changed.result.counts;
    const what = `${c?.new} new, ${c?.resolved} resolved, ${c?.unchanged} unchanged, ${c?.updated} updated of ${c?.scopeBefore ?? "?"} before`;
    printBench(io, {
      name: "correlate_rescan_changed_10pct_wru",
      value: round(changed.wcu, 1),
      unit: "WRU",
      baseline: round(firstWru, 1),
      ratio: round(changed.wcu / firstWru, 3),
      budget: "ratio well below 1: writes follow the change, not the scan",
      peakRssMb: peakRssMb(),
      note: `rescan of 10k findings with 500 fixed and 500 new (${what}), ${changed.calls} DynamoDB calls, ${changed.rcu.toFixed(1)} RRU; baseline = WRU of a first ingest of the 10k (median of its rounds)`,
    });
    printBench(io, {
      name: "correlate_rescan_changed_10pct_time",
      value: round(changed.ms, 0),
      unit: "ms",
      baseline: round(oursMs, 0),
      ratio: round(changed.ms / oursMs),
      peakRssMb: peakRssMb(),
      note: `${what}; baseline = the first ingest of 10k findings (median of its rounds)`,
    });
  } finally {
    await stack.stop();
  }
}

async function sarifEndToEnd(io: CliIo): Promise<void> {
  const { startLocalStack } = await import("#cli/local/stack");
  const { uploadReport, waitForScan } = await import("#cli/api-client");
  const stack = await startLocalStack({ memory: true });
  const dir = mkdtempSync(join(tmpdir(), "aspm-bench-"));
  try {
    const file = join(dir, "codeql-30k.sarif");
    writeFileSync(file, sarifReport(0, 3, 30_000));
    const api = { url: stack.apiUrl, token: stack.apiToken };
    // warm-up: a small upload through the same path
    const warm = join(dir, "warm.sarif");
    writeFileSync(warm, sarifReport(0, 4, 100));
    await waitForScan(api, await uploadReport(api, warm, { app: "bench-warm" }), () => undefined, 120_000);
    const t = performance.now();
    const scanId = await uploadReport(api, file, { app: "bench-e2e" });
    const uploadedMs = performance.now() - t;
    const scan = await waitForScan(api, scanId, () => undefined, 300_000);
    const totalMs = performance.now() - t;
    if (scan.status !== "processed")
      throw new Error(`30k scan ended ${scan.status}: ${scan.failure?.reason}`);
    printBench(io, {
      name: "sarif_30k_end_to_end",
      value: round(totalMs / 1000, 1),
      unit: "s",
      baseline: round(uploadedMs / 1000, 2),
      ratio: round(totalMs / uploadedMs, 1),
      budget: "value < 30 s here; no truncation",
      peakRssMb: peakRssMb(),
      note: `${scan.counts?.observations} observations → ${scan.counts?.unique} unique (${scan.counts?.new} new); baseline = the presigned upload alone`,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await stack.stop();
  }
}

/**
 * e2e_uploads_parallel: 30 uploads across 5 apps started at once on the local stack, from the
 * first byte sent to the last of the 30 scans processed, against one upload of the same size
 * alone. A scan's end is its `processed` transition's timestamp (the stack runs on this machine's
 * clock), not the poll that saw it, so the poll interval does not round the figures up. The
 * local stack polls each queue with one consumer (one normalize and one correlate "instance"), so
 * here the figure is mostly queueing; on AWS, Lambda scales the consumers out.
 */
const PARALLEL_UPLOADS = 30;
const PARALLEL_APPS = 5;
// 500 findings each keeps the measure well under a minute on a 2-core machine (1,000: about 55 s)
const PARALLEL_FINDINGS = 500;

async function uploadsInParallel(io: CliIo): Promise<void> {
  const { startLocalStack } = await import("#cli/local/stack");
  const { uploadReport, waitForScan } = await import("#cli/api-client");
  const stack = await startLocalStack({ memory: true });
  const dir = mkdtempSync(join(tmpdir(), "aspm-bench-"));
  try {
    const api = { url: stack.apiUrl, token: stack.apiToken };
    const write = (name: string, seed: number, findings: number) => {
      const file = join(dir, name);
      writeFileSync(file, sarifReport(0, seed, findings));
      return file;
    };
    const upload = async (file: string, app: string) => {
      const start = Date.now();
      const scanId = await uploadReport(api, file, { app });
      const scan = await waitForScan(api, scanId, () => undefined, 300_000);
      const seen = Date.now();
      const processedAt = Date.parse(scan.updatedAt);
      const end = processedAt >= start && processedAt <= seen ? processedAt : seen;
      return { app, scanId, scan, start, end, ms: end - start };
    };
    // every report different, the same size
    const files = Array.from({ length: PARALLEL_UPLOADS }, (_, i) =>
      write(`parallel-${i}.sarif`, 200 + i, PARALLEL_FINDINGS),
    );
    const aloneFile = write("alone.sarif", 199, PARALLEL_FINDINGS);
    await upload(write("warm.sarif", 4, 100), "bench-warm");

    const alone = await upload(aloneFile, "bench-e2e-alone");
    if (alone.scan.status !== "processed")
      throw new Error(`the upload alone ended ${alone.scan.status}: ${alone.scan.failure?.reason}`);
    const started = Date.now();
    const runs = await Promise.all(
      files.map((file, i) => upload(file, `bench-e2e-parallel-${i % PARALLEL_APPS}`)),
    );
    const notProcessed = runs.filter((r) => r.scan.status !== "processed");
    if (notProcessed.length)
      throw new Error(
        `${notProcessed.length} of ${runs.length} scans did not end processed: ${notProcessed
          .map(
            (r) =>
              `${r.scanId} (${r.app}) ${r.scan.status}${r.scan.failure ? `: ${r.scan.failure.reason}` : ""}`,
          )
          .join("; ")}`,
      );
    const totalMs = Math.max(...runs.map((r) => r.end)) - started;
    const perScan = runs.map((r) => r.ms);
    printBench(io, {
      name: "e2e_uploads_parallel",
      value: round(totalMs / 1000, 1),
      unit: "s",
      baseline: round(alone.ms / 1000, 2),
      ratio: round(totalMs / alone.ms, 1),
      budget: "every scan processed",
      peakRssMb: peakRssMb(),
      note: `${PARALLEL_UPLOADS} uploads of ${PARALLEL_FINDINGS}-finding SARIF reports across ${PARALLEL_APPS} apps, started at once, first byte sent to the last scan processed; per scan (its first byte to its processed transition) p50 ${(median(perScan) / 1000).toFixed(1)} s, max ${(Math.max(...perScan) / 1000).toFixed(1)} s; baseline = one upload of the same size alone, first byte to processed; the local stack has one consumer per queue, so uploads queue behind each other (Lambda scales out)`,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await stack.stop();
  }
}

async function badInputs(io: CliIo): Promise<void> {
  const cap = capsFromEnv();
  const floor = spawnBadInput(BASELINE_INPUT.name).outcome;
  const peaks: string[] = [];
  const wrong: string[] = [];
  let worst = 0;
  for (const input of BAD_INPUTS) {
    const run = spawnBadInput(input.name);
    const o = run.outcome;
    if (!o) {
      wrong.push(
        `${input.name}: the process died (${run.signal ?? `exit ${run.status}`}): ${run.stderr.split("\n").slice(-3).join(" ")}`,
      );
      continue;
    }
    worst = Math.max(worst, o.peakRssMb);
    peaks.push(`${input.name} ${o.peakRssMb} MB ${(o.ms / 1000).toFixed(1)} s ${o.outcome}`);
    if (!handledAsExpected(input, o)) wrong.push(`${input.name}: ${o.outcome} ${o.reason ?? ""}`);
  }
  printBench(io, {
    name: "bad_input_peak_rss",
    value: worst,
    unit: "MB peak RSS",
    baseline: floor?.peakRssMb ?? null,
    ratio: floor?.peakRssMb ? round(worst / floor.peakRssMb, 1) : null,
    budget: "value < 1536 (1.5 GB), every input refused with its bound named, none crashes",
    peakRssMb: worst,
    note: `largest over ${BAD_INPUTS.length} inputs up to the ${cap.bytes / MB} MiB size cap and ${cap.findings} findings, each in its own process (V8 heap capped at ${BAD_INPUT_HEAP_MB} MB as normalize's) through parseReport and, when it parses, the normalized JSON; baseline = the same process parsing a one-finding SARIF. ${peaks.join("; ")}`,
  });
  if (wrong.length) throw new Error(`bad inputs not handled as expected:\n${wrong.join("\n")}`);
}

async function bundles(io: CliIo): Promise<void> {
  // inside the repo (git-ignored), so the bundles' external @aws-sdk/* resolve from node_modules as on Lambda
  mkdirSync(".bench", { recursive: true });
  const dir = mkdtempSync(join(resolve(".bench"), "cdk-"));
  try {
    const synth = spawnSync("npx", ["cdk", "synth", "--quiet", "--output", dir], {
      encoding: "utf8",
      maxBuffer: 64 * MB,
    });
    if (synth.status !== 0) throw new Error(`cdk synth failed: ${synth.stderr.slice(-2000)}`);
    const { assemblyTemplates, bundleSizes } = await import("#infra/bundle-sizes");
    const coldImport = (entry: string) => {
      const code = `const t=performance.now();const m=await import(${JSON.stringify(pathToFileURL(entry).href)});if(typeof m.handler!=="function")throw new Error("no handler");console.log(performance.now()-t)`;
      const out = spawnSync(process.execPath, ["--input-type=module", "-e", code], { encoding: "utf8" });
      const ms = Number.parseFloat(out.stdout.trim());
      if (out.status !== 0 || !Number.isFinite(ms))
        throw new Error(`importing ${entry} failed: ${out.stderr.slice(-500)}`);
      return ms;
    };
    const empty = join(dir, "empty.mjs");
    writeFileSync(empty, "export const handler = async () => undefined;\n");
    const baselineImport = Math.min(coldImport(empty), coldImport(empty));
    for (const [, template] of Object.entries(assemblyTemplates(dir))) {
      for (const bundle of bundleSizes(dir, template)) {
        const name = bundle.path.split("/").slice(1, -2).join("/") || bundle.path;
        printBench(io, {
          name: `bundle_${name}`,
          value: bundle.bytes,
          unit: "bytes minified",
          baseline: 1_000_000,
          ratio: round(bundle.bytes / 1_000_000),
          budget: "ratio <= 1",
        });
        const entry = join(dir, bundle.asset, "index.mjs");
        const ms = Math.min(coldImport(entry), coldImport(entry));
        printBench(io, {
          name: `cold_import_${name}`,
          value: round(ms, 0),
          unit: "ms",
          baseline: round(baselineImport, 1),
          ratio: round(ms / baselineImport, 1),
          note: "baseline = import of an empty module; Node 20 here, Lambda runs 22",
        });
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Ticket sync's cost per run (DESIGN §8): tracker calls and DynamoDB reads of the incremental sync
 * (the TICKETS#SYNC index) against the full regrouping it replaced (every finding of every app),
 * on the same portfolio in the same run. An in-memory tracker stands in for Jira; each tracker call
 * is one Jira request (plus retries, if Jira throttles).
 */
async function ticketSync(io: CliIo): Promise<void> {
  const APPS = 10;
  const PER_APP = 300;
  const { startLocalStack } = await import("#cli/local/stack");
  const stack = await startLocalStack({ memory: true });
  try {
    const [{ documentClient }, { s3 }, { correlateScan }, { stageScanForBench }, { meteredTable }, tickets] =
      await Promise.all([
        import("#shared/aws/dynamodb"),
        import("#shared/aws/s3"),
        import("#shared/usecases/correlate-scan"),
        import("./stage.ts"),
        import("./metered.ts"),
        import("#shared/usecases/ticket-sync"),
      ]);
    const { defaultRoute } = await import("#shared/domain/ticket-route");
    const tableName = stack.env.ASPM_TABLE_NAME ?? "";
    const db = { client: documentClient, tableName };
    const bucket = { client: s3, bucketName: stack.env.ASPM_BUCKET_NAME ?? "" };
    const events = { publish: async () => undefined };
    // a few files per app, so that a fix groups several findings, as in real code bases
    const findings = (app: number) =>
      sarifResults(PER_APP, 100 + app).map((f, i) => ({
        ...f,
        location: { ...f.location, file: `src/module-${i % 3}.js` },
      }));
    for (let app = 0; app < APPS; app++)
      await correlateScan(
        { db, bucket, events },
        await stageScanForBench(db, bucket, findings(app), `bench-tickets-${app}`),
      );

    // Jira's part, in memory: what is measured is how many calls a run makes, not how fast Jira is
    const issues = new Map<string, { key: string; done: boolean }>();
    let trackerCalls = 0;
    const call =
      <A extends unknown[], R>(fn: (...args: A) => R) =>
      async (...args: A) => {
        trackerCalls++;
        return fn(...args);
      };
    const tracker: TicketTracker = {
      kind: "jira",
      owns: (key) => key.startsWith("BENCH-"),
      findByLabel: call((label: string) => issues.get(label)),
      create: call((issue: TicketIssue) => {
        const key = `BENCH-${issues.size + 1}`;
        issues.set(issue.labels[0] ?? key, { key, done: false });
        return key;
      }),
      update: call(() => undefined),
      setDone: call((key: string, done: boolean) => {
        for (const i of issues.values()) if (i.key === key) i.done = done;
      }),
      comment: call(() => undefined),
    };
    const metered = meteredTable(tableName);
    const run = async (full: boolean) => {
      metered.meter.reset();
      trackerCalls = 0;
      const result = await tickets.syncTickets(
        { db: metered.db, bucket, tracker, routeFor: () => defaultRoute("SEC") },
        { full },
      );
      const m = metered.meter;
      return { result, calls: trackerCalls, rcu: round(m.rcu, 1), reads: m.calls - m.writes };
    };
    const first = await run(false);
    const idle = await run(false);
    const idleFull = await run(true);
    // one app rescanned with one finding fixed
    const fixed = findings(3).slice(1);
    await correlateScan(
      { db, bucket, events },
      await stageScanForBench(db, bucket, fixed, "bench-tickets-3"),
    );
    const one = await run(false);
    await correlateScan(
      { db, bucket, events },
      await stageScanForBench(db, bucket, findings(3), "bench-tickets-3"),
    );
    const oneFull = await run(true);
    const portfolio = `${APPS} apps × ${PER_APP} findings, ${first.result.groups} ticket groups`;
    printBench(io, {
      name: "ticket_sync_first_run",
      value: first.calls,
      unit: "tracker calls",
      baseline: null,
      ratio: null,
      note: `${portfolio}: ${first.result.created} created; DynamoDB ${first.reads} read calls, ${first.rcu} RCU`,
    });
    printBench(io, {
      name: "ticket_sync_nothing_changed",
      value: idle.rcu,
      unit: "RCU",
      baseline: idleFull.rcu,
      ratio: idleFull.rcu ? round(idle.rcu / idleFull.rcu, 4) : null,
      budget: "0 tracker calls, reads O(apps) items",
      note: `incremental: ${idle.calls} tracker calls, ${idle.reads} read calls; full regrouping (the old run): ${idleFull.calls} tracker calls, ${idleFull.reads} read calls`,
    });
    printBench(io, {
      name: "ticket_sync_one_finding_fixed",
      value: one.rcu,
      unit: "RCU",
      baseline: oneFull.rcu,
      ratio: oneFull.rcu ? round(one.rcu / oneFull.rcu, 4) : null,
      note: `incremental: ${one.calls} tracker calls (${one.result.updated} updated), ${one.reads} read calls; full regrouping: ${oneFull.calls} tracker calls, ${oneFull.reads} read calls`,
    });
  } finally {
    await stack.stop();
  }
}

export async function runMeasure(io: CliIo, name: MeasureName): Promise<void> {
  switch (name) {
    case "ticket-sync":
      return ticketSync(io);
    case "parse-sarif":
      return parseThroughput(io, FAMILIES.sarif);
    case "parse-trivy":
      return parseThroughput(io, FAMILIES.trivy);
    case "parse-cyclonedx":
      return parseThroughput(io, FAMILIES.cyclonedx);
    case "parse-nuclei":
      return parseThroughput(io, FAMILIES.nuclei);
    case "parse-dependency-check":
      return parseThroughput(io, FAMILIES.dependencyCheck);
    case "ingest":
      return ingest(io);
    case "sarif-e2e":
      return sarifEndToEnd(io);
    case "e2e-parallel":
      return uploadsInParallel(io);
    case "memory-200mb":
      return (await import("./memory.ts")).memoryPerFamily(io);
    case "correlate-250k":
      return (await import("./correlate-scale.ts")).correlateAtScale(io);
    case "bad-input":
      return badInputs(io);
    case "bundles":
      return bundles(io);
    case "posture-1m":
      return (await import("./posture-bench.ts")).postureBench(io);
  }
}
