import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime } from '../src/runtime/create-runtime.js';
import { SyntheticChunkDataset } from '../src/testing/synthetic-chunk-dataset.js';
import { Trainer, type TrainerOptions } from '../src/training/trainer.js';
import { expectClose } from '../src/testing/index.js';
import type { TrainingMemory } from '../src/training/parallel/thread-memory.js';
// @ts-expect-error plain JavaScript fixture (worker threads build it too)
import { TinyVaePolicy } from './fixtures/tiny-vae-policy.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const FACTORY = pathToFileURL(join(here, 'fixtures', 'tiny-vae-policy.mjs')).href;
let dir: string;

beforeAll(async () => {
  // Worker threads run JavaScript: they load the trainer's worker script and @actfusion/cvae-core from the build.
  const root = resolve(here, '..', '..', '..');
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', 'packages/cvae-core/tsconfig.lib.json'], { cwd: root });
  dir = await mkdtemp(join(tmpdir(), 'actfusion-data-parallel-'));
}, 300_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const dataset = () => new SyntheticChunkDataset({ episodes: 10, chunkSize: 4, minLength: 5, maxLength: 12, seed: 9 });

interface Run {
  losses: number[];
  weights: Map<string, Float32Array>;
  ticks: number;
  memory: TrainingMemory;
}

async function train(backend: 'cpu' | 'wasm', workers: number, o: Partial<TrainerOptions> = {}, resumeFrom?: string): Promise<Run> {
  const runtime = await createRuntime({ backend, seed: 1 });
  const ds = dataset();
  const policy = new TinyVaePolicy(ds.spec, 4, 3);
  const trainer = new Trainer(policy, ds, {
    steps: 4,
    batchSize: 6,
    lr: 3e-3,
    backboneLr: 1e-3,
    gradClipNorm: 0.5,
    eps: 1e-3,
    seed: 11,
    workers,
    policyFactory: { module: FACTORY, args: { backend, spec: ds.spec, chunkSize: 4, seed: 77 } }, // workers take the trainer's weights
    log: () => {},
    ...o,
  });
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  try {
    if (resumeFrom) await trainer.resume(resumeFrom);
    const losses = (await trainer.train()).losses;
    const weights = new Map([...policy.stateDict()].map(([n, v]) => [n, (v.dataSync() as Float32Array).slice()]));
    return { losses, weights, ticks, memory: await trainer.memoryReport() };
  } finally {
    clearInterval(timer);
    await trainer.close();
    trainer.dispose();
    policy.dispose();
    runtime.dispose();
  }
}

function expectSame(a: Run, b: Run, tol: number): void {
  expectClose(a.losses, b.losses, tol);
  for (const [name, w] of b.weights) {
    try {
      expectClose(a.weights.get(name)!, w, tol);
    } catch (e) {
      throw new Error(`${name}: ${(e as Error).message}`);
    }
  }
}

describe('Trainer with data-parallel workers (train.workers)', () => {
  it.each(['cpu', 'wasm'] as const)('2 and 3 workers give the losses and weights of one (%s)', async (backend) => {
    const one = await train(backend, 1);
    expect(one.losses.every(Number.isFinite)).toBe(true);
    // In this thread too, the trainer lets timers run between steps (queue locks renew).
    expect(one.ticks).toBeGreaterThanOrEqual(2);
    const two = await train(backend, 2);
    expectSame(two, one, 1e-5);
    // One copy of the AdamW moments, in shared memory: the workers' backends hold the weights only.
    const weightBytes = [...two.weights.values()].reduce((n, w) => n + w.byteLength, 0);
    expect(two.memory.threads.map((t) => t.thread)).toEqual(['main', 'worker 1', 'worker 2']);
    for (const t of two.memory.threads.slice(1)) expect(t.tensorBytes, t.thread).toBe(weightBytes);
    expect(one.memory.threads[0]!.tensorBytes).toBe(3 * weightBytes);
    // Shared: the weights (which also take the gradient sum) and two moments; no slot per worker.
    expect(two.memory.sharedBytes).toBeGreaterThanOrEqual(3 * weightBytes);
    expect(two.memory.sharedBytes).toBeLessThan(4 * weightBytes);
    const three = await train(backend, 3, { microBatch: 1 });
    expectSame(three, one, 1e-5);
    // This thread only hands out shards: its timers ran while the workers trained.
    expect(two.ticks).toBeGreaterThan(4);
  });

  it('checkpoints and resume with workers: 4 steps straight = 2 + resume + 2, bit-identical on cpu', async () => {
    const straight = await train('cpu', 2, { outputDir: join(dir, 'straight') });
    const first = await train('cpu', 2, { steps: 2, outputDir: join(dir, 'split2'), checkpointEvery: 2 });
    expect(first.losses).toEqual(straight.losses.slice(0, 2));
    const rest = await train('cpu', 2, { outputDir: join(dir, 'split2') }, join(dir, 'split2', 'checkpoints', 'last'));
    expect(rest.losses).toEqual(straight.losses.slice(2));
    for (const [name, w] of straight.weights) expect([...rest.weights.get(name)!], name).toEqual([...w]);
  });

  it('names the problem when the workers cannot build the same policy, and leaves no thread behind', async () => {
    const ds = dataset();
    await createRuntime({ backend: 'cpu', seed: 1 });
    const policy = new TinyVaePolicy(ds.spec, 4, 3);
    const base = { steps: 1, batchSize: 4, workers: 2, log: () => {} };
    const bad = new Trainer(policy, ds, { ...base, policyFactory: { module: FACTORY, exportName: 'createOtherPolicy', args: { backend: 'cpu', spec: ds.spec, chunkSize: 4, seed: 3 } } });
    await expect(bad.train()).rejects.toThrow(/worker \d: the trainer's weights: tensor 'state_proj.weight' has shape/);
    const missing = new Trainer(policy, ds, { ...base, policyFactory: { module: FACTORY, exportName: 'nope' } });
    await expect(missing.train()).rejects.toThrow(/has no exported function 'nope'/);
    expect(() => new Trainer(policy, ds, { ...base, workers: 2 })).toThrow(/'workers' = 2 needs 'policyFactory'/);
    expect(() => new Trainer(policy, ds, { ...base, workers: 5, policyFactory: { module: FACTORY } })).toThrow(/'workers' \(5\) is larger than 'batchSize' \(4\)/);
    for (const t of [bad, missing]) {
      await t.close();
      t.dispose();
    }
    policy.dispose();
    expect(tf.memory().numTensors).toBeGreaterThanOrEqual(0);
  });
});
