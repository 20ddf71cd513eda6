import { availableParallelism } from 'node:os';
import { isMainThread } from 'node:worker_threads';
import { loadNativeKernels } from '@actfusion/native-kernels';
import { registerNativeKernels, unregisterNativeKernels } from './register-native-kernels.js';

/** Which kernels the wasm backend runs: `native` (OpenBLAS addon), `wasm` (XNNPACK), `auto` (native when it loads). */
export const KERNEL_PATHS = ['auto', 'native', 'wasm'] as const;
export type KernelPathRequest = (typeof KERNEL_PATHS)[number];

export function isKernelPathRequest(value: unknown): value is KernelPathRequest {
  return (KERNEL_PATHS as readonly unknown[]).includes(value);
}

export interface KernelPathChoice {
  readonly path: 'native' | 'wasm';
  /** Kernel names the native path replaced (empty on `wasm`). */
  readonly kernels: readonly string[];
  /** One sentence for the log: the path and why. */
  readonly description: string;
}

/**
 * The BLAS threads when not configured: one in a worker thread (data-parallel training runs one worker
 * per core already), every core on the main thread (one trainer, or inference).
 */
export function defaultBlasThreads(): number {
  return isMainThread ? availableParallelism() : 1;
}

/**
 * Selects the kernel path of an initialised wasm backend. `native` fails when the addon is missing;
 * `auto` falls back to wasm and says why. OpenBLAS's thread count is process-wide: the last runtime
 * created sets it.
 */
export function selectKernelPath(request: KernelPathRequest, blasThreads?: number): KernelPathChoice {
  unregisterNativeKernels();
  if (request === 'wasm') return { path: 'wasm', kernels: [], description: 'kernels: wasm (XNNPACK; runtime.kernels = wasm)' };
  const load = loadNativeKernels();
  if (!load.ok) {
    if (request === 'native') throw new Error(`runtime.kernels = native, but ${load.reason}`);
    return { path: 'wasm', kernels: [], description: `kernels: wasm (XNNPACK) because ${load.reason}` };
  }
  const threads = blasThreads ?? defaultBlasThreads();
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`runtime.blasThreads must be an integer >= 1, got ${String(threads)}`);
  const used = load.kernels.setThreads(threads);
  const kernels = registerNativeKernels(load.kernels);
  const blas = (load.info.config ?? 'OpenBLAS').split(' ').slice(0, 2).join(' ');
  return {
    path: 'native',
    kernels,
    description: `kernels: native (${blas}, ${load.info.core ?? '?'}, ${used} thread${used === 1 ? '' : 's'}) for ${kernels.join(', ')}`,
  };
}
