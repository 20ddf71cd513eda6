import * as tf from '@tensorflow/tfjs-core';
import type { TrainingSample } from '@actfusion/contracts';
import type { ObservationSpec } from '@actfusion/contracts';
import { Rng, type RngState } from '../random/rng.js';
import { collate, disposeCollated } from './collate.js';
import { leanVariableGrads } from './lean-variable-grads.js';
import type { Normalizer } from './normalizer.js';
import type { TrainablePolicy } from './trainable-policy.js';

/** How the policy's reconstruction loss is reduced over a batch (see `chunkReconstructionLoss`). */
export type ReconstructionReduction = 'valid' | 'all';

/** What every slice of a batch needs to know about the whole batch to weight its share of the loss. */
export interface WholeBatch {
  readonly size: number;
  /** Unpadded steps over the whole batch (the `valid` reduction's denominator, over A). */
  readonly validSteps: number;
}

/** A slice's gradients and its share of the batch's loss terms (summing the shares gives the batch's values). */
export interface SliceGradients {
  /** Parameter name -> gradient of this slice's share of the batch loss. The caller disposes them. */
  readonly grads: Map<string, tf.Tensor>;
  readonly loss: number;
  readonly l1: number;
  readonly kl: number;
  /** The model stream after one forward pass (the same for every slice of a step). */
  readonly rngEnd: RngState;
}

export function wholeBatchOf(samples: readonly TrainingSample[]): WholeBatch {
  let valid = 0;
  for (const s of samples) for (const p of s.isPad) if (!p) valid++;
  return { size: samples.length, validSteps: valid };
}

/**
 * The reduction of an ACT policy's loss (its `PolicyConfig.lossReduction`, default `valid`); any
 * other policy's loss is taken to be a plain mean over the batch (`all`).
 */
export function reductionOf(policy: TrainablePolicy): ReconstructionReduction {
  const cfg = policy.config as { lossReduction?: unknown; chunkSize?: unknown } | undefined;
  if (cfg && typeof cfg === 'object' && 'chunkSize' in cfg) return cfg.lossReduction === 'all' ? 'all' : 'valid';
  return 'all';
}

/**
 * The weights that turn a slice's loss terms into its share of the whole batch's: the KL term (a
 * mean over samples) by `b / B`; the reconstruction term by `b / B` under the `all` reduction, by
 * (the slice's unpadded steps) / (the batch's) under `valid`. Summing the weighted slice losses gives
 * exactly the batch loss, and so the gradients add up to the batch gradient.
 */
export function sliceWeights(slice: readonly TrainingSample[], whole: WholeBatch, reduction: ReconstructionReduction): { l1: number; kl: number } {
  const kl = slice.length / whole.size;
  if (reduction === 'all') return { l1: kl, kl };
  const valid = wholeBatchOf(slice).validSteps;
  return { l1: whole.validSteps === 0 ? 0 : valid / whole.validSteps, kl };
}

export interface BatchGradientOptions {
  readonly spec: ObservationSpec;
  readonly normalizer: Normalizer;
  /** The model stream's state at the start of the step (every slice starts from it). */
  readonly rngState: RngState;
  /** Global index of `samples[0]` in the whole batch (a worker's shard offset). */
  readonly offset: number;
  readonly whole: WholeBatch;
  readonly reduction: ReconstructionReduction;
  /** Samples per forward/backward pass; the gradients of the passes are summed. */
  readonly microBatch: number;
  /**
   * Hand each parameter's gradient over as soon as it is complete (during the last pass's backward
   * pass, the earlier passes' share added) instead of returning it; the tensor is freed after the
   * call. Parameters not handed over (not reached by the last pass) are in the result as usual.
   */
  readonly onGradient?: (param: number, grad: tf.Tensor) => void;
}

/**
 * Gradients of `samples`' share of the batch loss, computed in micro-batches of `microBatch`
 * samples whose gradients are summed. Each micro-batch draws its dropout masks and VAE noise from
 * the step's model stream at its own global sample offset, so the result equals one pass over the
 * whole batch (within float rounding of the sums). With a single slice that is the whole batch the
 * loss is used unweighted, exactly as a plain training step.
 */
export function batchGradients(
  policy: TrainablePolicy,
  params: readonly [string, tf.Variable][],
  samples: readonly TrainingSample[],
  o: BatchGradientOptions,
): SliceGradients {
  if (samples.length === 0) throw new Error('batchGradients: empty slice');
  if (!(Number.isInteger(o.microBatch) && o.microBatch >= 1)) throw new Error(`batchGradients: microBatch must be a positive integer, got ${o.microBatch}`);
  const vars = params.map(([, v]) => v);
  const acc = new Map<string, tf.Tensor>();
  let loss = 0;
  let l1 = 0;
  let kl = 0;
  let rngEnd: RngState = o.rngState;
  const whole = samples.length === o.whole.size && o.offset === 0 && o.microBatch >= samples.length;
  const indexOf = new Map(vars.map((v, i) => [v, i]));
  const stream = o.onGradient;
  const handOver = stream
    ? (v: tf.Variable, g: tf.Tensor): void => {
        const i = indexOf.get(v)!;
        const name = params[i]![0];
        const prev = acc.get(name);
        if (!prev) return stream(i, g);
        acc.delete(name);
        const total = tf.add(prev, g);
        try {
          stream(i, total);
        } finally {
          tf.dispose([prev, total]);
        }
      }
    : undefined;
  for (let start = 0; start < samples.length; start += o.microBatch) {
    const last = start + o.microBatch >= samples.length;
    const slice = samples.slice(start, start + o.microBatch);
    const w = whole ? null : sliceWeights(slice, o.whole, o.reduction);
    const rng = new Rng(o.rngState, o.offset + start);
    const c = collate(slice, o.spec, o.normalizer, policy.encoders ?? []);
    let parts: tf.Scalar[] = [];
    let value: tf.Scalar;
    let grads: tf.NamedTensorMap;
    try {
      ({ value, grads } = leanVariableGrads(() => {
        const r = policy.computeLoss(c.batch, c.action, c.isPad, rng);
        if (!w) {
          parts = [tf.keep(r.l1), tf.keep(r.kl)];
          return r.loss;
        }
        const wl1 = tf.mul(r.l1, w.l1) as tf.Scalar;
        const rest = tf.mul(tf.sub(r.loss, r.l1), w.kl) as tf.Scalar;
        parts = [tf.keep(wl1), tf.keep(tf.mul(r.kl, w.kl) as tf.Scalar)];
        return tf.add(wl1, rest) as tf.Scalar;
      }, vars, last && handOver ? { onGradient: handOver } : {}));
    } finally {
      disposeCollated(c);
    }
    rngEnd = rng.getState();
    const [lv, l1v, klv] = [value, ...parts].map((t) => t.dataSync()[0]!);
    tf.dispose([value, ...parts]);
    loss += lv!;
    l1 += l1v!;
    kl += klv!;
    // Parameters the loss does not reach get no gradient and are skipped, like PyTorch's `grad is None`.
    for (const [name, v] of params) {
      const g = grads[v.name];
      if (!g) continue;
      const prev = acc.get(name);
      if (prev) {
        acc.set(name, tf.add(prev, g));
        tf.dispose([prev, g]);
      } else acc.set(name, g);
    }
  }
  return { grads: acc, loss, l1, kl, rngEnd };
}
