import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { readSafetensorsHeader } from '@actfusion/cvae-core/io';
import { unpickle } from '../src/torch-weights/pickle-reader.js';
import { torchStateDictHooks } from '../src/torch-weights/torch-pickle-objects.js';
import { readTorchStateDict } from '../src/torch-weights/torch-state-dict.js';
import { actfusion } from './support/in-process-cli.js';

// Written by torch.save (tools/make-torch-weights-fixtures.py); the JSON holds torch's own values.
const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'torch-weights');
type Expected = Record<string, { shape: number[]; values: number[] }>;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'af-torch-weights-'));
});

describe('torch.save state dicts read in TypeScript (zip + strict unpickler)', () => {
  it('every storage type, transposed and strided views, storage offsets, 0-d int64, parameters: the values torch saved', async () => {
    const expected = JSON.parse(await readFile(join(fixtures, 'mixed.json'), 'utf8')) as Expected;
    const got = await readTorchStateDict(join(fixtures, 'mixed.pth'));
    expect(got.map((t) => t.name)).toEqual(Object.keys(expected));
    for (const t of got) {
      const e = expected[t.name]!;
      expect(t.shape, t.name).toEqual(e.shape);
      expect(t.values.length, t.name).toBe(e.values.length);
      e.values.forEach((v, i) => {
        const g = t.values[i]!;
        // float32 holds the float16/bfloat16 values exactly; float64 rounds to float32
        const tol = t.storage === 'DoubleStorage' ? Math.abs(v) * 1e-7 : Math.abs(v) * 1e-7 + 1e-12;
        expect(Math.abs(g - v), `${t.name}[${i}]: ${g} vs ${v}`).toBeLessThanOrEqual(tol);
      });
    }
    const byName = new Map(got.map((t) => [t.name, t]));
    expect(byName.get('transposed')!.storage).toBe('FloatStorage');
    expect(byName.get('half')!.dtype).toBe('float32');
    expect(byName.get('bn.num_batches_tracked')).toMatchObject({ dtype: 'int32', shape: [], storage: 'LongStorage' });
    expect(byName.get('mask')!.dtype).toBe('bool');
  });

  it('actfusion convert-weights writes safetensors with the same names, shapes and values', async () => {
    const out = join(dir, 'mixed.safetensors');
    const log = await actfusion('convert-weights', join(fixtures, 'mixed.pth'), out);
    expect(log).toMatch(/wrote 12 tensors \(183 values: 6 FloatStorage -> F32, 1 HalfStorage -> F32, 1 BFloat16Storage -> F32, 1 DoubleStorage -> F32, 1 LongStorage -> I32, 1 IntStorage -> I32, 1 BoolStorage -> BOOL\)/);
    const header = await readSafetensorsHeader(out);
    const expected = JSON.parse(await readFile(join(fixtures, 'mixed.json'), 'utf8')) as Expected;
    expect(header.tensors.map((t) => t.name).sort()).toEqual(Object.keys(expected).sort());
    expect(header.tensors.find((t) => t.name === 'transposed')).toMatchObject({ dtype: 'F32', shape: [5, 3] });
    expect(header.tensors.find((t) => t.name === 'ints')).toMatchObject({ dtype: 'I32', shape: [2, 2] });
    expect(header.metadata).toMatchObject({ source: 'mixed.pth', converter: 'actfusion convert-weights' });
    const bytes = await readFile(out);
    const e = header.tensors.find((t) => t.name === 'transposed')!;
    const at = header.dataStart + e.dataOffsets[0];
    const floats = new Float32Array(bytes.buffer.slice(bytes.byteOffset + at, bytes.byteOffset + at + 60));
    expect(Array.from(floats)).toEqual(expected['transposed']!.values.map((v) => Math.fround(v)));
  });

  it('refuses the legacy format, a truncated archive, a file that is not one, and an output over the input', async () => {
    await expect(actfusion('convert-weights', join(fixtures, 'legacy.pth'), join(dir, 'l.safetensors'))).rejects.toThrow(
      /legacy\.pth: a legacy \(non-zip, PyTorch < 1\.6\) torch\.save file, which is not read/,
    );
    const whole = await readFile(join(fixtures, 'mixed.pth'));
    const cut = join(dir, 'cut.pth');
    await writeFile(cut, whole.subarray(0, whole.length - 200));
    await expect(readTorchStateDict(cut)).rejects.toThrow(/cut\.pth: not a zip archive \(no end-of-central-directory record\); the file is truncated/);
    const text = join(dir, 'text.pth');
    await writeFile(text, 'hello');
    await expect(readTorchStateDict(text)).rejects.toThrow(/text\.pth: not a torch\.save zip archive \(starts with bytes 68 65 6c 6c, expected 50 4b 03 04\)/);
    await expect(readTorchStateDict(join(dir, 'missing.pth'))).rejects.toThrow(/missing\.pth: cannot read the file \(ENOENT\)/);
    const corrupt = Buffer.from(whole);
    corrupt[whole.indexOf(Buffer.from('data/0')) + 120] ^= 0xff; // a byte inside the first storage
    await writeFile(join(dir, 'corrupt.pth'), corrupt);
    await expect(readTorchStateDict(join(dir, 'corrupt.pth'))).rejects.toThrow(/corrupt\.pth: member '.*' fails its CRC-32 check/);
    await expect(actfusion('convert-weights', join(fixtures, 'mixed.pth'), join(fixtures, 'mixed.pth'))).rejects.toThrow(/would overwrite the input/);
  });
});

describe('the strict unpickler', () => {
  const hooks = torchStateDictHooks('x.pth');
  const pickle = (...parts: (string | number[])[]): Uint8Array =>
    Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));

  it('refuses any global but the state dict ones, naming it and its byte offset (nothing is called)', () => {
    const evil = pickle([0x80, 2], 'cposix\nsystem\n', 'X', [2, 0, 0, 0], 'ls', [0x85], 'R.');
    expect(() => unpickle(evil, hooks, 'x.pth')).toThrow(/x\.pth: byte 2 of data\.pkl: pickle GLOBAL posix\.system is not allowed/);
    const builtins = pickle([0x80, 2], 'c__builtin__\neval\n');
    expect(() => unpickle(builtins, hooks, 'x.pth')).toThrow(/GLOBAL __builtin__\.eval is not allowed/);
  });

  it('refuses opcodes a state dict does not use, and a truncated stream, naming opcode and byte', () => {
    // INST (0x69) builds an object by class name
    expect(() => unpickle(pickle([0x80, 2], '(', 'iposix\nsystem\n'), hooks, 'x.pth')).toThrow(/x\.pth: pickle opcode 0x69 at byte 3: not an opcode a torch state dict uses/);
    expect(() => unpickle(pickle([0x80, 2], 'X', [9, 0, 0, 0], 'abc'), hooks, 'x.pth')).toThrow(/pickle opcode BINUNICODE at byte 2: needs 9 more bytes but the stream ends at byte 10 \(truncated\)/);
    expect(() => unpickle(pickle([0x80, 9]), hooks, 'x.pth')).toThrow(/PROTO at byte 0: protocol 9; expected 2 to 4/);
    expect(() => unpickle(pickle([0x80, 2], 'h', [7]), hooks, 'x.pth')).toThrow(/BINGET at byte 2: memo 7 was never stored/);
  });

  it('reads a plain dict of ints and strings (protocol 2 opcodes)', () => {
    const d = pickle([0x80, 2], '}q', [0], '(X', [1, 0, 0, 0], 'aK', [7], 'X', [1, 0, 0, 0], 'bJ', [0xff, 0xff, 0xff, 0xff], 'u.');
    expect(unpickle(d, hooks, 'x.pth')).toEqual(new Map<unknown, unknown>([['a', 7], ['b', -1]]));
  });
});
