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
 * How many samples one forward/backward pass can hold within `budgetBytes` of the wasm heap: a
 * one-sample step is run (its gradients are thrown away, the optimiser is not touched, the model
 * stream is a copy) while the heap blocks tensors take are counted (`heapPeakDuring`), and the pass
 * size is the largest m with baseline + m·(one-sample peak) <= budget, at least 1 and at most
 * `batch`. A one-sample probe cannot itself overrun a heap that a larger step would overrun first.
 * (`tf.profile`'s peak adds every tensor's bytes, also for the clones a gradient saves, which share
 * their input's memory: it put act-paper's one-sample step at 899 MiB where its heap blocks peaked
 * at 558 MiB, so 3 samples per pass were chosen where 4 fitted.)
 */
export async function chooseMicroBatch(
  policy: TrainablePolicy,
  params: readonly [string, tf.Variable][],
  samples: readonly TrainingSample[],
  options: Omit<BatchGradientOptions, 'microBatch' | 'offset'>,
  budgetBytes: number,
): Promise<MicroBatchChoice> {
  const baselineBytes = tf.memory().numBytes;
  const peak = await heapPeakDuring(() => {
    const r = batchGradients(policy, params, samples.slice(0, 1), { ...options, offset: 0, microBatch: 1 });
    tf.dispose([...r.grads.values()]);
  });
  const perSampleBytes = Math.max(1, peak);
  const fit = Math.floor((budgetBytes - baselineBytes) / perSampleBytes);
  return { microBatch: Math.max(1, Math.min(samples.length, fit)), baselineBytes, perSampleBytes, budgetBytes };
}

interface WasmHeapAllocator {
  _malloc(bytes: number): number;
  _free(pointer: number): void;
}

/**
 * The largest number of heap bytes, above what was held when it started, that the tensor backend's
 * allocations held at once while `f` ran: every `_malloc`/`_free` of the wasm backend (each tensor
 * buffer, once, however many tensors share it) is counted for the call. Off wasm, `tf.profile`'s
 * peak (bytes per tensor) is the measure.
 */
export async function heapPeakDuring(f: () => void): Promise<number> {
  const wasm = tf.getBackend() === 'wasm' ? ((tf.backend() as unknown as { wasm: WasmHeapAllocator }).wasm ?? null) : null;
  if (!wasm || typeof wasm._malloc !== 'function' || typeof wasm._free !== 'function') {
    const before = tf.memory().numBytes;
    const info = await tf.profile(f);
    return Math.max(0, info.peakBytes - before);
  }
  // Emscripten's exports may be lazy stubs that replace themselves on their first call: whatever
  // replaces the wrapper is taken as the function to call and the wrapper goes back in place.
  let malloc = wasm._malloc;
  let free = wasm._free;
  const sizes = new Map<number, number>();
  let live = 0;
  let peak = 0;
  const trackedMalloc = (bytes: number): number => {
    const p = malloc.call(wasm, bytes);
    if (wasm._malloc !== trackedMalloc) {
      malloc = wasm._malloc;
      wasm._malloc = trackedMalloc;
    }
    sizes.set(p >>> 0, bytes);
    live += bytes;
    if (live > peak) peak = live;
    return p;
  };
  const trackedFree = (pointer: number): void => {
    const bytes = sizes.get(pointer >>> 0);
    if (bytes !== undefined) {
      live -= bytes;
      sizes.delete(pointer >>> 0);
    }
    free.call(wasm, pointer);
    if (wasm._free !== trackedFree) {
      free = wasm._free;
      wasm._free = trackedFree;
    }
  };
  wasm._malloc = trackedMalloc;
  wasm._free = trackedFree;
  try {
    f();
  } finally {
    wasm._malloc = malloc;
    wasm._free = free;
  }
  return peak;
}
