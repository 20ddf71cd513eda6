import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime, type TensorRuntime } from '@actfusion/cvae-core';
import { writeSafetensors } from '@actfusion/cvae-core/io';
import { InstructionEmbeddings } from '../src/instruction-embeddings.js';
import { unitVector } from './helpers.js';

const E = 384;
const TASKS = ['pick up the cube', 'open the drawer', 'wipe the table'];

let runtime: TensorRuntime;
let dir: string;
beforeAll(async () => {
  runtime = await createRuntime({ backend: 'cpu', seed: 1 });
  dir = await mkdtemp(join(tmpdir(), 'instruction-embeddings-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  runtime.dispose();
});

function record(): Record<string, Float32Array> {
  return Object.fromEntries(TASKS.map((t, i) => [t, unitVector(E, i + 1)]));
}

describe('InstructionEmbeddings', () => {
  it('loads the JSON format and stacks a batch into language [B, 384], trimming keys', async () => {
    const path = join(dir, 'tasks.json');
    const r = record();
    await writeFile(path, JSON.stringify({ model: 'sentence-transformers/all-MiniLM-L6-v2', dim: E, embeddings: Object.fromEntries(Object.entries(r).map(([k, v]) => [k, [...v]])) }));
    const t = await InstructionEmbeddings.load(path);
    expect(t.dim).toBe(E);
    expect(t.size).toBe(3);
    expect(t.model).toBe('sentence-transformers/all-MiniLM-L6-v2');
    expect(t.instructions()).toEqual(TASKS);
    const m = t.embed(['wipe the table', '  pick up the cube ', 'wipe the table']);
    expect(m.shape).toEqual([3, E]);
    const rows = m.arraySync() as number[][];
    expect(Float32Array.from(rows[0]!)).toEqual(r['wipe the table']);
    expect(Float32Array.from(rows[1]!)).toEqual(r['pick up the cube']);
    expect(Math.hypot(...rows[2]!)).toBeCloseTo(1, 5);
    m.dispose();
  });

  it('round-trips through safetensors (embeddings [N, dim] + __metadata__.instructions) and JSON, atomically', async () => {
    const t = InstructionEmbeddings.fromRecord(record(), { model: 'm' });
    const st = join(dir, 'rt.safetensors');
    const js = join(dir, 'rt.json');
    await t.save(st);
    await t.save(js);
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    for (const p of [st, js]) {
      const u = await InstructionEmbeddings.load(p);
      expect(u.instructions()).toEqual(TASKS);
      expect(u.model).toBe('m');
      for (const k of TASKS) expect(u.vector(k)).toEqual(t.vector(k));
    }
  });

  it('an unknown instruction is an error that names it and the known ones', () => {
    const t = InstructionEmbeddings.fromRecord(record(), { source: 'tasks.json' });
    expect(() => t.vector('stack the blocks')).toThrow('tasks.json: unknown instruction "stack the blocks"; known (3): "pick up the cube", "open the drawer", "wipe the table"');
    expect(() => t.embed(['open the drawer', undefined])).toThrow('tasks.json: sample 1 has no instruction');
    expect(t.has(' open the drawer')).toBe(true);
    expect(t.has('open drawer')).toBe(false);
  });

  it('bad files fail naming the file and the field', async () => {
    const bad = async (name: string, content: string): Promise<string> => {
      const p = join(dir, name);
      await writeFile(p, content);
      return p;
    };
    await expect(InstructionEmbeddings.load(await bad('a.json', '{"embeddings": {"x": [1, 2], "y": [1]}}'))).rejects.toThrow(/a\.json: embeddings\["y"\] has 1 values, expected dim 2/);
    await expect(InstructionEmbeddings.load(await bad('b.json', '{"dim": 2, "embeddings": {"x": [1, null]}}'))).rejects.toThrow(/b\.json: embeddings\["x"\]\[1\] is null, expected a finite number/);
    await expect(InstructionEmbeddings.load(await bad('c.json', '{"embeddings": [1, 2]}'))).rejects.toThrow(/c\.json: field 'embeddings' must be an object/);
    await expect(InstructionEmbeddings.load(await bad('d.json', '{"embeddings": {}}'))).rejects.toThrow(/d\.json: field 'embeddings' is empty/);
    await expect(InstructionEmbeddings.load(await bad('e.json', 'not json'))).rejects.toThrow(/e\.json: not readable as JSON/);
    await expect(InstructionEmbeddings.load(await bad('f.txt', ''))).rejects.toThrow(/f\.txt: instruction embeddings must be a \.json or \.safetensors file/);
    const noMeta = join(dir, 'g.safetensors');
    const m = tf.zeros([2, 4]);
    await writeSafetensors(noMeta, { embeddings: m });
    await expect(InstructionEmbeddings.load(noMeta)).rejects.toThrow(/g\.safetensors: __metadata__ has no 'instructions'/);
    const mismatch = join(dir, 'h.safetensors');
    await writeSafetensors(mismatch, { embeddings: m }, { metadata: { instructions: '["only one"]' } });
    await expect(InstructionEmbeddings.load(mismatch)).rejects.toThrow(/h\.safetensors: __metadata__\.instructions has 1 strings, tensor 'embeddings' has 2 rows/);
    m.dispose();
  });
});

describe('InstructionEmbeddings.learned (no embeddings file)', () => {
  it('gives each dataset task a one-hot code, sorted and de-duplicated; round-trips through a checkpoint file', async () => {
    const t = InstructionEmbeddings.learned(['lift the red cube', 'lift the blue cube', ' lift the red cube ']);
    expect(t.learnedTable).toBe(true);
    expect(t.dim).toBe(2);
    expect(t.instructions()).toEqual(['lift the blue cube', 'lift the red cube']);
    const m = t.embed(['lift the red cube', 'lift the blue cube']);
    expect(m.arraySync()).toEqual([[0, 1], [1, 0]]);
    m.dispose();
    const path = join(dir, 'learned.json');
    await t.save(path);
    const back = await InstructionEmbeddings.load(path);
    expect(back.learnedTable).toBe(true);
    expect(back.instructions()).toEqual(t.instructions());
    expect(() => back.embed(['lift the green cube'])).toThrow(/unknown instruction "lift the green cube"; known \(2\): "lift the blue cube", "lift the red cube"/);
  });

  it('refuses an empty task list', () => {
    expect(() => InstructionEmbeddings.learned([])).toThrow(/no instructions to learn a table for/);
  });
});
