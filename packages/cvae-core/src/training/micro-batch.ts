import * as tf from '@tensorflow/tfjs-core';
import type { TrainingSample } from '@actfusion/contracts';
import { batchGradients, type BatchGradientOptions } from './batch-gradients.js';
import type { TrainablePolicy } from './trainable-policy.js';

/** Tensor bytes a training step may use on the wasm backend by default: 3 GiB of its 4 GiB heap. */
export const WASM_STEP_BUDGET_BYTES = 3 * 1024 ** 3;

export interface MicroBatchChoice {
  readonly microBatch: number;
  /** Bytes of live tensors before the step (weights, optimiser state). */
  readonly baselineBytes: number;
  /** Peak bytes a one-sample step added on top of the baseline. */
  readonly perSampleBytes: number;
  readonly budgetBytes: number;
}

/**
 * How many samples one forward/backward pass can hold within `budgetBytes` of tensors: a one-sample
 * step is profiled (`tf.profile` peak bytes; its gradients are thrown away, the optimiser is not
 * touched, the model stream is a copy), and the pass size is the largest m with
 * baseline + m·(one-sample peak − baseline) <= budget, at least 1 and at most `batch`. A one-sample
 * probe cannot itself overrun a heap that a larger step would overrun first.
 */
export async function chooseMicroBatch(
  policy: TrainablePolicy,
  params: readonly [string, tf.Variable][],
  samples: readonly TrainingSample[],
  options: Omit<BatchGradientOptions, 'microBatch' | 'offset'>,
  budgetBytes: number,
): Promise<MicroBatchChoice> {
  const baselineBytes = tf.memory().numBytes;
  const info = await tf.profile(() => {
    const r = batchGradients(policy, params, samples.slice(0, 1), { ...options, offset: 0, microBatch: 1 });
    tf.dispose([...r.grads.values()]);
  });
  const perSampleBytes = Math.max(1, info.peakBytes - baselineBytes);
  const fit = Math.floor((budgetBytes - baselineBytes) / perSampleBytes);
  return { microBatch: Math.max(1, Math.min(samples.length, fit)), baselineBytes, perSampleBytes, budgetBytes };
}
