import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { klDivergence } from '../src/cvae/kl-divergence.js';
import { chunkReconstructionLoss } from '../src/policy/chunk-reconstruction-loss.js';
import { useCpuBackend } from '../src/testing/index.js';

useCpuBackend();

describe('klDivergence (ACT: sum over latent dims, mean over batch)', () => {
  it('matches the hand-computed value', () => {
    // row 0: mu (1, 0), logvar (0, ln 2): 0.5 + 0.5 (1 - ln 2); row 1: mu 0, logvar 0: 0.
    const kl = klDivergence(tf.tensor2d([[1, 0], [0, 0]]), tf.tensor2d([[0, Math.log(2)], [0, 0]]));
    expect(kl.dataSync()[0]).toBeCloseTo((0.5 + 0.5 * (1 - Math.log(2))) / 2, 6);
  });

  it('names mismatched shapes', () => {
    expect(() => klDivergence(tf.zeros([2, 3]) as tf.Tensor2D, tf.zeros([2, 4]) as tf.Tensor2D)).toThrow(/\[2,3\].*\[2,4\]/);
  });
});

describe('chunkReconstructionLoss', () => {
  // B 1, k 3, A 2; step 2 padded. |errors|: step 0 (1, 2), step 1 (3, 4), step 2 (100, 100).
  const pred = tf.tensor3d([[[1, 2], [3, 4], [100, 100]]]);
  const target = tf.zeros([1, 3, 2]) as tf.Tensor3D;
  const isPad = tf.tensor2d([[0, 0, 1]]);

  it('valid: sum over valid entries / (valid steps x A) (LeRobot)', () => {
    const l = chunkReconstructionLoss(pred, target, isPad, { lossType: 'l1', reduction: 'valid' });
    expect(l.dataSync()[0]).toBeCloseTo(10 / 4, 6);
  });

  it('all: original ACT (l1 * ~is_pad).mean() divides by every entry', () => {
    const l = chunkReconstructionLoss(pred, target, isPad, { lossType: 'l1', reduction: 'all' });
    expect(l.dataSync()[0]).toBeCloseTo(10 / 6, 6);
  });

  it('l2 squares the errors', () => {
    const l = chunkReconstructionLoss(pred, target, isPad, { lossType: 'l2', reduction: 'valid' });
    expect(l.dataSync()[0]).toBeCloseTo(30 / 4, 6);
  });

  it('all steps padded gives 0, not NaN', () => {
    const l = chunkReconstructionLoss(pred, target, tf.ones([1, 3]) as tf.Tensor2D, { lossType: 'l1', reduction: 'valid' });
    expect(l.dataSync()[0]).toBe(0);
  });

  it('names a wrong isPad shape', () => {
    expect(() => chunkReconstructionLoss(pred, target, tf.zeros([1, 2]) as tf.Tensor2D, { lossType: 'l1', reduction: 'valid' })).toThrow(
      /isPad has shape \[1,2\], expected \[1,3\]/,
    );
  });
});
