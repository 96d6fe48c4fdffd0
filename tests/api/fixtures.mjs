// Test fixtures shared by the API and browser tests: real image bytes built in memory.
import zlib from 'node:zlib';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
export function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
// One PNG chunk: length, type, data, CRC of type + data.
export function chunk(type, data) {
  const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
// A valid RGB PNG of w x h (a gradient), built with zlib. ihdrW/ihdrH override the header only.
export function makePng(w, h, { ihdrW = w, ihdrH = h } = {}) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(ihdrW, 0); ihdr.writeUInt32BE(ihdrH, 4);
  ihdr[8] = 8; ihdr[9] = 2; // 8-bit RGB
  const raw = Buffer.alloc((1 + 3 * w) * h);
  for (let y = 0; y < h; y++) {
    raw[y * (1 + 3 * w)] = 0; // filter: none
    for (let x = 0; x < w; x++) raw.set([x * 30 % 256, y * 40 % 256, 128], y * (1 + 3 * w) + 1 + 3 * x);
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}
