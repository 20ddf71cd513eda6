import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '../kernels/wasm-kernel-call.js';

/** The fused AdamW update's kernel name (registered for the `wasm` and `cpu` backends). */
export const ADAMW_UPDATE = 'CvaeAdamWUpdate';

export interface AdamWUpdateAttrs {
  /** 1 − lr·weight_decay. */
  readonly decay: number;
  readonly beta1: number;
  readonly beta2: number;
  /** √(1 − β2ᵗ). */
  readonly bc2Sqrt: number;
  readonly eps: number;
  /** lr / (1 − β1ᵗ). */
  readonly stepSize: number;
}

/**
 * One AdamW update of a parameter in one pass over memory:
 * `m' = β1·m + (1−β1)·g`, `v' = β2·v + (1−β2)·g²`, `p' = p·decay − stepSize·m' / (√v'/bc2Sqrt + eps)`.
 * The op chain it replaces ran 14 kernels per parameter (each a pass over it plus a buffer);
 * arithmetic is in double rounded to float32 on store, so results may differ from the chain in the
 * last bit. Same code on every backend it is registered for, so cpu and wasm agree exactly.
 */
export function adamWUpdateValues(p: Float32Array, m: Float32Array, v: Float32Array, g: Float32Array, out: [Float32Array, Float32Array, Float32Array], a: AdamWUpdateAttrs): void {
  const [po, mo, vo] = out;
  const { decay, beta1, beta2, bc2Sqrt, eps, stepSize } = a;
  const c1 = 1 - beta1;
  const c2 = 1 - beta2;
  const n = p.length;
  for (let i = 0; i < n; i++) {
    const gi = g[i]!;
    const mi = beta1 * m[i]! + c1 * gi;
    const vi = beta2 * v[i]! + c2 * gi * gi;
    mo[i] = mi;
    vo[i] = vi;
    po[i] = p[i]! * decay - (stepSize * mi) / (Math.sqrt(vi) / bc2Sqrt + eps);
  }
}

function inputsOf(inputs: tf.NamedTensorInfoMap): tf.TensorInfo[] {
  const names = ['param', 'expAvg', 'expAvgSq', 'grad'];
  return names.map((n) => {
    const t = inputs[n];
    if (t === undefined || t.dtype !== 'float32') throw new Error(`${ADAMW_UPDATE}: input '${n}' must be a float32 tensor`);
    return t;
  });
}

function wasmKernel(args: { inputs: tf.NamedTensorInfoMap; backend: {}; attrs?: tf.NamedAttrMap }): tf.TensorInfo[] {
  const backend = args.backend as BackendWasm;
  const ins = inputsOf(args.inputs);
  const outs = [0, 1, 2].map(() => backend.makeOutput([...ins[0]!.shape], 'float32'));
  // Views after every allocation: growing the heap detaches older views.
  const view = (t: tf.TensorInfo): Float32Array => backend.typedArrayFromHeap(t) as Float32Array;
  const [p, m, v, g] = ins.map(view) as [Float32Array, Float32Array, Float32Array, Float32Array];
  adamWUpdateValues(p, m, v, g, outs.map(view) as [Float32Array, Float32Array, Float32Array], args.attrs as unknown as AdamWUpdateAttrs);
  return outs;
}

interface CpuBackend {
  data: { get(id: object): { values: Float32Array } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
}

function cpuKernel(args: { inputs: tf.NamedTensorInfoMap; backend: {}; attrs?: tf.NamedAttrMap }): tf.TensorInfo[] {
  const backend = args.backend as CpuBackend;
  const ins = inputsOf(args.inputs);
  const [p, m, v, g] = ins.map((t) => backend.data.get(t.dataId).values) as [Float32Array, Float32Array, Float32Array, Float32Array];
  const out: [Float32Array, Float32Array, Float32Array] = [new Float32Array(p.length), new Float32Array(p.length), new Float32Array(p.length)];
  adamWUpdateValues(p, m, v, g, out, args.attrs as unknown as AdamWUpdateAttrs);
  return out.map((values) => backend.makeTensorInfo([...ins[0]!.shape], 'float32', values));
}

/** Register the fused update for wasm and cpu (idempotent). Other backends use AdamW's op chain. */
export function registerAdamWUpdateKernel(): void {
  for (const [backendName, kernelFunc] of [['wasm', wasmKernel], ['cpu', cpuKernel]] as const) {
    if (tf.getKernel(ADAMW_UPDATE, backendName) === undefined) tf.registerKernel({ kernelName: ADAMW_UPDATE, backendName, kernelFunc: kernelFunc as unknown as tf.KernelFunc });
  }
}

/** The fused update on the current backend, or null when it has no such kernel. */
export function adamWUpdate(param: tf.Tensor, expAvg: tf.Tensor, expAvgSq: tf.Tensor, grad: tf.Tensor, attrs: AdamWUpdateAttrs): [tf.Tensor, tf.Tensor, tf.Tensor] | null {
  if (tf.getKernel(ADAMW_UPDATE, tf.getBackend()) === undefined) return null;
  return tf.engine().runKernel(ADAMW_UPDATE, { param, expAvg, expAvgSq, grad }, attrs as unknown as tf.NamedAttrMap) as unknown as [tf.Tensor, tf.Tensor, tf.Tensor];
}
