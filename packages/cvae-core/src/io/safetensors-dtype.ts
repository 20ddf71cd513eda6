import * as tf from '@tensorflow/tfjs-core';

/** Safetensors dtypes this reader decodes, with their byte widths. */
export const SAFETENSORS_DTYPE_BYTES = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  U64: 8,
  I32: 4,
  U32: 4,
  I16: 2,
  U16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
} as const;

export type SafetensorsDtype = keyof typeof SAFETENSORS_DTYPE_BYTES;

export function isSafetensorsDtype(d: unknown): d is SafetensorsDtype {
  return typeof d === 'string' && Object.hasOwn(SAFETENSORS_DTYPE_BYTES, d);
}

let f16Table: Float32Array | null = null;

/** IEEE binary16 → float32 for every bit pattern (built once, 256 KiB). */
function halfTable(): Float32Array {
  if (f16Table) return f16Table;
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    if (exp === 0) t[h] = sign * frac * 2 ** -24; // zero and subnormals
    else if (exp === 31) t[h] = frac === 0 ? sign * Infinity : NaN;
    else t[h] = sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  f16Table = t;
  return t;
}

/** Decode one F16 value (exposed for tests). */
export function decodeF16(bits: number): number {
  return halfTable()[bits & 0xffff]!;
}

/**
 * Turn little-endian bytes (an exactly sized, 8-byte aligned buffer of its own) into a tensor:
 * floats become float32, integers int32 (64-bit values must fit in int32), BOOL becomes bool.
 * `where` names the file and tensor for errors.
 */
export function decodeTensor(bytes: Uint8Array, dtype: SafetensorsDtype, shape: number[], where: string): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const buf = bytes.buffer;
  const off = bytes.byteOffset;
  const toInt32 = (src: ArrayLike<number>): Int32Array => Int32Array.from(src);
  switch (dtype) {
    case 'F32':
      return tf.tensor(new Float32Array(buf, off, n), shape, 'float32');
    case 'F64':
      return tf.tensor(Float32Array.from(new Float64Array(buf, off, n)), shape, 'float32');
    case 'F16': {
      const table = halfTable();
      const src = new Uint16Array(buf, off, n);
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = table[src[i]!]!;
      return tf.tensor(out, shape, 'float32');
    }
    case 'BF16': {
      const src = new Uint16Array(buf, off, n);
      const bits = new Uint32Array(n);
      for (let i = 0; i < n; i++) bits[i] = src[i]! << 16;
      return tf.tensor(new Float32Array(bits.buffer), shape, 'float32');
    }
    case 'I64':
    case 'U64': {
      const src = dtype === 'I64' ? new BigInt64Array(buf, off, n) : new BigUint64Array(buf, off, n);
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const v = src[i]!;
        if (v > 2147483647n || v < -2147483648n) {
          throw new Error(`${where}: ${dtype} element ${i} is ${v}, which does not fit the int32 tensors of tfjs`);
        }
        out[i] = Number(v);
      }
      return tf.tensor(out, shape, 'int32');
    }
    case 'I32':
      return tf.tensor(new Int32Array(buf, off, n), shape, 'int32');
    case 'U32': {
      const src = new Uint32Array(buf, off, n);
      const i = src.findIndex((v) => v > 2147483647);
      if (i >= 0) throw new Error(`${where}: U32 element ${i} is ${src[i]}, which does not fit int32`);
      return tf.tensor(toInt32(src), shape, 'int32');
    }
    case 'I16':
      return tf.tensor(toInt32(new Int16Array(buf, off, n)), shape, 'int32');
    case 'U16':
      return tf.tensor(toInt32(new Uint16Array(buf, off, n)), shape, 'int32');
    case 'I8':
      return tf.tensor(toInt32(new Int8Array(buf, off, n)), shape, 'int32');
    case 'U8':
      return tf.tensor(toInt32(new Uint8Array(buf, off, n)), shape, 'int32');
    case 'BOOL':
      return tf.tensor(new Uint8Array(buf, off, n), shape, 'bool');
  }
}
