import { crc32, inflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { barChartPng } from "#shared/integrations/png-chart";

interface Chunk {
  type: string;
  data: Buffer;
  crcOk: boolean;
}

function chunks(png: Buffer): Chunk[] {
  const out: Chunk[] = [];
  let o = 8;
  while (o < png.length) {
    const length = png.readUInt32BE(o);
    const type = png.subarray(o + 4, o + 8).toString("ascii");
    const data = png.subarray(o + 8, o + 8 + length);
    const crc = png.readUInt32BE(o + 8 + length);
    out.push({ type, data, crcOk: crc32(png.subarray(o + 4, o + 8 + length)) >>> 0 === crc });
    o += 12 + length;
  }
  return out;
}

function decode(png: Buffer) {
  const all = chunks(png);
  const ihdr = all.find((c) => c.type === "IHDR");
  if (!ihdr) throw new Error("no IHDR");
  const width = ihdr.data.readUInt32BE(0);
  const height = ihdr.data.readUInt32BE(4);
  const raw = inflateSync(Buffer.concat(all.filter((c) => c.type === "IDAT").map((c) => c.data)));
  const stride = width * 3 + 1;
  const pixel = (x: number, y: number) => {
    const p = y * stride + 1 + x * 3;
    return [raw[p], raw[p + 1], raw[p + 2]];
  };
  return { all, ihdr: ihdr.data, width, height, raw, stride, pixel };
}

const BLUE = [0x25, 0x63, 0xeb];
const RED = [0xdc, 0x26, 0x26];
const WHITE = [0xff, 0xff, 0xff];
const AXIS = [0xd1, 0xd5, 0xdb];

describe("barChartPng", () => {
  const png = barChartPng([1, 2, 3]);
  const img = decode(png);

  it("starts with the PNG signature", () => {
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  });

  it("has IHDR first and IEND last, all with valid CRCs", () => {
    expect(img.all.map((c) => c.type)).toEqual(["IHDR", "IDAT", "IEND"]);
    expect(img.all.every((c) => c.crcOk)).toBe(true);
    expect(img.all.at(-1)?.data.length).toBe(0);
  });

  it("declares 600×160, 8-bit RGB, no interlace", () => {
    expect(img.ihdr.length).toBe(13);
    expect(img.width).toBe(600);
    expect(img.height).toBe(160);
    expect(img.ihdr[8]).toBe(8);
    expect(img.ihdr[9]).toBe(2);
    expect([img.ihdr[10], img.ihdr[11], img.ihdr[12]]).toEqual([0, 0, 0]);
  });

  it("honours a custom size", () => {
    const small = decode(barChartPng([5], 120, 40));
    expect([small.width, small.height]).toEqual([120, 40]);
    expect(small.raw.length).toBe((120 * 3 + 1) * 40);
  });

  it("decodes to one filter byte (0) and width×3 bytes per row", () => {
    expect(img.raw.length).toBe(img.stride * img.height);
    for (let y = 0; y < img.height; y++) expect(img.raw[y * img.stride]).toBe(0);
  });

  it("draws blue bars, the latest one red, on a white background with an axis", () => {
    // 3 values over 600 px: slots of 193 px, bars of 135 px starting 29 px into the slot
    expect(img.pixel(39 + 60, 140)).toEqual(BLUE);
    expect(img.pixel(39 + 193 + 60, 140)).toEqual(BLUE);
    expect(img.pixel(39 + 2 * 193 + 60, 140)).toEqual(RED);
    expect(img.pixel(5, 5)).toEqual(WHITE);
    expect(img.pixel(300, 149)).toEqual(AXIS);
  });

  it("scales bar heights to the largest value", () => {
    const column = (x: number) => {
      let h = 0;
      for (let y = 0; y < img.height - 11; y++) if (img.pixel(x, y)[0] !== 0xff) h++;
      return h;
    };
    const [h1, h2, h3] = [column(99), column(99 + 193), column(99 + 386)];
    expect(h3).toBe(136); // (160 - 25) + the baseline row
    expect(h2).toBe(91);
    expect(h1).toBe(46);
  });

  it("renders an empty series as a valid image", () => {
    const empty = decode(barChartPng([]));
    expect(empty.raw.length).toBe(empty.stride * empty.height);
    expect(empty.pixel(300, 149)).toEqual(AXIS);
    expect(empty.pixel(300, 100)).toEqual(WHITE);
  });
});
