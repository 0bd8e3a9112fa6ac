import { spawnSync } from "node:child_process";
import { cpus, totalmem } from "node:os";
import { fileURLToPath } from "node:url";
import { CliError, type CliIo } from "../io.ts";

/**
 * `npm run bench`: every figure of DESIGN §11 as a ratio against a baseline measured in the same
 * run, one measure per child process (so peak memory is that measure's own), printed as
 * `BENCH {"name","value","unit","baseline","ratio"}` lines (timed figures: medians of interleaved
 * rounds, with `rounds`, `ratioMin`, `ratioMax` and `noisy`; see stats.ts). Nothing here asserts timings: budgets
 * are read by people and by the issue notes, never by tests.
 */

export interface BenchLine {
  name: string;
  value: number;
  unit: string;
  baseline: number | null;
  ratio: number | null;
  budget?: string;
  peakRssMb?: number;
  note?: string;
  /** Interleaved rounds behind the figure (stats.ts); value, baseline and ratio are their medians. */
  rounds?: number;
  /** The lowest and highest per-round ratio. */
  ratioMin?: number;
  ratioMax?: number;
  /** The per-round ratios spread wider than ±15% of the median ratio: read the figure with care. */
  noisy?: boolean;
}

export const MEASURES = [
  "parse-sarif",
  "parse-trivy",
  "parse-cyclonedx",
  "parse-nuclei",
  "parse-dependency-check",
  "ingest",
  "sarif-e2e",
  "e2e-parallel",
  "memory-200mb",
  "correlate-250k",
  "bad-input",
  "bundles",
  "ticket-sync",
  "posture-1m",
] as const;
export type MeasureName = (typeof MEASURES)[number];

export const BIN = fileURLToPath(new URL("../bin.mjs", import.meta.url));

export function printBench(io: CliIo, line: BenchLine): void {
  io.out(`BENCH ${JSON.stringify(line)}`);
}

export function peakRssMb(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

export async function benchCommand(io: CliIo, args: string[]): Promise<void> {
  const child = args.indexOf("--correlate-child");
  if (child >= 0) {
    const { correlateChild } = await import("./correlate-scale.ts");
    await correlateChild(io, args[child + 1] ?? "");
    return;
  }
  const badInputFlag = args.indexOf("--bad-input");
  if (badInputFlag >= 0) {
    // one bad input in this process (spawned by the bad-input measure and its test)
    const { runBadInput } = await import("./bad-inputs.ts");
    io.out(`BADINPUT ${JSON.stringify(runBadInput(args[badInputFlag + 1] ?? ""))}`);
    return;
  }
  const measureFlag = args.indexOf("--measure");
  if (measureFlag >= 0) {
    const name = args[measureFlag + 1];
    const { runMeasure } = await import("./measures.ts");
    if (!name || !(MEASURES as readonly string[]).includes(name))
      throw new CliError(`unknown measure ${name}; measures: ${MEASURES.join(", ")}`, 2);
    await runMeasure(io, name as MeasureName);
    return;
  }
  const only = args.filter((a) => !a.startsWith("--"));
  // a misspelt measure must not run nothing and pass
  const unknown = only.find((a) => !(MEASURES as readonly string[]).includes(a));
  if (unknown) throw new CliError(`unknown measure ${unknown}; measures: ${MEASURES.join(", ")}`, 2);
  const selected = only.length ? MEASURES.filter((m) => only.includes(m)) : [...MEASURES];
  io.out(
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`,
  );
  let failed = 0;
  for (const measure of selected) {
    const started = Date.now();
    // each measure in its own process: its peak RSS is its own, and a crash cannot hide the others
    const heap = measure === "memory-200mb" ? ["--max-old-space-size=2048"] : ["--max-old-space-size=4096"];
    const child = spawnSync(process.execPath, [...heap, "--expose-gc", BIN, "bench", "--measure", measure], {
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, POWERTOOLS_LOG_LEVEL: "ERROR" },
    });
    for (const line of child.stdout.split("\n")) if (line.trim()) io.out(line);
    if (child.status !== 0) {
      failed++;
      io.err(
        `measure ${measure} failed (exit ${child.status ?? child.signal}): ${child.stderr.split("\n").slice(-15).join("\n")}`,
      );
    } else {
      io.err(`measure ${measure}: ${((Date.now() - started) / 1000).toFixed(1)}s`);
    }
  }
  if (failed) throw new CliError(`${failed} measure(s) failed`, 1);
}
