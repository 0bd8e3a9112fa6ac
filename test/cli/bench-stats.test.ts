import { describe, expect, it } from "vitest";
import { isNoisy, median, orderOf, type RoundSample, runRounds, summarize } from "#cli/bench/stats";

/** The bench's round statistics: medians, the noise flag and the interleaving of both sides. */

describe("median", () => {
  it("is the middle value of an odd count, whatever the order", () => {
    expect(median([5])).toBe(5);
    expect(median([9, 1, 5])).toBe(5);
    expect(median([3, 100, 1, 2, -7])).toBe(2);
  });

  it("is the mean of the two middle values of an even count", () => {
    expect(median([1, 2])).toBe(1.5);
    expect(median([10, 1, 4, 2])).toBe(3);
  });

  it("does not reorder its input and refuses an empty list", () => {
    const values = [3, 1, 2];
    median(values);
    expect(values).toEqual([3, 1, 2]);
    expect(() => median([])).toThrow(/no values/);
  });
});

describe("noisy", () => {
  it("is false within ±15% of the median ratio, boundaries included", () => {
    expect(isNoisy(1, 1, 1)).toBe(false);
    expect(isNoisy(1, 0.85, 1.15)).toBe(false);
    expect(isNoisy(2, 1.7, 2.3)).toBe(false);
  });

  it("is true just beyond either boundary", () => {
    expect(isNoisy(1, 0.849, 1)).toBe(true);
    expect(isNoisy(1, 1, 1.151)).toBe(true);
    expect(isNoisy(2, 1.69, 2)).toBe(true);
  });

  it("is true for a median ratio that is not positive", () => {
    expect(isNoisy(0, 0, 0)).toBe(true);
    expect(isNoisy(Number.NaN, 1, 1)).toBe(true);
  });
});

describe("summarize", () => {
  const samples: RoundSample[] = [
    { round: 0, ours: 100, baseline: 50 },
    { round: 1, ours: 110, baseline: 55 },
    { round: 2, ours: 90, baseline: 60 },
    { round: 3, ours: 100, baseline: 40 },
    { round: 4, ours: 200, baseline: 100 },
  ];

  it("gives the medians of each side and of the per-round ratios, with their spread", () => {
    const s = summarize(samples, (r) => r.baseline / r.ours);
    expect(s).toMatchObject({ rounds: 5, value: 100, baseline: 55 });
    // ratios 0.5, 0.5, 0.667, 0.4, 0.5: the median ratio is not the ratio of the medians
    expect(s.ratio).toBe(0.5);
    expect(s.ratioMin).toBe(0.4);
    expect(s.ratioMax).toBeCloseTo(2 / 3);
    expect(s.noisy).toBe(true);
  });

  it("is steady when every round agrees within the band", () => {
    const steady = samples.map((r) => ({ ...r, baseline: r.ours * (r.round % 2 ? 1.05 : 0.95) }));
    const s = summarize(steady, (r) => r.baseline / r.ours);
    expect(s.ratio).toBeCloseTo(0.95);
    expect(s.noisy).toBe(false);
  });
});

describe("rounds", () => {
  it("alternates which side goes first, starting with the baseline unless told otherwise", () => {
    expect([0, 1, 2, 3].map((r) => orderOf(r))).toEqual([
      ["baseline", "ours"],
      ["ours", "baseline"],
      ["baseline", "ours"],
      ["ours", "baseline"],
    ]);
    expect(orderOf(0, "ours")).toEqual(["ours", "baseline"]);
    expect(orderOf(1, "ours")).toEqual(["baseline", "ours"]);
  });

  it("runs at least five interleaved rounds, a gc before each side, and keeps each side's figure", async () => {
    const calls: string[] = [];
    const samples = await runRounds({
      rounds: 2,
      gc: () => calls.push("gc"),
      ours: (round) => {
        calls.push(`ours${round}`);
        return 10 + round;
      },
      baseline: async (round) => {
        calls.push(`base${round}`);
        return 20 + round;
      },
    });
    expect(samples).toHaveLength(5);
    expect(samples[3]).toEqual({ round: 3, ours: 13, baseline: 23 });
    expect(calls.filter((c) => c !== "gc")).toEqual([
      "base0",
      "ours0",
      "ours1",
      "base1",
      "base2",
      "ours2",
      "ours3",
      "base3",
      "base4",
      "ours4",
    ]);
    // every side is preceded by its own gc
    expect(calls.filter((c, i) => c !== "gc" && calls[i - 1] !== "gc")).toEqual([]);
  });

  it("starts with our side when asked (a baseline that needs what our side wrote)", async () => {
    const order: string[] = [];
    await runRounds({
      rounds: 6,
      first: "ours",
      gc: () => undefined,
      ours: () => {
        order.push("o");
        return 1;
      },
      baseline: () => {
        order.push("b");
        return 1;
      },
    });
    expect(order.join("")).toBe("obboobboobbo");
  });
});
