import { crc32, inflateRawSync } from 'node:zlib';

/** One member of a zip archive, as its central directory describes it. */
export interface ZipEntry {
  readonly name: string;
  /** 0 stored, 8 deflate (the only two read). */
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly crc: number;
  /** Offset of the member's local header. */
  readonly localHeaderOffset: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const U32_MAX = 0xffffffff;

/**
 * A zip archive held in memory (what `torch.save` writes since PyTorch 1.6: stored members,
 * 64-byte aligned, zip64 end records), read through its central directory. Stored and deflated
 * members are read, CRC-checked; encrypted members, other methods and multi-disk archives are
 * refused with the file, the member and the byte offset.
 */
export class ZipArchive {
  readonly entries: ReadonlyMap<string, ZipEntry>;

  constructor(
    private readonly bytes: Buffer,
    readonly source: string,
  ) {
    this.entries = readCentralDirectory(bytes, source);
  }

  /** The members' names in central-directory order. */
  names(): string[] {
    return [...this.entries.keys()];
  }

  /** The uncompressed bytes of member `name` (a view into the archive when stored). */
  read(name: string): Buffer {
    const e = this.entries.get(name);
    if (!e) throw new Error(`${this.source}: the archive has no member '${name}'`);
    const b = this.bytes;
    const at = e.localHeaderOffset;
    if (at + 30 > b.length || b.readUInt32LE(at) !== LOCAL) {
      throw new Error(`${this.source}: member '${name}': no local file header at byte ${at}`);
    }
    if (b.readUInt16LE(at + 6) & 1) throw new Error(`${this.source}: member '${name}' is encrypted`);
    const start = at + 30 + b.readUInt16LE(at + 26) + b.readUInt16LE(at + 28);
    const end = start + e.compressedSize;
    if (end > b.length) throw new Error(`${this.source}: member '${name}' (bytes ${start}-${end}) runs past the end of the file (${b.length} bytes); the file is truncated`);
    const raw = b.subarray(start, end);
    let data: Buffer;
    if (e.method === 0) data = raw;
    else if (e.method === 8) data = inflateRawSync(raw);
    else throw new Error(`${this.source}: member '${name}' uses compression method ${e.method}; expected 0 (stored) or 8 (deflate)`);
    if (data.length !== e.size) throw new Error(`${this.source}: member '${name}' holds ${data.length} bytes, its header says ${e.size}`);
    if (crc32(data) >>> 0 !== e.crc) throw new Error(`${this.source}: member '${name}' fails its CRC-32 check; the file is corrupt`);
    return data;
  }
}

function readCentralDirectory(b: Buffer, source: string): Map<string, ZipEntry> {
  const eocd = findEocd(b, source);
  let count = b.readUInt16LE(eocd + 10);
  let cdSize = b.readUInt32LE(eocd + 12);
  let cdOffset = b.readUInt32LE(eocd + 16);
  if (b.readUInt16LE(eocd + 4) !== 0 || b.readUInt16LE(eocd + 6) !== 0) throw new Error(`${source}: a multi-disk zip archive; expected a single file`);
  if (count === 0xffff || cdSize === U32_MAX || cdOffset === U32_MAX) {
    const loc = eocd - 20;
    if (loc < 0 || b.readUInt32LE(loc) !== ZIP64_LOCATOR) throw new Error(`${source}: zip64 sizes without a zip64 locator before byte ${eocd}`);
    const at = num(b.readBigUInt64LE(loc + 8), source, loc + 8);
    if (at + 56 > b.length || b.readUInt32LE(at) !== ZIP64_EOCD) throw new Error(`${source}: no zip64 end of central directory at byte ${at}`);
    count = num(b.readBigUInt64LE(at + 32), source, at + 32);
    cdSize = num(b.readBigUInt64LE(at + 40), source, at + 40);
    cdOffset = num(b.readBigUInt64LE(at + 48), source, at + 48);
  }
  if (cdOffset + cdSize > b.length) throw new Error(`${source}: the central directory (bytes ${cdOffset}-${cdOffset + cdSize}) runs past the end of the file; the file is truncated`);
  const entries = new Map<string, ZipEntry>();
  let p = cdOffset;
  for (let i = 0; i < count; i++) {
    if (p + 46 > b.length || b.readUInt32LE(p) !== CENTRAL) throw new Error(`${source}: central directory entry ${i} missing at byte ${p}`);
    const nameLen = b.readUInt16LE(p + 28);
    const extraLen = b.readUInt16LE(p + 30);
    const commentLen = b.readUInt16LE(p + 32);
    const name = b.toString('utf8', p + 46, p + 46 + nameLen);
    let compressedSize = b.readUInt32LE(p + 20);
    let size = b.readUInt32LE(p + 24);
    let localHeaderOffset = b.readUInt32LE(p + 42);
    if (compressedSize === U32_MAX || size === U32_MAX || localHeaderOffset === U32_MAX) {
      // zip64 extended information (0x0001): the fields that overflowed, in this order.
      const z = findExtra(b, p + 46 + nameLen, extraLen, 0x0001);
      if (z === null) throw new Error(`${source}: entry '${name}' has 32-bit overflow markers but no zip64 extra field (byte ${p})`);
      let q = z;
      const next = (): number => {
        const v = num(b.readBigUInt64LE(q), source, q);
        q += 8;
        return v;
      };
      if (size === U32_MAX) size = next();
      if (compressedSize === U32_MAX) compressedSize = next();
      if (localHeaderOffset === U32_MAX) localHeaderOffset = next();
    }
    entries.set(name, { name, method: b.readUInt16LE(p + 10), compressedSize, size, crc: b.readUInt32LE(p + 16), localHeaderOffset });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

function findEocd(b: Buffer, source: string): number {
  const stop = Math.max(0, b.length - 22 - 0xffff);
  for (let p = b.length - 22; p >= stop; p--) {
    if (b.readUInt32LE(p) === EOCD) return p;
  }
  throw new Error(`${source}: not a zip archive (no end-of-central-directory record); the file is truncated or of another format`);
}

function findExtra(b: Buffer, start: number, length: number, id: number): number | null {
  for (let p = start; p + 4 <= start + length; ) {
    const size = b.readUInt16LE(p + 2);
    if (b.readUInt16LE(p) === id) return p + 4;
    p += 4 + size;
  }
  return null;
}

function num(v: bigint, source: string, at: number): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`${source}: value ${v} at byte ${at} is too large`);
  return Number(v);
}
