import { crc32, deflateSync } from "node:zlib";

/**
 * A tiny PNG bar chart for the digest email (mail clients do not render SVG or scripts). RGB,
 * 8-bit, no dependencies: one IHDR, one IDAT, one IEND.
 */
function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed) >>> 0);
  return Buffer.concat([len, typed, crc]);
}

export function barChartPng(values: readonly number[], width = 600, height = 160): Buffer {
  const pixels = Buffer.alloc((width * 3 + 1) * height, 0xff);
  const set = (x: number, y: number, rgb: [number, number, number]) => {
    if (x < 0 || y < 0 || x >= width || y >= height) return;
    const o = y * (width * 3 + 1) + 1 + x * 3;
    pixels[o] = rgb[0];
    pixels[o + 1] = rgb[1];
    pixels[o + 2] = rgb[2];
  };
  for (let y = 0; y < height; y++) pixels[y * (width * 3 + 1)] = 0; // filter type 0 per row
  const axis: [number, number, number] = [0xd1, 0xd5, 0xdb];
  for (let x = 0; x < width; x++) set(x, height - 11, axis);
  const max = Math.max(1, ...values);
  const n = Math.max(1, values.length);
  const slot = Math.floor((width - 20) / n);
  const bar = Math.max(2, Math.floor(slot * 0.7));
  values.forEach((v, i) => {
    const h = Math.round(((height - 25) * v) / max);
    const x0 = 10 + i * slot + Math.floor((slot - bar) / 2);
    const color: [number, number, number] = i === values.length - 1 ? [0xdc, 0x26, 0x26] : [0x25, 0x63, 0xeb];
    for (let x = x0; x < x0 + bar; x++) for (let y = height - 12 - h; y < height - 11; y++) set(x, y, color);
  });
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(pixels)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}
