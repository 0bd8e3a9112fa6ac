import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { CliIo } from "../io.ts";
import { peakRssMb, printBench } from "./bench.ts";

/**
 * `correlate_250k`: one scan of 250,000 findings through the correlate use case, in a process of
 * its own that does nothing else (as the Lambda does), its heap capped like the deployed
 * function's memory. The parent stages the scan on a local stack; the child only correlates.
 */

/** The deployed correlate function's memory (infra/constructs/ingest.ts) and time limit. */
export const CORRELATE_MEMORY_MB = 3008;
export const CORRELATE_TIMEOUT_S = 900;
const FINDINGS = 250_000;

const SELF = fileURLToPath(new URL("../bin.mjs", import.meta.url));

export async function correlateAtScale(io: CliIo): Promise<void> {
  const { startLocalStack } = await import("#cli/local/stack");
  const stack = await startLocalStack({ memory: true });
  try {
    const [{ documentClient }, { s3 }, { stageScanForBench }, { sarifResults }] = await Promise.all([
      import("#shared/aws/dynamodb"),
      import("#shared/aws/s3"),
      import("./stage.ts"),
      import("./generate.ts"),
    ]);
    const db = { client: documentClient, tableName: stack.env.ASPM_TABLE_NAME ?? "" };
    const bucket = { client: s3, bucketName: stack.env.ASPM_BUCKET_NAME ?? "" };
    const scanId = await stageScanForBench(db, bucket, sarifResults(FINDINGS, 11), "bench-250k");
    // Lambda gives Node the function's memory; V8's old space gets most of it
    const heapMb = Math.floor(CORRELATE_MEMORY_MB * 0.85);
    // asynchronously: s3rver serves the child from this process's event loop
    const child = await new Promise<{ status: number | null; stdout: string; stderr: string }>((done) => {
      const proc = spawn(
        process.execPath,
        [`--max-old-space-size=${heapMb}`, SELF, "bench", "--correlate-child", scanId],
        { env: { ...process.env, ...stack.env, POWERTOOLS_LOG_LEVEL: "ERROR" } },
      );
      let stdout = "";
      let stderr = "";
      proc.stdout.on("data", (d) => {
        stdout += d;
      });
      proc.stderr.on("data", (d) => {
        stderr += d;
      });
      proc.on("close", (status) => done({ status, stdout, stderr }));
    });
    const result = /CHILD (\{.*\})/.exec(child.stdout)?.[1];
    if (child.status !== 0 || !result)
      throw new Error(`correlate child failed (${child.status}): ${child.stderr.slice(-2000)}`);
    const figures = JSON.parse(result) as { ms: number; peakRssMb: number; counts: unknown; writes: unknown };
    printBench(io, {
      name: "correlate_250k",
      value: Math.round(figures.ms / 100) / 10,
      unit: "s",
      baseline: CORRELATE_TIMEOUT_S,
      ratio: Math.round((figures.ms / 1000 / CORRELATE_TIMEOUT_S) * 100) / 100,
      budget: `time ratio < 1 and peak RSS < ${CORRELATE_MEMORY_MB} MB (the deployed function)`,
      peakRssMb: figures.peakRssMb,
      note: `${FINDINGS} findings, first ingest on DynamoDB Local (slower than DynamoDB); peak RSS ${figures.peakRssMb} MB of the function's ${CORRELATE_MEMORY_MB} MB (${Math.round((figures.peakRssMb / CORRELATE_MEMORY_MB) * 100)}%); counts ${JSON.stringify(figures.counts)}`,
    });
  } finally {
    await stack.stop();
  }
}

/** The child: correlate one staged scan against the parent's stack (endpoints in its env), report. */
export async function correlateChild(io: CliIo, scanId: string): Promise<void> {
  const [{ documentClient }, { s3 }, { correlateScan }] = await Promise.all([
    import("#shared/aws/dynamodb"),
    import("#shared/aws/s3"),
    import("#shared/usecases/correlate-scan"),
  ]);
  const db = { client: documentClient, tableName: process.env.ASPM_TABLE_NAME ?? "" };
  const bucket = { client: s3, bucketName: process.env.ASPM_BUCKET_NAME ?? "" };
  const t = performance.now();
  const result = await correlateScan({ db, bucket, events: { publish: async () => undefined } }, scanId);
  const ms = performance.now() - t;
  if (result.outcome !== "processed") throw new Error(`correlate ${result.outcome}: ${result.reason}`);
  io.out(
    `CHILD ${JSON.stringify({ ms, peakRssMb: peakRssMb(), counts: result.counts, writes: result.writes })}`,
  );
}
