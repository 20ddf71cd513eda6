import { readFile } from 'node:fs/promises';
import { decodeF16 } from '@actfusion/cvae-core/io';
import { unpickle } from './pickle-reader.js';
import { selectStateDict } from './select-state-dict.js';
import { TorchStorageRef, TorchTensorRef, torchStateDictHooks } from './torch-pickle-objects.js';
import { ZipArchive } from './zip-archive.js';

/** One tensor of a state dict, its values row-major: floats as float32, integers as int32, bools as 0/1. */
export interface TorchTensor {
  readonly name: string;
  readonly dtype: 'float32' | 'int32' | 'bool';
  /** The storage type in the file (`FloatStorage`, `HalfStorage`, `LongStorage`, ...). */
  readonly storage: string;
  readonly shape: number[];
  readonly values: Float32Array | Int32Array | Uint8Array;
}

/**
 * Reads a `torch.save` of a state dict in the zip layout PyTorch >= 1.6 writes (torchvision's
 * published weights, e.g. `resnet18-f37072fd.pth`): `<archive>/data.pkl` (an OrderedDict of
 * `_rebuild_tensor_v2` calls) and `<archive>/data/<key>` (raw little-endian storages). Strided
 * views and storage offsets are honoured; float16, bfloat16 and float64 become float32; integer
 * tensors int32 (an error if a value does not fit). `key` picks a state dict nested in a training
 * checkpoint (`{"model": {...}}`, `{"state_dict": ...}`; see `selectStateDict`). The legacy non-zip
 * format, any other pickled object and any inconsistency are errors naming the file.
 */
export async function readTorchStateDict(path: string, options: { key?: string } = {}): Promise<TorchTensor[]> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new Error(`${path}: cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)}); expected a torch.save state dict (.pth)`, { cause: err });
  }
  if (bytes.length >= 2 && bytes[0] === 0x80 && bytes[1] === 0x02) {
    throw new Error(
      `${path}: a legacy (non-zip, PyTorch < 1.6) torch.save file, which is not read; re-save it once with a recent PyTorch ` +
        `(torch.save(torch.load(f), g)) or download the zip-format weights torchvision publishes now`,
    );
  }
  if (bytes.length < 4 || bytes.readUInt32LE(0) !== 0x04034b50) {
    throw new Error(`${path}: not a torch.save zip archive (starts with bytes ${[...bytes.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join(' ') || '(empty)'}, expected 50 4b 03 04)`);
  }
  const zip = new ZipArchive(bytes, path);
  const pkl = zip.names().filter((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (pkl.length !== 1) throw new Error(`${path}: expected one <archive>/data.pkl member, found ${pkl.length} (${zip.names().slice(0, 5).join(', ')}...)`);
  const prefix = pkl[0]!.slice(0, -'data.pkl'.length);
  const order = zip.entries.has(`${prefix}byteorder`) ? zip.read(`${prefix}byteorder`).toString('latin1').trim() : 'little';
  if (order !== 'little') throw new Error(`${path}: storages are ${order}-endian; only little-endian files are read`);

  const root = unpickle(zip.read(pkl[0]!), torchStateDictHooks(path), `${path} (${pkl[0]})`);
  // Only the selected dict's storages are decoded (an optimizer state beside it is never read).
  const dict = selectStateDict(root, options.key, path);
  const storages = new Map<string, Float32Array | Int32Array | Uint8Array>();
  const out: TorchTensor[] = [];
  for (const [name, value] of dict) {
    const s = value.storage;
    let all = storages.get(s.key);
    if (!all) {
      all = decodeStorage(zip.read(`${prefix}data/${s.key}`), s, `${path}: storage data/${s.key} of '${name}'`);
      storages.set(s.key, all);
    }
    out.push({
      name,
      dtype: s.type.kind === 'float' ? 'float32' : s.type.kind === 'int' ? 'int32' : 'bool',
      storage: s.type.name,
      shape: [...value.size],
      values: gather(all, value, `${path}: '${name}'`),
    });
  }
  return out;
}

/** A storage's bytes as float32 / int32 / uint8 values. */
function decodeStorage(raw: Buffer, s: TorchStorageRef, where: string): Float32Array | Int32Array | Uint8Array {
  const t = s.type;
  if (raw.length !== s.numel * t.bytes) throw new Error(`${where}: ${raw.length} bytes, expected ${s.numel} x ${t.bytes} (${t.name})`);
  const own = new Uint8Array(raw.length); // aligned copy
  own.set(raw);
  const b = own.buffer;
  const n = s.numel;
  switch (t.name) {
    case 'FloatStorage': return new Float32Array(b, 0, n);
    case 'DoubleStorage': return Float32Array.from(new Float64Array(b, 0, n));
    case 'HalfStorage': return Float32Array.from(new Uint16Array(b, 0, n), (h) => decodeF16(h));
    case 'BFloat16Storage': return new Float32Array(Uint32Array.from(new Uint16Array(b, 0, n), (h) => h << 16).buffer);
    case 'IntStorage': return new Int32Array(b, 0, n);
    case 'ShortStorage': return Int32Array.from(new Int16Array(b, 0, n));
    case 'CharStorage': return Int32Array.from(new Int8Array(b, 0, n));
    case 'ByteStorage': return Int32Array.from(own);
    case 'BoolStorage': return own;
    case 'LongStorage': {
      const src = new BigInt64Array(b, 0, n);
      const i = src.findIndex((v) => v > 2147483647n || v < -2147483648n);
      if (i >= 0) throw new Error(`${where}: int64 element ${i} is ${src[i]}, which does not fit int32`);
      return Int32Array.from(src, (v) => Number(v));
    }
    default:
      throw new Error(`${where}: storage type ${t.name} is not read`);
  }
}

/** The view's elements in row-major order (copies; any strides within the storage). */
function gather<T extends Float32Array | Int32Array | Uint8Array>(all: T, t: TorchTensorRef, where: string): T {
  const { size, stride, offset } = t;
  const n = size.reduce((a, b) => a * b, 1);
  const Ctor = all.constructor as new (n: number) => T;
  if (n === 0) return new Ctor(0);
  const last = offset + size.reduce((acc, s, i) => acc + (s - 1) * stride[i]!, 0);
  if (last >= all.length) {
    throw new Error(`${where}: shape [${size}] with stride [${stride}] at offset ${offset} reaches element ${last} of a storage of ${all.length}`);
  }
  let contiguous = true;
  for (let i = size.length - 1, expect = 1; i >= 0; i--) {
    if (size[i] !== 1 && stride[i] !== expect) contiguous = false;
    expect *= size[i]!;
  }
  if (contiguous) return all.slice(offset, offset + n) as T;
  const out = new Ctor(n);
  const idx = new Array<number>(size.length).fill(0);
  for (let k = 0; k < n; k++) {
    let src = offset;
    for (let d = 0; d < size.length; d++) src += idx[d]! * stride[d]!;
    out[k] = all[src]!;
    for (let d = size.length - 1; d >= 0; d--) {
      if (++idx[d]! < size[d]!) break;
      idx[d] = 0;
    }
  }
  return out;
}
