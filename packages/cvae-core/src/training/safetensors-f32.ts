import * as tf from '@tensorflow/tfjs-core';

/**
 * A minimal safetensors codec for the Trainer's checkpoints (F32 and I32 only): an 8-byte
 * little-endian header length, a JSON header `{name: {dtype, shape, data_offsets}}`, then the
 * raw little-endian data. Stand-in until the io blocks of cvae-core provide the full reader/writer.
 */
export function encodeSafetensors(tensors: ReadonlyMap<string, tf.Tensor>, metadata?: Record<string, string>): Uint8Array {
  const names = [...tensors.keys()].sort();
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const name of names) {
    const t = tensors.get(name)!;
    if (t.dtype !== 'float32' && t.dtype !== 'int32') {
      throw new Error(`safetensors: tensor '${name}' has dtype ${t.dtype}; only float32 and int32 are written`);
    }
    const data = t.dataSync() as Float32Array | Int32Array;
    const bytes = new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
    header[name] = { dtype: t.dtype === 'float32' ? 'F32' : 'I32', shape: t.shape, data_offsets: [offset, offset + bytes.length] };
    chunks.push(bytes);
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let p = 8 + headerBytes.length;
  for (const c of chunks) {
    out.set(c, p);
    p += c.length;
  }
  return out;
}

/** Decode F32 / I32 tensors; errors name the file and the offending entry. */
export function decodeSafetensors(bytes: Uint8Array, source: string): Map<string, tf.Tensor> {
  if (bytes.length < 8) throw new Error(`${source}: ${bytes.length} bytes, expected at least an 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  if (8 + n > bytes.length) throw new Error(`${source}: header length ${n} at byte 0 runs past the end (${bytes.length} bytes)`);
  let header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  } catch (e) {
    throw new Error(`${source}: header (bytes 8..${8 + n}) is not JSON: ${(e as Error).message}`);
  }
  const base = 8 + n;
  const out = new Map<string, tf.Tensor>();
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const [a, b] = entry.data_offsets;
    const size = entry.shape.reduce((x, y) => x * y, 1);
    if (entry.dtype !== 'F32' && entry.dtype !== 'I32') {
      throw new Error(`${source}: tensor '${name}' has dtype ${entry.dtype}, expected F32 or I32`);
    }
    if (b - a !== size * 4 || base + b > bytes.length) {
      throw new Error(`${source}: tensor '${name}' data_offsets [${a}, ${b}] do not hold ${size} 4-byte values inside the file`);
    }
    const buf = bytes.slice(base + a, base + b).buffer;
    const values = entry.dtype === 'F32' ? new Float32Array(buf) : new Int32Array(buf);
    out.set(name, tf.tensor(values, entry.shape, entry.dtype === 'F32' ? 'float32' : 'int32'));
  }
  return out;
}
