import { spawnSync } from 'node:child_process';
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
const torch = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
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

describe('convert-weights --key: a state dict nested in a training checkpoint (nested.pth, written by the installed torch)', () => {
  type Nested = { torch: string; model: Expected; 'extra.state_dict': Expected };
  const nested = join(fixtures, 'nested.pth');

  it('--key model and a dotted --key extra.state_dict convert exactly the tensors torch saved there; the optimizer beside them is not read', async () => {
    const expected = JSON.parse(await readFile(join(fixtures, 'nested.json'), 'utf8')) as Nested;
    for (const key of ['model', 'extra.state_dict'] as const) {
      const out = join(dir, `nested-${key}.safetensors`);
      const log = await actfusion('convert-weights', nested, out, '--key', key);
      const names = Object.keys(expected[key]);
      expect(log).toMatch(new RegExp(`wrote ${names.length} tensors`));
      const header = await readSafetensorsHeader(out);
      expect(header.tensors.map((t) => t.name).sort()).toEqual([...names].sort());
      const got = await readTorchStateDict(nested, { key });
      for (const t of got) {
        expect(t.shape, t.name).toEqual(expected[key][t.name]!.shape);
        expect(Array.from(t.values), t.name).toEqual(expected[key][t.name]!.values.map((v) => Math.fround(v)));
      }
    }
    expect(expected.torch).toMatch(/^\d+\.\d+/);
  });

  it('without --key, or with a wrong one, the error names the file, where it looked, the keys found there and the key to pass', async () => {
    await expect(actfusion('convert-weights', nested, join(dir, 'n.safetensors'))).rejects.toThrow(
      /nested\.pth: not a flat state dict at the top level: 'model' is a dict, expected a tensor\. Keys there: model \(a dict of 9 entries, all tensors\), optimizer \(a dict of 2 entries\), epoch \(number 3\), extra \(a dict of 1 entry\); the state dict is under 'model': actfusion convert-weights --key model/,
    );
    await expect(actfusion('convert-weights', nested, join(dir, 'n.safetensors'), '--key', 'state_dict')).rejects.toThrow(
      /nested\.pth: --key state_dict: no key 'state_dict' at the top level; keys there: model \(a dict of 9 entries, all tensors\), optimizer/,
    );
    await expect(actfusion('convert-weights', nested, join(dir, 'n.safetensors'), '--key', 'extra.nothing')).rejects.toThrow(/--key extra\.nothing: no key 'nothing' at 'extra'; keys there: state_dict \(a dict of 2 entries, all tensors\)/);
    await expect(actfusion('convert-weights', nested, join(dir, 'n.safetensors'), '--key', 'epoch')).rejects.toThrow(/--key epoch: 'epoch' is number 3, expected a dict of tensors/);
    await expect(actfusion('convert-weights', nested, join(dir, 'n.safetensors'), '--key', 'optimizer')).rejects.toThrow(/not a flat state dict at 'optimizer': 'state' is a dict, expected a tensor\. Keys there: state \(a dict of 6 entries\), param_groups \(a list of 1\)/);
    // A flat state dict needs no key; the pretrained: option reading a nested .pth gets the same hint.
    await expect(readTorchStateDict(nested)).rejects.toThrow(/convert-weights --key model/);
  });

  it.skipIf(!torch)('a checkpoint torch.save writes now, Lightning layout {"state_dict": ..., "epoch"} (needs python3-torch)', async () => {
    const file = join(dir, 'lightning.ckpt');
    const script = [
      'import sys, torch',
      'torch.manual_seed(4)',
      'net = torch.nn.Linear(3, 2)',
      'torch.save({"state_dict": {"net." + k: v for k, v in net.state_dict().items()}, "epoch": 7, "hparams": {"lr": 0.1}}, sys.argv[1])',
      'print(torch.__version__, *net.weight.flatten().tolist(), *net.bias.tolist())',
    ].join('\n');
    const r = spawnSync('/usr/bin/python3', ['-c', script, file], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const [, ...values] = r.stdout.trim().split(' ');
    const got = await readTorchStateDict(file, { key: 'state_dict' });
    expect(got.map((t) => [t.name, t.shape])).toEqual([['net.weight', [2, 3]], ['net.bias', [2]]]);
    expect([...got[0]!.values, ...got[1]!.values]).toEqual(values.map((v) => Math.fround(Number(v))));
    await expect(readTorchStateDict(file)).rejects.toThrow(/the state dict is under 'state_dict': actfusion convert-weights --key state_dict/);
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
