import { crc32, inflateSync } from "node:zlib";
import { expect } from "vitest";
import { ADVANCE, glyph } from "#shared/integrations/bitmap-font";
import type { Chart } from "#shared/integrations/png-chart";

/** Decodes our PNG (8-bit RGB, filter 0) back to pixels, checking every chunk's CRC. */
export function decodePng(png: Buffer) {
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const chunks: Array<{ type: string; data: Buffer }> = [];
  for (let o = 8; o < png.length; ) {
    const length = png.readUInt32BE(o);
    const type = png.subarray(o + 4, o + 8).toString("ascii");
    const data = png.subarray(o + 8, o + 8 + length);
    expect(crc32(png.subarray(o + 4, o + 8 + length)) >>> 0).toBe(png.readUInt32BE(o + 8 + length));
    chunks.push({ type, data });
    o += 12 + length;
  }
  expect(chunks.map((c) => c.type)).toEqual(["IHDR", "IDAT", "IEND"]);
  const ihdr = chunks[0]?.data ?? Buffer.alloc(13);
  const width = ihdr.readUInt32BE(0);
  const height = ihdr.readUInt32BE(4);
  expect([ihdr[8], ihdr[9]]).toEqual([8, 2]);
  const raw = inflateSync(chunks[1]?.data ?? Buffer.alloc(0));
  const stride = width * 3 + 1;
  expect(raw.length).toBe(stride * height);
  const pixel = (x: number, y: number) => {
    const p = y * stride + 1 + x * 3;
    return [raw[p], raw[p + 1], raw[p + 2]];
  };
  return { width, height, pixel };
}

/** Reads a label back from the pixels: every glyph cell must be ink or background exactly as the font says. */
export function inkMatches(img: ReturnType<typeof decodePng>, label: Chart["labels"][number]): boolean {
  return [...label.text].every((ch, i) =>
    glyph(ch).every((row, ry) =>
      row.every((ink, rx) => {
        const x = label.x + (i * ADVANCE + rx) * label.scale;
        const y = label.y + ry * label.scale;
        const p = img.pixel(x, y);
        return ink ? p.join() === label.color.join() : p.join() !== label.color.join();
      }),
    ),
  );
}
