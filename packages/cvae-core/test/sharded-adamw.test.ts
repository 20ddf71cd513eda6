import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { AdamW } from '../src/optim/adamw.js';
import { clipGradNorm } from '../src/optim/clip-grad-norm.js';
import { shardedAdamWStep, sumOfSquares } from '../src/training/parallel/sharded-adamw.js';
import { allocateSharedTrainingState } from '../src/training/parallel/shared-training-state.js';
import { pseudoRandom, useCpuAndWasmRuntimes } from '../src/testing/index.js';

useCpuAndWasmRuntimes();

const SHAPES = [[7, 5], [11], [3, 4, 2]];
const HYPER = [{ lr: 1e-2, weightDecay: 1e-4 }, { lr: 3e-3, weightDecay: 0 }, { lr: 1e-2, weightDecay: 1e-2 }];

describe('shardedAdamWStep', () => {
  it.each([null, 0.5])('over 3 float ranges equals AdamW on whole parameters, bit for bit, over 3 steps (clip %s, cpu)', (clip) => {
    tf.setBackend('cpu');
    const sizes = SHAPES.map((s) => s.reduce((a, b) => a * b, 1));
    const offsets = sizes.map((_, i) => sizes.slice(0, i).reduce((a, b) => a + b, 0));
    const floats = sizes.reduce((a, b) => a + b, 0);
    const vars = SHAPES.map((s, i) => tf.variable(tf.tensor(pseudoRandom(sizes[i]!, 1 + i), s), true, `sharded_${clip}_${i}`));
    const adam = new AdamW(
      vars.map((v, i) => ({ name: `g${i}`, params: [[`p${i}`, v] as [string, tf.Variable]], lr: HYPER[i]!.lr, weightDecay: HYPER[i]!.weightDecay })),
      { betas: [0.9, 0.999], eps: 1e-8 },
    );
    const state = allocateSharedTrainingState(floats, vars.length);
    const weights = new Float32Array(state.weights);
    vars.forEach((v, i) => weights.set(v.dataSync() as Float32Array, offsets[i]!));
    const steps = new Int32Array(vars.length);
    const params = sizes.map((size, i) => ({ offset: offsets[i]!, size, ...HYPER[i]! }));
    for (let step = 0; step < 3; step++) {
      // The second parameter gets no gradient at step 1 (skipped: no decay, no count, its weights come back).
      const present = vars.map((_, i) => !(step === 1 && i === 1));
      const flat = new Float32Array(floats);
      vars.forEach((_, i) => present[i] && flat.set(pseudoRandom(sizes[i]!, 100 * step + i), offsets[i]!));
      const grads = new Map(vars.flatMap((v, i) => (present[i] ? [[`p${i}`, tf.tensor(flat.slice(offsets[i]!, offsets[i]! + sizes[i]!), v.shape)] as [string, tf.Tensor]] : [])));
      const norm = clipGradNorm(grads, clip ?? Infinity);
      adam.step(grads);
      tf.dispose([...grads.values()]);
      const cuts = [0, 13, 40, floats];
      const squares = cuts.slice(1).reduce((s, hi, w) => s + sumOfSquares(flat, cuts[w]!, hi), 0);
      expect(Math.sqrt(squares)).toBeCloseTo(norm, 5);
      const coef = clip ? clip / (Math.sqrt(squares) + 1e-6) : Infinity;
      // Each "worker" updates its range with its own copy of the counts.
      const counts = [0, 1, 2].map(() => steps.slice());
      // The weights buffer takes the gradient sum; the workers' own copies are the current weights.
      const current = weights.slice();
      weights.set(flat);
      const currentOf = (i: number): Float32Array => current.subarray(offsets[i]!, offsets[i]! + sizes[i]!);
      for (let w = 0; w < 3; w++) shardedAdamWStep({ state, current: currentOf, params, present, steps: counts[w]!, lo: cuts[w]!, hi: cuts[w + 1]!, coef, betas: [0.9, 0.999], eps: 1e-8 });
      steps.set(counts[0]!);
      expect(counts[1]).toEqual(counts[0]);
      if (clip === null) vars.forEach((v, i) => expect(weights.slice(offsets[i]!, offsets[i]! + sizes[i]!), `step ${step} param ${i}`).toEqual(Float32Array.from(v.dataSync())));
      else vars.forEach((v, i) => weights.slice(offsets[i]!, offsets[i]! + sizes[i]!).forEach((x, k) => expect(x).toBeCloseTo(v.dataSync()[k]!, 6)));
    }
    expect([...new Int32Array(state.steps)]).toEqual([3, 2, 3]);
    adam.dispose();
    tf.dispose(vars);
  });
});
