import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime, type TensorRuntime } from '../src/runtime/create-runtime.js';
import { SyntheticChunkDataset } from '../src/testing/synthetic-chunk-dataset.js';
import { Trainer, type TrainerOptions } from '../src/training/trainer.js';
import { heapPeakDuring } from '../src/training/micro-batch.js';
import { smallActPolicy } from './fixtures/act-test-parts.js';
import { expectClose } from '../src/testing/index.js';

// Adam's eps is large here: parameters whose true gradient is zero (the attention key biases) get
// float-rounding noise as gradient, which Adam with a tiny eps would turn into full ±lr steps.
// A real ActPolicy with dropout and the CVAE active; episodes short enough that batches hold padded steps.
const ds = () => new SyntheticChunkDataset({ episodes: 8, chunkSize: 5, minLength: 6, maxLength: 14, seed: 4 });
const cfg = { chunkSize: 5, latentDim: 4, dropout: 0.2 };

async function run(backend: 'cpu' | 'wasm', o: Partial<TrainerOptions>, lossReduction: 'valid' | 'all' = 'valid') {
  const runtime: TensorRuntime = await createRuntime({ backend, seed: 1 });
  const d = ds();
  const policy = smallActPolicy(d.spec, { ...cfg, lossReduction }, 1);
  const logs: string[] = [];
  const trainer = new Trainer(policy, d, { steps: 3, batchSize: 6, lr: 1e-3, backboneLr: 1e-3, gradClipNorm: 1, seed: 5, eps: 1e-3, log: (l) => logs.push(l), ...o });
  const before = tf.memory().numTensors;
  const losses = (await trainer.train()).losses;
  const weights = new Map([...policy.stateDict()].map(([n, v]) => [n, v.dataSync().slice()]));
  trainer.dispose();
  const leaked = tf.memory().numTensors - before;
  policy.dispose();
  runtime.dispose();
  return { losses, weights, logs, leaked };
}

function expectSameRun(a: Awaited<ReturnType<typeof run>>, b: Awaited<ReturnType<typeof run>>, tol: number): void {
  expectClose(a.losses, b.losses, tol);
  for (const [name, w] of a.weights) {
    const other = b.weights.get(name)!;
    try {
      expectClose(other, w, tol);
    } catch (e) {
      throw new Error(`${name}: ${(e as Error).message}`);
    }
  }
}

describe('Trainer micro-batches (train.microBatch)', () => {
  it.each(['valid', 'all'] as const)('steps in micro-batches of 1, 2 and 4 equal the whole-batch step (%s reduction, cpu)', async (reduction) => {
    const whole = await run('cpu', { microBatch: 6 }, reduction);
    expect(whole.losses.every(Number.isFinite)).toBe(true);
    expect(whole.leaked).toBe(0);
    for (const mb of [1, 2, 4]) {
      const sliced = await run('cpu', { microBatch: mb }, reduction);
      expectSameRun(sliced, whole, 2e-5);
      expect(sliced.leaked).toBe(0);
    }
  });

  it('on wasm, auto picks micro-batches that fit the memory budget, says so, and gives the whole-batch result', async () => {
    const whole = await run('wasm', { microBatch: 6 });
    // A budget a little above the weights and optimiser state: only a few samples fit per pass.
    const probe = await run('wasm', { microBatch: 'auto' });
    expect(probe.logs).toEqual([expect.stringMatching(/^trainer: a step of 6 samples fits the wasm heap \(about \d+ MiB \+ \d+ MiB per sample against a 3072 MiB budget\): one pass$/)]);
    const tight = await run('wasm', { microBatch: 'auto', memoryBudgetBytes: 1 });
    expect(tight.logs.join('\n')).toMatch(/would not fit the wasm heap .* micro-batches of 1/);
    expectSameRun(tight, whole, 2e-5);
    expectSameRun(probe, whole, 0);
  });

  it('the auto choice counts a heap block once however many tensors share it (wasm)', async () => {
    const runtime = await createRuntime({ backend: 'wasm', seed: 1 });
    const mib = 1024 * 1024;
    const work = (): void => {
      const a = tf.zeros([mib / 4]);
      const clones = [tf.clone(a), tf.clone(a), tf.clone(a)];
      const b = tf.add(a, a);
      tf.dispose([a, ...clones, b]);
    };
    // Two 1 MiB buffers at once (a, shared by its clones, and b); tfjs's own count adds the clones.
    expect(await heapPeakDuring(work)).toBe(2 * mib);
    const before = tf.memory().numBytes;
    expect((await tf.profile(work)).peakBytes - before).toBe(5 * mib);
    runtime.dispose();
  });

  it('rejects a micro-batch that is not a positive integer', async () => {
    await expect(run('cpu', { microBatch: 0 })).rejects.toThrow(/'microBatch' must be a positive integer or 'auto', got 0/);
  });
});
