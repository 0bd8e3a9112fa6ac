/**
 * Steadier benchmark figures: both sides measured in several interleaved rounds, and the median of
 * the per-round ratios reported with its spread. One round's ratio compares two runs made seconds
 * apart on the same machine state, so a slow moment (another process, a GC, DynamoDB Local's JIT)
 * moves one round's ratio, not the figure; a spread wider than ±15% marks the figure as noisy.
 */

/** Rounds a ratio needs at least: with 5 the median ignores the two most extreme rounds. */
export const MIN_ROUNDS = 5;

/** A ratio spread beyond this fraction of the median ratio, either way, is noisy. */
export const NOISE_BAND = 0.15;

export type Side = "baseline" | "ours";

/** One round: the figure each side measured (milliseconds, bytes, units: whatever the measure times). */
export interface RoundSample {
  round: number;
  ours: number;
  baseline: number;
}

export interface RoundsSummary {
  rounds: number;
  /** Median of our side's samples. */
  value: number;
  /** Median of the baseline's samples. */
  baseline: number;
  /** Median of the per-round ratios. */
  ratio: number;
  ratioMin: number;
  ratioMax: number;
  /** The ratio spread is wider than ±15% of the median ratio. */
  noisy: boolean;
}

/** The median; the mean of the two middle values for an even count. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error("median of no values");
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const upper = sorted[mid] ?? Number.NaN;
  return sorted.length % 2 ? upper : ((sorted[mid - 1] ?? Number.NaN) + upper) / 2;
}

/** True when the extreme ratios lie beyond ±15% of the median ratio. */
export function isNoisy(ratioMedian: number, ratioMin: number, ratioMax: number): boolean {
  if (!(ratioMedian > 0)) return true;
  // a hair of tolerance so that exactly ±15% (1.15, 0.85 in floating point) is not noisy
  const eps = 1e-9;
  return ratioMax / ratioMedian > 1 + NOISE_BAND + eps || ratioMin / ratioMedian < 1 - NOISE_BAND - eps;
}

/**
 * Medians and spread of the rounds. `ratioOf` turns one round into its ratio (baseline time over
 * ours for a speed, ours over baseline for a cost, ...).
 */
export function summarize(
  samples: readonly RoundSample[],
  ratioOf: (s: RoundSample) => number,
): RoundsSummary {
  if (samples.length === 0) throw new Error("no rounds to summarize");
  const ratios = samples.map(ratioOf);
  const ratio = median(ratios);
  const ratioMin = Math.min(...ratios);
  const ratioMax = Math.max(...ratios);
  return {
    rounds: samples.length,
    value: median(samples.map((s) => s.ours)),
    baseline: median(samples.map((s) => s.baseline)),
    ratio,
    ratioMin,
    ratioMax,
    noisy: isNoisy(ratio, ratioMin, ratioMax),
  };
}

/** Which side runs first in a round: alternating, starting with `first` in round 0. */
export function orderOf(round: number, first: Side = "baseline"): [Side, Side] {
  const other: Side = first === "baseline" ? "ours" : "baseline";
  return round % 2 === 0 ? [first, other] : [other, first];
}

export interface RoundsOptions {
  rounds?: number;
  /** The side that goes first in round 0 (default the baseline); the order alternates after. */
  first?: Side;
  /** Run before each side (default: a full GC when node runs with --expose-gc). */
  gc?: () => void;
  /** Each side measures itself (setup left out) and returns its figure. */
  ours: (round: number) => number | Promise<number>;
  baseline: (round: number) => number | Promise<number>;
}

/** A full GC when the process runs with --expose-gc (the bench's children do), else nothing. */
export function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** `rounds` (at least 5) rounds of both sides, interleaved, each preceded by `gc`. */
export async function runRounds(options: RoundsOptions): Promise<RoundSample[]> {
  const rounds = Math.max(MIN_ROUNDS, options.rounds ?? MIN_ROUNDS);
  const collect = options.gc ?? gc;
  const samples: RoundSample[] = [];
  for (let round = 0; round < rounds; round++) {
    const sample: RoundSample = { round, ours: Number.NaN, baseline: Number.NaN };
    for (const side of orderOf(round, options.first)) {
      collect();
      sample[side] = await options[side](round);
    }
    samples.push(sample);
  }
  return samples;
}

/** Time one synchronous call in milliseconds. */
export function timed(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}
