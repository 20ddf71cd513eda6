import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeF16 } from '../src/io/safetensors-dtype.js';
import { readSafetensors, readSafetensorsHeader, writeSafetensors } from '../src/io/safetensors.js';
import { TransformerEncoderLayer } from '../src/nn/transformer-encoder-layer.js';
import { Rng } from '../src/random/rng.js';
import { useCpuBackend } from '../src/testing/index.js';

useCpuBackend();

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'safetensors-test-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A file assembled by hand: 8-byte LE length, JSON header, raw bytes. */
async function handFile(name: string, header: string, data: number[], lengthOverride?: number): Promise<string> {
  const json = Buffer.from(header, 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(lengthOverride ?? json.length));
  const path = join(dir, name);
  await writeFile(path, Buffer.concat([len, json, Buffer.from(data)]));
  return path;
}

describe('readSafetensors', () => {
  it('reads a file written byte by byte: F32, F16, BF16, I64, BOOL at unaligned offsets, and metadata', async () => {
    const header = JSON.stringify({
      __metadata__: { format: 'pt' },
      a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
      b: { dtype: 'F16', shape: [2, 2], data_offsets: [8, 16] },
      c: { dtype: 'BF16', shape: [2], data_offsets: [16, 20] },
      d: { dtype: 'I64', shape: [2], data_offsets: [20, 36] },
      e: { dtype: 'BOOL', shape: [2], data_offsets: [36, 38] },
      f: { dtype: 'U8', shape: [0], data_offsets: [38, 38] },
    });
    const data = [
      0x00, 0x00, 0xc0, 0x3f, 0x00, 0x00, 0x00, 0xc0, // F32 1.5, -2
      0x00, 0x3c, 0x00, 0xc0, 0xff, 0x7b, 0x01, 0x00, // F16 1, -2, 65504, 2^-24 (subnormal)
      0x80, 0x3f, 0x49, 0x40, // BF16 1, 3.140625
      0x07, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // I64 7, -1
      0x01, 0x00, // BOOL true, false
    ];
    const path = await handFile('hand.safetensors', header, data);
    const { tensors, metadata } = await readSafetensors(path);
    expect(metadata).toEqual({ format: 'pt' });
    expect(Array.from(tensors.get('a')!.dataSync())).toEqual([1.5, -2]);
    expect(tensors.get('b')!.shape).toEqual([2, 2]);
    expect(Array.from(tensors.get('b')!.dataSync())).toEqual([1, -2, 65504, 2 ** -24]);
    expect(Array.from(tensors.get('c')!.dataSync())).toEqual([1, 3.140625]);
    expect(tensors.get('d')!.dtype).toBe('int32');
    expect(Array.from(tensors.get('d')!.dataSync())).toEqual([7, -1]);
    expect(tensors.get('e')!.dtype).toBe('bool');
    expect(Array.from(tensors.get('e')!.dataSync())).toEqual([1, 0]);
    expect(tensors.get('f')!.shape).toEqual([0]);
    const h = await readSafetensorsHeader(path);
    expect(h.dataStart).toBe(8 + Buffer.byteLength(header));
    expect(h.tensors.map((t) => t.name)).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    // A subset by name, and an absent name.
    expect([...(await readSafetensors(path, { names: ['c'] })).tensors.keys()]).toEqual(['c']);
    expect([...(await readSafetensors(path, { names: (n) => n > 'd' })).tensors.keys()]).toEqual(['e', 'f']);
    await expect(readSafetensors(path, { names: ['zz'] })).rejects.toThrow(/hand.safetensors: no tensor named 'zz'/);
  });

  it('decodes F16 special values', () => {
    expect(decodeF16(0x7c00)).toBe(Infinity);
    expect(decodeF16(0xfc00)).toBe(-Infinity);
    expect(decodeF16(0x7e00)).toBeNaN();
    expect(Object.is(decodeF16(0x8000), -0)).toBe(true);
    expect(decodeF16(0x3555)).toBeCloseTo(0.33325, 5);
    expect(decodeF16(0x0400)).toBe(2 ** -14); // smallest normal
  });

  const t = (dtype: string, shape: number[], offsets: unknown) => ({ dtype, shape, data_offsets: offsets });
  const bad: [string, string, number[], RegExp, number?][] = [
    ['bad-length', JSON.stringify({ a: t('F32', [1], [0, 4]) }), [0, 0, 0, 0], /header length 9999 \(bytes 0-7\) exceeds the \d+ bytes after it/, 9999],
    ['bad-json', '{"a": {"dtype": "F32",', [], /header \(bytes 8-\d+\) is not valid JSON/],
    ['not-object', '[1, 2]', [], /header must be a JSON object of tensors, got an array/],
    ['out-of-range', JSON.stringify({ a: t('F32', [2], [0, 8]) }), [0, 0, 0, 0], /tensor 'a': data_offsets \[0, 8\] out of range: the data section has 4 bytes/],
    ['overlap', JSON.stringify({ a: t('F32', [2], [0, 8]), b: t('F32', [1], [4, 8]) }), Array(8).fill(0), /tensor 'b' data_offsets \[4,8\] overlap tensor 'a' \[0,8\]/],
    ['dtype', JSON.stringify({ a: t('F8_E4M3', [1], [0, 1]) }), [0], /tensor 'a': unknown dtype "F8_E4M3", expected one of F64, F32/],
    ['bytes', JSON.stringify({ a: t('F32', [3], [0, 8]) }), Array(8).fill(0), /tensor 'a': data_offsets \[0, 8\] hold 8 bytes, expected 12 for F32 \[3\]/],
    ['shape', JSON.stringify({ a: t('F32', [-1], [0, 4]) }), Array(4).fill(0), /tensor 'a': shape \[-1\] is not a list of non-negative integers/],
    ['offsets', JSON.stringify({ a: t('F32', [1], [4]) }), Array(4).fill(0), /tensor 'a': data_offsets \[4\] is not \[begin, end\]/],
    ['metadata', JSON.stringify({ __metadata__: { n: 1 } }), [], /'__metadata__.n' is 1, expected a string/],
  ];
  for (const [name, header, data, re, len] of bad) {
    it(`rejects a malformed file (${name}), naming the file`, async () => {
      const path = await handFile(`${name}.safetensors`, header, data, len);
      await expect(readSafetensors(path)).rejects.toThrow(new RegExp(`${name}\\.safetensors: .*${re.source}`));
    });
  }

  it('rejects a file shorter than the length prefix', async () => {
    const path = join(dir, 'short.safetensors');
    await writeFile(path, Buffer.from([1, 2, 3]));
    await expect(readSafetensors(path)).rejects.toThrow(/short.safetensors: 3 bytes, expected at least 8/);
  });
});

describe('writeSafetensors', () => {
  it('writes sorted keys, __metadata__, a space-padded 8-aligned header, atomically; reads back exactly', async () => {
    const path = join(dir, 'out.safetensors');
    const tensors = new Map<string, tf.Tensor>([
      ['z.weight', tf.tensor2d([[1, 2, 3], [4, 5, 6.5]])],
      ['a.bias', tf.tensor1d([-1e-8, 3e38])],
      ['m.count', tf.tensor1d([7, -3], 'int32')],
      ['m.flag', tf.tensor1d([true, false], 'bool')],
    ]);
    await writeSafetensors(path, tensors, { metadata: { format: 'pt', step: '12' } });
    const raw = await readFile(path);
    const n = Number(raw.readBigUInt64LE(0));
    expect(n % 8).toBe(0);
    const headerText = raw.subarray(8, 8 + n).toString('utf8');
    expect(headerText).toMatch(/^\{"__metadata__":\{"format":"pt","step":"12"\},"a\.bias":\{"dtype":"F32","shape":\[2\],"data_offsets":\[0,8\]\},"m\.count"/);
    expect(headerText.trimEnd().endsWith('}')).toBe(true);
    expect(/^ *$/.test(headerText.slice(headerText.trimEnd().length))).toBe(true);
    expect(raw.length).toBe(8 + n + 8 + 8 + 2 + 24);
    // a.bias data comes first (sorted), float32 little-endian.
    expect(raw.readFloatLE(8 + n + 4)).toBeCloseTo(3e38, -32);
    const back = await readSafetensors(path);
    expect(back.metadata).toEqual({ format: 'pt', step: '12' });
    for (const [k, v] of tensors) {
      expect(back.tensors.get(k)!.dtype).toBe(v.dtype);
      expect(back.tensors.get(k)!.shape).toEqual(v.shape);
      expect(Array.from(back.tensors.get(k)!.dataSync())).toEqual(Array.from(v.dataSync()));
    }
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('round-trips a module state dict with PyTorch names', async () => {
    const path = join(dir, 'layer.safetensors');
    const a = new TransformerEncoderLayer({ dimModel: 8, nHeads: 2, dimFeedforward: 16, rng: new Rng(1) });
    const b = new TransformerEncoderLayer({ dimModel: 8, nHeads: 2, dimFeedforward: 16, rng: new Rng(2) });
    await writeSafetensors(path, a.stateDict('model.encoder.layers.0.'));
    const { tensors } = await readSafetensors(path);
    expect([...tensors.keys()]).toContain('model.encoder.layers.0.self_attn.in_proj_weight');
    b.loadStateDict(tensors, { prefix: 'model.encoder.layers.0.', source: path });
    const sa = a.stateDict(), sb = b.stateDict();
    for (const [k, v] of sa) expect(sb.get(k)!.dataSync()).toEqual(v.dataSync());
  });

  it('refuses unsupported dtypes and leaves no file behind', async () => {
    const path = join(dir, 'bad-out.safetensors');
    await expect(writeSafetensors(path, { c: tf.complex([1], [2]) })).rejects.toThrow(/tensor 'c' has dtype complex64/);
    expect((await readdir(dir)).filter((f) => f.startsWith('bad-out'))).toEqual([]);
  });
});
