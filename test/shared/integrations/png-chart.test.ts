import { describe, expect, it } from "vitest";
import { ADVANCE } from "#shared/integrations/bitmap-font";
import { CHART_COLORS, niceTicks, shortNumber, trendChart, weekSlots } from "#shared/integrations/png-chart";
import { decodePng, inkMatches } from "#test/support/png";

const WEEKS = weekSlots("2026-03-09");
const VALUES = [182, 175, 190, 160, 151, 149, 133, 120, 118, 97, 88, 76];
const title = "Open actionable findings (P1+P2), last 12 weeks";

describe("trendChart with 12 weeks", () => {
  const chart = trendChart(
    title,
    WEEKS.map((w, i) => ({ label: w.label, value: VALUES[i] })),
  );
  const img = decodePng(chart.png);

  it("is a 600×240 PNG", () => {
    expect([img.width, img.height]).toEqual([600, 240]);
  });

  it("labels the y axis with round ticks from 0 past the highest value", () => {
    expect(chart.plot.ticks).toEqual([0, 50, 100, 150, 200]);
    expect(chart.labels.filter((l) => l.role === "y").map((l) => l.text)).toEqual([
      "0",
      "50",
      "100",
      "150",
      "200",
    ]);
  });

  it("labels every week and every bar's value, and the title", () => {
    expect(chart.labels.filter((l) => l.role === "x").map((l) => l.text)).toEqual(WEEKS.map((w) => w.label));
    expect(WEEKS[0]?.label).toBe("DEC 22");
    expect(WEEKS[11]?.label).toBe("MAR 09");
    expect(chart.labels.filter((l) => l.role === "value").map((l) => l.text)).toEqual(VALUES.map(String));
    expect(chart.labels.find((l) => l.role === "title")?.text).toBe(title.toUpperCase());
  });

  it("draws every label's glyphs where it says, readable back from the pixels", () => {
    for (const label of chart.labels) expect(inkMatches(img, label), label.text).toBe(true);
  });

  it("draws the axes", () => {
    const midY = Math.round((chart.plot.top + chart.plot.bottom) / 2);
    expect(img.pixel(chart.plot.left, midY)).toEqual([...CHART_COLORS.axis]);
    expect(img.pixel(Math.round((chart.plot.left + chart.plot.right) / 2), chart.plot.bottom)).toEqual([
      ...CHART_COLORS.axis,
    ]);
  });

  it("draws bars as tall as their values, the latest week darker", () => {
    const values = chart.labels.filter((l) => l.role === "value");
    const heights = values.map((l) => {
      const x = l.x + Math.floor((l.text.length * ADVANCE * l.scale) / 2);
      let h = 0;
      for (let y = chart.plot.bottom - 1; y > chart.plot.top - 2; y--) {
        const p = img.pixel(x, y).join();
        if (p === CHART_COLORS.bar.join() || p === CHART_COLORS.latest.join()) h++;
        else if (h) break;
      }
      return h;
    });
    const scale = (chart.plot.bottom - chart.plot.top) / 200;
    for (const [i, h] of heights.entries())
      expect(Math.abs(h - (VALUES[i] ?? 0) * scale)).toBeLessThanOrEqual(1);
    const last = values.at(-1);
    expect(img.pixel((last?.x ?? 0) + 2, chart.plot.bottom - 2)).toEqual([...CHART_COLORS.latest]);
  });
});

describe("trendChart with one data point", () => {
  const chart = trendChart(
    title,
    WEEKS.map((w, i) => ({ label: w.label, ...(i === 11 ? { value: 7 } : {}) })),
  );
  const img = decodePng(chart.png);

  it("draws one bar in the last week's slot with its value, on a 0–8 axis", () => {
    expect(chart.plot.ticks).toEqual([0, 2, 4, 6, 8]);
    expect(chart.labels.filter((l) => l.role === "value").map((l) => l.text)).toEqual(["7"]);
    for (const label of chart.labels) expect(inkMatches(img, label), label.text).toBe(true);
    // scan a row just above the x axis: bar pixels only in the last slot, not a full-width block
    const y = chart.plot.bottom - 3;
    const barColumns: number[] = [];
    for (let x = chart.plot.left + 1; x < chart.plot.right; x++)
      if (img.pixel(x, y).join() === CHART_COLORS.latest.join()) barColumns.push(x);
    const slot = (chart.plot.right - chart.plot.left) / 12;
    expect(barColumns.length).toBeGreaterThan(10);
    expect(barColumns.length).toBeLessThan(slot);
    expect(Math.min(...barColumns)).toBeGreaterThan(chart.plot.right - slot - 2);
  });

  it("draws an all-zero week as a labelled 0 with an axis, and no data as no bar", () => {
    const zero = trendChart(title, [{ label: "MAR 09", value: 0 }]);
    expect(zero.plot.ticks).toEqual([0, 1]);
    expect(zero.labels.filter((l) => l.role === "value").map((l) => l.text)).toEqual(["0"]);
    const none = trendChart(title, []);
    expect(none.labels.filter((l) => l.role === "value")).toEqual([]);
    decodePng(none.png);
  });
});

describe("chart numbers", () => {
  it("picks round ticks", () => {
    expect(niceTicks(0)).toEqual([0, 1]);
    expect(niceTicks(7)).toEqual([0, 2, 4, 6, 8]);
    expect(niceTicks(190)).toEqual([0, 50, 100, 150, 200]);
    expect(niceTicks(1234)).toEqual([0, 500, 1000, 1500]);
    expect(niceTicks(20)).toEqual([0, 5, 10, 15, 20]);
  });

  it("shortens big numbers to fit a bar", () => {
    expect([shortNumber(9999), shortNumber(12345), shortNumber(349601), shortNumber(1_234_567)]).toEqual([
      "9999",
      "12.3K",
      "350K",
      "1.2M",
    ]);
  });
});
