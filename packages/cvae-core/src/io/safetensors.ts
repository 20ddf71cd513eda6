import { open } from 'node:fs/promises';
import { endianness } from 'node:os';
import { writeFileAtomic } from '@actfusion/atomic-file';
import * as tf from '@tensorflow/tfjs-core';
import { decodeTensor, isSafetensorsDtype, SAFETENSORS_DTYPE_BYTES, type SafetensorsDtype } from './safetensors-dtype.js';

/**
 * Safetensors files (https://github.com/huggingface/safetensors): an 8-byte little-endian header
 * length N, N bytes of JSON `{name: {dtype, shape, data_offsets: [begin, end]}, __metadata__?}`,
 * then the data; offsets are relative to the end of the header.
 */
export interface SafetensorsEntry {
  readonly name: string;
  readonly dtype: SafetensorsDtype;
  readonly shape: number[];
  /** [begin, end) relative to the data section. */
  readonly dataOffsets: [number, number];
}

export interface SafetensorsHeader {
  readonly path: string;
  /** N, the JSON header's byte length (padding included). */
  readonly headerLength: number;
  /** Absolute file offset of the data section (8 + N). */
  readonly dataStart: number;
  /** Entries in file order (by begin offset). */
  readonly tensors: SafetensorsEntry[];
  readonly metadata: Record<string, string>;
}

/** The reference implementation's limit on the JSON header (100 MB). */
const MAX_HEADER = 100_000_000;

/** Read and validate the header only (the data is not read). */
export async function readSafetensorsHeader(path: string): Promise<SafetensorsHeader> {
  const fh = await open(path, 'r');
  try {
    return await readHeader(fh, path);
  } finally {
    await fh.close();
  }
}

/**
 * Read tensors: the header, then each selected tensor's byte range into a buffer of its own, so a
 * large file is never held in memory twice. F32/F64/F16/BF16 become float32 tensors, integer types
 * int32, BOOL bool. `names` selects a subset (a list, where every name must exist, or a predicate).
 */
export async function readSafetensors(
  path: string,
  options: { names?: Iterable<string> | ((name: string) => boolean) } = {},
): Promise<{ tensors: Map<string, tf.Tensor>; metadata: Record<string, string> }> {
  if (endianness() !== 'LE') throw new Error(`${path}: safetensors reading needs a little-endian host`);
  const fh = await open(path, 'r');
  const tensors = new Map<string, tf.Tensor>();
  try {
    const header = await readHeader(fh, path);
    let select: (name: string) => boolean = () => true;
    if (typeof options.names === 'function') select = options.names;
    else if (options.names) {
      const wanted = new Set(options.names);
      const have = new Set(header.tensors.map((t) => t.name));
      const absent = [...wanted].filter((n) => !have.has(n));
      if (absent.length > 0) throw new Error(`${path}: no tensor named ${absent.map((n) => `'${n}'`).join(', ')}`);
      select = (n) => wanted.has(n);
    }
    for (const e of header.tensors) {
      if (!select(e.name)) continue;
      const [begin, end] = e.dataOffsets;
      const bytes = new Uint8Array(end - begin); // own ArrayBuffer: offset 0, aligned for any view
      let done = 0;
      while (done < bytes.length) {
        const { bytesRead } = await fh.read(bytes, done, bytes.length - done, header.dataStart + begin + done);
        if (bytesRead === 0) throw new Error(`${path}: tensor '${e.name}': file ended after ${done} of ${bytes.length} bytes`);
        done += bytesRead;
      }
      tensors.set(e.name, decodeTensor(bytes, e.dtype, e.shape, `${path}: tensor '${e.name}'`));
    }
    return { tensors, metadata: header.metadata };
  } catch (err) {
    tf.dispose([...tensors.values()]);
    throw err;
  } finally {
    await fh.close();
  }
}

async function readHeader(fh: Awaited<ReturnType<typeof open>>, path: string): Promise<SafetensorsHeader> {
  const size = (await fh.stat()).size;
  if (size < 8) throw new Error(`${path}: ${size} bytes, expected at least 8 (the header length) for a safetensors file`);
  const lenBuf = Buffer.alloc(8);
  await fh.read(lenBuf, 0, 8, 0);
  const n = lenBuf.readBigUInt64LE(0);
  if (n > BigInt(size - 8) || n > BigInt(MAX_HEADER)) {
    throw new Error(`${path}: header length ${n} (bytes 0-7) exceeds the ${size - 8} bytes after it (or the 100 MB limit)`);
  }
  const headerLength = Number(n);
  const json = Buffer.alloc(headerLength);
  await fh.read(json, 0, headerLength, 8);
  let parsed: unknown;
  try {
    parsed = JSON.parse(json.toString('utf8'));
  } catch (e) {
    throw new Error(`${path}: header (bytes 8-${8 + headerLength}) is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`${path}: header must be a JSON object of tensors, got ${Array.isArray(parsed) ? 'an array' : typeof parsed}`);
  }
  const dataStart = 8 + headerLength;
  const dataLength = size - dataStart;
  let metadata: Record<string, string> = {};
  const tensors: SafetensorsEntry[] = [];
  for (const [name, raw] of Object.entries(parsed as Record<string, unknown>)) {
    if (name === '__metadata__') {
      metadata = parseMetadata(raw, path);
      continue;
    }
    tensors.push(parseEntry(name, raw, dataLength, path));
  }
  tensors.sort((a, b) => a.dataOffsets[0] - b.dataOffsets[0] || a.dataOffsets[1] - b.dataOffsets[1]);
  for (let i = 1; i < tensors.length; i++) {
    const prev = tensors[i - 1]!;
    const cur = tensors[i]!;
    if (cur.dataOffsets[0] < prev.dataOffsets[1]) {
      throw new Error(
        `${path}: tensor '${cur.name}' data_offsets [${cur.dataOffsets}] overlap tensor '${prev.name}' [${prev.dataOffsets}]`,
      );
    }
  }
  return { path, headerLength, dataStart, tensors, metadata };
}

function parseMetadata(raw: unknown, path: string): Record<string, string> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new Error(`${path}: '__metadata__' must be an object of strings`);
  }
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v !== 'string') throw new Error(`${path}: '__metadata__.${k}' is ${JSON.stringify(v)}, expected a string`);
  }
  return { ...(raw as Record<string, string>) };
}

function parseEntry(name: string, raw: unknown, dataLength: number, path: string): SafetensorsEntry {
  const where = `${path}: tensor '${name}'`;
  if (typeof raw !== 'object' || raw === null) throw new Error(`${where}: expected {dtype, shape, data_offsets}, got ${JSON.stringify(raw)}`);
  const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
  if (!isSafetensorsDtype(dtype)) {
    throw new Error(`${where}: unknown dtype ${JSON.stringify(dtype)}, expected one of ${Object.keys(SAFETENSORS_DTYPE_BYTES).join(', ')}`);
  }
  const isUint = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
  if (!Array.isArray(shape) || !shape.every(isUint)) {
    throw new Error(`${where}: shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isUint)) {
    throw new Error(`${where}: data_offsets ${JSON.stringify(offsets)} is not [begin, end] of non-negative integers`);
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end || end > dataLength) {
    throw new Error(`${where}: data_offsets [${begin}, ${end}] out of range: the data section has ${dataLength} bytes`);
  }
  const expected = (shape as number[]).reduce((a, b) => a * b, 1) * SAFETENSORS_DTYPE_BYTES[dtype];
  if (end - begin !== expected) {
    throw new Error(`${where}: data_offsets [${begin}, ${end}] hold ${end - begin} bytes, expected ${expected} for ${dtype} [${shape}]`);
  }
  return { name, dtype, shape: shape as number[], dataOffsets: [begin, end] };
}

/** What `writeSafetensors` reads of a tensor: a `tf.Tensor`, or values held outside any backend. */
export interface SafetensorsSource {
  readonly shape: readonly number[];
  readonly dtype: tf.DataType;
  readonly size: number;
  data(): Promise<tf.TypedArray | string[] | Uint8Array[]>;
}

const WRITE_DTYPES: Partial<Record<tf.DataType, SafetensorsDtype>> = { float32: 'F32', int32: 'I32', bool: 'BOOL' };

/**
 * Write tensors (float32 → F32, int32 → I32, bool → BOOL) atomically: a temporary file next to
 * `path`, fsync, then rename. Tensors are laid out in sorted name order; the header lists
 * `__metadata__` first and is padded with spaces to a multiple of 8 bytes like the reference.
 */
export async function writeSafetensors(
  path: string,
  tensors: ReadonlyMap<string, SafetensorsSource> | Record<string, SafetensorsSource>,
  options: { metadata?: Record<string, string> } = {},
): Promise<void> {
  const entries = (tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors)) as [string, SafetensorsSource][];
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const header: Record<string, unknown> = {};
  if (options.metadata && Object.keys(options.metadata).length > 0) {
    for (const [k, v] of Object.entries(options.metadata)) {
      if (typeof v !== 'string') throw new Error(`${path}: metadata '${k}' must be a string, got ${typeof v}`);
    }
    header.__metadata__ = options.metadata;
  }
  let offset = 0;
  for (const [name, t] of entries) {
    if (name === '__metadata__') throw new Error(`${path}: '__metadata__' cannot be a tensor name`);
    const dtype = WRITE_DTYPES[t.dtype];
    if (!dtype) throw new Error(`${path}: tensor '${name}' has dtype ${t.dtype}; only float32, int32 and bool can be written`);
    const bytes = t.size * SAFETENSORS_DTYPE_BYTES[dtype];
    header[name] = { dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  const pad = (8 - (json.length % 8)) % 8;
  if (pad > 0) json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));

  await writeFileAtomic(path, async (fh) => {
    await fh.write(len);
    await fh.write(json);
    for (const [, t] of entries) {
      const data = await t.data();
      const view = t.dtype === 'bool' ? Uint8Array.from(data as Uint8Array) : (data as Float32Array | Int32Array);
      await fh.write(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
    }
  });
}
