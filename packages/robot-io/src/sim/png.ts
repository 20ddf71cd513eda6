import { deflateSync } from 'node:zlib';
import { writeFileAtomicSync } from '@actfusion/atomic-file';
import type { ImageFrame } from '@actfusion/contracts';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, body: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + body.length);
  out.writeUInt32BE(body.length, 0);
  out.write(type, 4, 'ascii');
  out.set(body, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + body.length)), 8 + body.length);
  return out;
}

/** Encodes an RGB frame (HWC, 8 bit) as a PNG (colour type 2, filter 0 on every row). */
export function encodePng(frame: ImageFrame): Buffer {
  const { height: h, width: w, data } = frame;
  if (data.length !== h * w * 3) throw new Error(`encodePng: ${data.length} bytes for a ${h}x${w} RGB frame (expected ${h * w * 3})`);
  const raw = Buffer.alloc(h * (1 + 3 * w));
  for (let y = 0; y < h; y++) raw.set(data.subarray(3 * w * y, 3 * w * (y + 1)), y * (1 + 3 * w) + 1);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([sig, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0))]);
}

/** Writes a frame as a PNG file atomically (temp file + rename). */
export function writePng(path: string, frame: ImageFrame): void {
  writeFileAtomicSync(path, encodePng(frame));
}
