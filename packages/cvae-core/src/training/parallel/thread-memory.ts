import { getHeapStatistics } from 'node:v8';
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '../../kernels/wasm-kernel-call.js';

/** Where one thread's memory sits (a training worker or the trainer's own thread). */
export interface ThreadMemory {
  /** `main`, `worker 1`, ... */
  readonly thread: string;
  readonly backend: string;
  /**
   * Size of the wasm backend's linear memory (its high-water mark: a wasm heap never shrinks, so
   * this is what the thread's tensors once needed at most, resident once touched); null off wasm.
   */
  readonly wasmHeapBytes: number | null;
  /** Bytes of live tensors now (`tf.memory().numBytes`). */
  readonly tensorBytes: number;
  /** This thread's V8 heap in use (JavaScript objects; typed arrays' buffers are counted by the process, not here). */
  readonly jsHeapBytes: number;
}

/** The calling thread's memory: wasm heap, live tensors, V8 heap. */
export function threadMemory(thread: string): ThreadMemory {
  const backend = tf.getBackend();
  let wasmHeapBytes: number | null = null;
  if (backend === 'wasm') wasmHeapBytes = ((tf.backend() as unknown as BackendWasm).wasm as unknown as { HEAPU8: Uint8Array }).HEAPU8.buffer.byteLength;
  return { thread, backend, wasmHeapBytes, tensorBytes: tf.memory().numBytes, jsHeapBytes: getHeapStatistics().used_heap_size };
}

/** What a training run holds: every thread's memory and the pool's shared buffers. */
export interface TrainingMemory {
  readonly threads: ThreadMemory[];
  /** SharedArrayBuffers of the worker pool (weights, AdamW moments, loss shares, barrier), 0 in one thread. */
  readonly sharedBytes: number;
}
