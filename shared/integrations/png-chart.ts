import { crc32, deflateSync } from "node:zlib";
import { ADVANCE, GLYPH_HEIGHT, glyph, textWidth } from "./bitmap-font.ts";

/**
 * The digest's trend chart as a PNG (mail clients render neither SVG nor scripts): a bar per week
 * with its value above it, a labelled y axis with gridlines at round numbers, week labels on the x
 * axis and a title. Weeks without data keep their slot, so one data point reads as one bar in week
 * 12, not as a full-width block. RGB 8-bit, encoded with node:zlib: IHDR, IDAT, IEND.
 */

type Rgb = readonly [number, number, number];

export const CHART_COLORS = {
  background: [0xff, 0xff, 0xff],
  text: [0x11, 0x18, 0x27],
  muted: [0x4b, 0x55, 0x63],
  grid: [0xe5, 0xe7, 0xeb],
  axis: [0x6b, 0x72, 0x80],
  bar: [0x25, 0x63, 0xeb],
  latest: [0x1e, 0x3a, 0x8a],
} as const satisfies Record<string, Rgb>;

export interface ChartPoint {
  /** x label, e.g. `MAR 09` */
  label: string;
  /** undefined: no data that week (the slot stays empty) */
  value?: number;
}

export interface ChartLabel {
  text: string;
  x: number;
  y: number;
  scale: number;
  color: Rgb;
  role: "title" | "y" | "x" | "value";
}

export interface Chart {
  png: Buffer;
  width: number;
  height: number;
  /** Where each text was drawn: what a test reads back from the pixels. */
  labels: ChartLabel[];
  /** The plot area and the y-axis ticks. */
  plot: { left: number; right: number; top: number; bottom: number; ticks: number[] };
}

/** Round tick values from 0 to at least `max`: steps of 1, 2 or 5 × 10^k, about four of them. */
export function niceTicks(max: number, target = 4): number[] {
  const top = Math.max(max, 1);
  const raw = top / target;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude) || 1;
  const ticks: number[] = [];
  const whole = Math.max(1, Math.round(step));
  for (let v = 0; v < top + whole; v += whole) {
    ticks.push(v);
    if (v >= top) break;
  }
  return ticks;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed) >>> 0);
  return Buffer.concat([len, typed, crc]);
}

class Canvas {
  readonly pixels: Buffer;
  readonly labels: ChartLabel[] = [];
  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.pixels = Buffer.alloc((width * 3 + 1) * height, 0xff);
    for (let y = 0; y < height; y++) this.pixels[y * (width * 3 + 1)] = 0; // filter type 0 per row
  }
  set(x: number, y: number, rgb: Rgb): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const o = y * (this.width * 3 + 1) + 1 + x * 3;
    this.pixels[o] = rgb[0];
    this.pixels[o + 1] = rgb[1];
    this.pixels[o + 2] = rgb[2];
  }
  rect(x0: number, y0: number, w: number, h: number, rgb: Rgb): void {
    for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) this.set(x, y, rgb);
  }
  text(text: string, x: number, y: number, scale: number, rgb: Rgb, role: ChartLabel["role"]): void {
    this.labels.push({ text, x, y, scale, color: rgb, role });
    [...text].forEach((ch, i) => {
      const rows = glyph(ch);
      const gx = x + i * ADVANCE * scale;
      for (const [ry, row] of rows.entries())
        for (const [rx, ink] of row.entries())
          if (ink) this.rect(gx + rx * scale, y + ry * scale, scale, scale, rgb);
    });
  }
  png(): Buffer {
    const header = Buffer.alloc(13);
    header.writeUInt32BE(this.width, 0);
    header.writeUInt32BE(this.height, 4);
    header[8] = 8; // bit depth
    header[9] = 2; // colour type RGB
    return Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk("IHDR", header),
      chunk("IDAT", deflateSync(this.pixels)),
      chunk("IEND", Buffer.alloc(0)),
    ]);
  }
}

/** A compact number for a label: 1234 → 1234, 12345 → 12.3K, 1234567 → 1.2M. */
export function shortNumber(n: number): string {
  const v = Math.round(n);
  if (Math.abs(v) < 10_000) return String(v);
  if (Math.abs(v) < 1_000_000) return `${(v / 1000).toFixed(v < 100_000 ? 1 : 0)}K`;
  return `${(v / 1_000_000).toFixed(1)}M`;
}

/** A weekly bar chart with a title, a labelled y axis, week labels and each bar's value. */
export function trendChart(title: string, points: readonly ChartPoint[], width = 600, height = 240): Chart {
  const c = new Canvas(width, height);
  const values = points.map((p) => p.value).filter((v): v is number => v !== undefined);
  const ticks = niceTicks(Math.max(0, ...values));
  const top = ticks.at(-1) ?? 1;
  const tickLabels = ticks.map(shortNumber);
  const yLabelWidth = Math.max(...tickLabels.map((t) => textWidth(t, 2)));
  // room above the plot for the title and for the value label of a bar that reaches the top tick
  const plot = { left: yLabelWidth + 16, right: width - 12, top: 60, bottom: height - 28, ticks };

  c.text(title.toUpperCase(), 8, 10, 2, CHART_COLORS.text, "title");
  for (const [i, tick] of ticks.entries()) {
    const y = plot.bottom - Math.round(((plot.bottom - plot.top) * tick) / top);
    if (tick > 0) c.rect(plot.left, y, plot.right - plot.left, 1, CHART_COLORS.grid);
    const label = tickLabels[i] ?? "";
    c.text(label, plot.left - 8 - textWidth(label, 2), y - GLYPH_HEIGHT, 2, CHART_COLORS.muted, "y");
  }
  c.rect(plot.left, plot.top, 1, plot.bottom - plot.top + 1, CHART_COLORS.axis);
  c.rect(plot.left, plot.bottom, plot.right - plot.left, 2, CHART_COLORS.axis);

  const n = Math.max(1, points.length);
  const slot = (plot.right - plot.left - 4) / n;
  const bar = Math.max(3, Math.floor(slot * 0.6));
  const latest = points.findLastIndex((p) => p.value !== undefined);
  points.forEach((p, i) => {
    const center = plot.left + 4 + Math.round(slot * i + slot / 2);
    const xScale = textWidth(p.label, 2) <= slot - 2 ? 2 : 1;
    c.text(
      p.label,
      center - Math.floor(textWidth(p.label, xScale) / 2),
      plot.bottom + 8,
      xScale,
      CHART_COLORS.muted,
      "x",
    );
    if (p.value === undefined) return;
    const h = Math.round(((plot.bottom - plot.top) * p.value) / top);
    const x0 = center - Math.floor(bar / 2);
    c.rect(x0, plot.bottom - h, bar, h, i === latest ? CHART_COLORS.latest : CHART_COLORS.bar);
    const label = shortNumber(p.value);
    const vScale = textWidth(label, 2) <= slot - 2 ? 2 : 1;
    c.text(
      label,
      center - Math.floor(textWidth(label, vScale) / 2),
      plot.bottom - h - 4 - GLYPH_HEIGHT * vScale,
      vScale,
      CHART_COLORS.text,
      "value",
    );
  });
  return { png: c.png(), width, height, labels: c.labels, plot };
}

/** The weeks of a 12-week trend, oldest first: `MAR 09` labels for each week ending on `date`'s weekday. */
export function weekSlots(date: string, weeks = 12): Array<{ date: string; label: string }> {
  const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
  const end = Date.parse(`${date}T00:00:00Z`);
  return Array.from({ length: weeks }, (_, i) => {
    const d = new Date(end - (weeks - 1 - i) * 7 * 86_400_000);
    return {
      date: d.toISOString().slice(0, 10),
      label: `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, "0")}`,
    };
  });
}
