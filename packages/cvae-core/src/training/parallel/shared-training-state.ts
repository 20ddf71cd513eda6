import * as tf from '@tensorflow/tfjs-core';
import type { Module } from '../../nn/module.js';
import type { TrainerOptimizer } from '../trainer-optimizer.js';

/**
 * The one copy of a worker pool's trainable weights and AdamW state, in shared memory: every
 * parameter's floats in the policy's trainable order (`weights`, `expAvg`, `expAvgSq`) and its
 * update count (`steps`, 0 = no state yet, as AdamW before its first update of it). Each worker
 * updates its own float range in place after the gradient sum (ZeRO-1 style: the moments are never
 * copied into a tensor backend), then every worker and the trainer read the weights from here.
 */
export interface SharedTrainingState {
  /**
   * The weights between steps. During a step, once every worker holds them in its backend, the
   * workers sum their gradients here and each writes its range's new weights over the sum, so no
   * gradient buffer exists besides it.
   */
  readonly weights: SharedArrayBuffer;
  readonly expAvg: SharedArrayBuffer;
  readonly expAvgSq: SharedArrayBuffer;
  /** Int32 [params]. */
  readonly steps: SharedArrayBuffer;
}

/** A tensor's shape, dtype and values outside any backend (what a checkpoint writer reads). */
export interface HostTensor {
  readonly shape: number[];
  readonly dtype: 'float32';
  readonly size: number;
  data(): Promise<Float32Array>;
}

export function hostTensor(values: Float32Array, shape: number[]): HostTensor {
  return { shape, dtype: 'float32', size: values.length, data: async () => values };
}

/** The policy's state entries that are not trainable parameters (buffers such as frozen batch-norm statistics). */
export function nonTrainable(policy: Module, params: readonly [string, tf.Variable][]): Map<string, tf.Tensor> {
  const trainable = new Set<tf.Tensor>(params.map(([, v]) => v));
  return new Map([...policy.stateDict()].filter(([, t]) => !trainable.has(t)));
}

/** Float offset of each parameter and the total. */
export function parameterOffsets(params: readonly [string, tf.Variable][]): { offsets: number[]; floats: number } {
  const offsets: number[] = [];
  let floats = 0;
  for (const [, v] of params) {
    offsets.push(floats);
    floats += v.size;
  }
  return { offsets, floats };
}

export function allocateSharedTrainingState(floats: number, params: number): SharedTrainingState {
  return {
    weights: new SharedArrayBuffer(floats * 4),
    expAvg: new SharedArrayBuffer(floats * 4),
    expAvgSq: new SharedArrayBuffer(floats * 4),
    steps: new SharedArrayBuffer(params * 4),
  };
}

/** Copy the parameters' current values into the shared weights (one tensor read at a time). */
export function writeSharedWeights(state: SharedTrainingState, params: readonly [string, tf.Variable][], offsets: readonly number[]): void {
  const w = new Float32Array(state.weights);
  params.forEach(([, v], i) => w.set(v.dataSync() as Float32Array, offsets[i]!));
}

/**
 * Assign the shared weights to the parameters, one at a time (the backend holds one extra
 * parameter at most). The wasm backend copies a view into its heap; other backends may keep the
 * array they are given, so they get a private copy.
 */
export function readSharedWeights(state: SharedTrainingState, params: readonly [string, tf.Variable][], offsets: readonly number[]): void {
  const w = new Float32Array(state.weights);
  const wasm = tf.getBackend() === 'wasm';
  params.forEach(([, v], i) => {
    const o = offsets[i]!;
    const values = wasm ? w.subarray(o, o + v.size) : w.slice(o, o + v.size);
    const t = tf.tensor(values, v.shape, 'float32');
    v.assign(t);
    t.dispose();
  });
}

/** Index of each parameter over all the optimiser's groups (the `state/<i>/` of LeRobot's saved state). */
function optimizerIndices(optimizer: TrainerOptimizer, params: readonly [string, tf.Variable][]): number[] {
  const index = new Map<string, number>();
  for (const g of optimizer.groups) for (const [n] of g.params) index.set(n, index.size);
  return params.map(([n]) => {
    const i = index.get(n);
    if (i === undefined) throw new Error(`Trainer: parameter '${n}' is in no optimiser group`);
    return i;
  });
}

/** Copy the trainer's optimiser state (`state/<i>/step|exp_avg|exp_avg_sq`) into the shared state; parameters without state start at zero. */
export function writeSharedOptimizerState(state: SharedTrainingState, optimizer: TrainerOptimizer, params: readonly [string, tf.Variable][], offsets: readonly number[]): void {
  const m = new Float32Array(state.expAvg);
  const v = new Float32Array(state.expAvgSq);
  const steps = new Int32Array(state.steps);
  m.fill(0);
  v.fill(0);
  steps.fill(0);
  const saved = optimizer.stateTensors();
  try {
    const indices = optimizerIndices(optimizer, params);
    params.forEach(([name], i) => {
      const k = `state/${indices[i]}/`;
      const step = saved.get(`${k}step`);
      if (!step) return;
      const ea = saved.get(`${k}exp_avg`);
      const eas = saved.get(`${k}exp_avg_sq`);
      if (!ea || !eas) throw new Error(`Trainer: optimiser state of '${name}' (${k}) lacks its moments`);
      steps[i] = step.dataSync()[0]!;
      m.set(ea.dataSync() as Float32Array, offsets[i]!);
      v.set(eas.dataSync() as Float32Array, offsets[i]!);
    });
  } finally {
    tf.dispose([...saved.values()].filter((t) => !(t instanceof tf.Variable)));
  }
}

/**
 * The shared optimiser state under the names the trainer's optimiser saves it with
 * (`state/<i>/step|exp_avg|exp_avg_sq`, parameters that have been updated at least once), as
 * views on the shared memory: read them before the next step.
 */
export function sharedOptimizerState(state: SharedTrainingState, optimizer: TrainerOptimizer, params: readonly [string, tf.Variable][], offsets: readonly number[]): Map<string, HostTensor> {
  const m = new Float32Array(state.expAvg);
  const v = new Float32Array(state.expAvgSq);
  const steps = new Int32Array(state.steps);
  const indices = optimizerIndices(optimizer, params);
  const order = params.map((_, i) => i).sort((a, b) => indices[a]! - indices[b]!);
  const out = new Map<string, HostTensor>();
  for (const i of order) {
    if (steps[i] === 0) continue;
    const [, p] = params[i]!;
    const o = offsets[i]!;
    const k = `state/${indices[i]}/`;
    out.set(`${k}step`, hostTensor(Float32Array.of(steps[i]!), []));
    out.set(`${k}exp_avg`, hostTensor(m.subarray(o, o + p.size), [...p.shape]));
    out.set(`${k}exp_avg_sq`, hostTensor(v.subarray(o, o + p.size), [...p.shape]));
  }
  return out;
}
