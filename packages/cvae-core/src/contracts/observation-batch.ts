import type * as tf from '@tensorflow/tfjs-core';

/** The tensors one encoder made from a list of observations (its `featurise`), by feature key. */
export type FeatureBatch = Readonly<Record<string, tf.Tensor>>;

/**
 * A batch as the policy consumes it. cvae-core's `collate` fills only what every ACT policy
 * shares (the normalised joint state); each encoder's own tensors come from its `featurise`
 * and sit under its name in `inputs`.
 */
export interface ObservationBatch {
  /** [B, stateDim], normalised `observation.state` (the style encoder and the joints encoder read it). */
  readonly qpos: tf.Tensor2D;
  /** Encoder name -> what its `featurise(observations)` returned. */
  readonly inputs: Readonly<Record<string, FeatureBatch>>;
}

/**
 * The tensor `key` that encoder `encoder` featurised into `batch`; an error naming both and
 * what the batch holds instead when it is missing.
 */
export function batchInput(batch: ObservationBatch, encoder: string, key: string): tf.Tensor {
  const part = batch.inputs[encoder];
  if (!part) {
    throw new Error(`${encoder}: the batch has no inputs for encoder '${encoder}' (has ${Object.keys(batch.inputs).join(', ') || 'none'}); build batches with collate(..., encoders)`);
  }
  const t = part[key];
  if (!t) throw new Error(`${encoder}: the batch has no tensor '${key}' for this encoder (has ${Object.keys(part).join(', ') || 'none'})`);
  return t;
}

/**
 * An `ObservationBatch` from tensors that are already featurised (e.g. a parity fixture's
 * normalised images, or a benchmark's random inputs), by feature key: each tensor goes to the
 * encoder that declares that feature. A key no encoder reads is an error naming it.
 */
export function assembleBatch(
  encoders: readonly { readonly name: string; readonly features: readonly { readonly key: string }[] }[],
  qpos: tf.Tensor2D,
  tensors: Readonly<Record<string, tf.Tensor>>,
): ObservationBatch {
  const inputs: Record<string, Record<string, tf.Tensor>> = {};
  for (const e of encoders) inputs[e.name] = {};
  for (const [key, t] of Object.entries(tensors)) {
    const owner = encoders.find((e) => e.features.some((f) => f.key === key));
    if (!owner) throw new Error(`assembleBatch: no encoder reads feature '${key}' (encoders: ${encoders.map((e) => `${e.name} [${e.features.map((f) => f.key).join(', ')}]`).join('; ')})`);
    inputs[owner.name]![key] = t;
  }
  return { qpos, inputs };
}
