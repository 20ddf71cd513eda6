import { dirname } from 'node:path';
import { createRequire } from 'node:module';
import { webcrypto } from 'node:crypto';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../random/rng.js';
import { registerWasmGradientKernels } from '../kernels/register-wasm-gradient-kernels.js';
import { isKernelPathRequest, KERNEL_PATHS, selectKernelPath, type KernelPathRequest } from '../kernels/native/kernel-path.js';
import { unregisterNativeKernels } from '../kernels/native/register-native-kernels.js';
import { BACKEND_NAMES, isBackendRequest, tfBackendNameOf, type BackendName, type BackendRequest } from './backend-name.js';
import { ensureGradientsRegistered } from './register-gradients.js';
import {
  BackendNotInstalledError,
  importTensorflowBinding,
  TENSORFLOW_BINDINGS,
} from './optional-backend.js';

export interface RuntimeOptions {
  /** Which backend to use; `auto` (the default) takes the first of BACKEND_NAMES that loads. */
  readonly backend?: BackendRequest;
  /**
   * Seed of the runtime's `rng`. Omitted: a random 31-bit seed is drawn from the OS and reported in
   * `seed`, so a run can always be repeated.
   */
  readonly seed?: number;
  /**
   * The wasm backend's hot kernels (matrix products, convolutions and their gradients): `native` runs
   * them on OpenBLAS through @actfusion/native-kernels (an error when its addon is not available),
   * `wasm` on XNNPACK, `auto` (the default) native when the addon loaded, else wasm with the reason.
   * Other backends ignore it.
   */
  readonly kernels?: KernelPathRequest;
  /** OpenBLAS threads for the native kernels (process-wide); default 1 in a worker thread, else every core. */
  readonly blasThreads?: number;
}

/**
 * The tensor runtime: tfjs with a selected backend, the gradients and the missing wasm kernels
 * registered, and the seeded random stream every random tensor op of a run draws its seed from.
 */
export interface TensorRuntime {
  /** The backend in use. */
  readonly backend: BackendName;
  /** Why this backend: what `auto` tried, and the backend's own details (SIMD, threads, kernels). */
  readonly reason: string;
  /** The seed `rng` started from. */
  readonly seed: number;
  /**
   * The run's random stream. Give each tfjs random op a seed from it (`rng.opSeed()`, e.g.
   * `tf.randomNormal(shape, 0, 1, 'float32', rng.opSeed())`, `tf.dropout(x, p, undefined, rng.opSeed())`)
   * and each subsystem its own stream (`rng.fork()`): same seed and backend, same draws.
   */
  readonly rng: Rng;
  /** Kernels cvae-core registered (or replaced) for this backend. */
  readonly customKernels: readonly string[];
  /** The wasm backend's kernel path (`native` = OpenBLAS), null on other backends. */
  readonly kernelPath: 'native' | 'wasm' | null;
  /** One line for the log: the kernel path and why (e.g. why the native kernels are not used). */
  readonly kernelReason: string;
  /** True after `dispose()`. */
  readonly disposed: boolean;
  /**
   * Releases the runtime. When the last live runtime of the process is disposed, the tfjs engine
   * is reset: every tensor and variable is freed and the backend's memory (the wasm heap) released.
   * Idempotent.
   */
  dispose(): void;
}

let liveRuntimes = 0;
let wasmPathsSet = false;
const require = createRequire(import.meta.url);

/** Creates a runtime; calling it again (also with another backend) is fine. */
export async function createRuntime(options: RuntimeOptions = {}): Promise<TensorRuntime> {
  const request = options.backend ?? 'auto';
  if (!isBackendRequest(request)) {
    throw new Error(
      `createRuntime: options.backend must be one of 'auto', ${BACKEND_NAMES.map((b) => `'${b}'`).join(', ')}; got ${JSON.stringify(request)}`,
    );
  }
  const kernels = options.kernels ?? 'auto';
  if (!isKernelPathRequest(kernels)) {
    throw new Error(`createRuntime: options.kernels must be one of ${KERNEL_PATHS.map((k) => `'${k}'`).join(', ')}; got ${JSON.stringify(kernels)}`);
  }
  const seed = options.seed ?? randomSeed();
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new Error(`createRuntime: options.seed must be an integer in [0, 2^32), got ${String(seed)}`);
  }

  const tried: string[] = [];
  let chosen: { backend: BackendName; details: string; customKernels: readonly string[]; kernelPath: 'native' | 'wasm' | null; kernelReason: string } | undefined;
  const candidates: readonly BackendName[] = request === 'auto' ? BACKEND_NAMES : [request];
  for (const backend of candidates) {
    try {
      chosen = { backend, ...(await activate(backend, kernels, options.blasThreads)) };
      break;
    } catch (error) {
      if (request !== 'auto') throw error;
      tried.push(
        error instanceof BackendNotInstalledError
          ? `${error.packageName} not installed`
          : `${backend} failed (${error instanceof Error ? error.message : String(error)})`,
      );
    }
  }
  if (chosen === undefined) throw new Error(`createRuntime: no backend could be loaded: ${tried.join('; ')}`);

  const gradients = await ensureGradientsRegistered();
  const prefix = request === 'auto' ? `auto: ${[...tried, ''].join('; ')}` : `requested ${request}: `;
  const reason =
    `${prefix}using ${chosen.details}` +
    (gradients === '@tensorflow/tfjs-layers' ? '; gradients registered from @tensorflow/tfjs-layers' : '') +
    (chosen.customKernels.length > 0 ? `; cvae-core kernels: ${chosen.customKernels.join(', ')}` : '') +
    (chosen.kernelPath !== null ? `; ${chosen.kernelReason}` : '');

  liveRuntimes++;
  let disposed = false;
  return {
    backend: chosen.backend,
    reason,
    seed,
    rng: new Rng(seed),
    customKernels: chosen.customKernels,
    kernelPath: chosen.kernelPath,
    kernelReason: chosen.kernelReason,
    get disposed() {
      return disposed;
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      liveRuntimes--;
      if (liveRuntimes === 0) {
        // The wasm kernels go back before the backend is re-created (their setup binds them to it).
        unregisterNativeKernels();
        tf.engine().reset();
      }
    },
  };
}

interface Activated {
  details: string;
  customKernels: readonly string[];
  kernelPath: 'native' | 'wasm' | null;
  kernelReason: string;
}

async function activate(backend: BackendName, kernels: KernelPathRequest, blasThreads: number | undefined): Promise<Activated> {
  const notWasm = { kernelPath: null, kernelReason: `kernels: ${backend} backend's own` } as const;
  switch (backend) {
    case 'tensorflow-gpu':
    case 'tensorflow': {
      await importTensorflowBinding(TENSORFLOW_BINDINGS[backend]);
      await setBackendOrThrow(backend);
      return { details: `${backend} (${TENSORFLOW_BINDINGS[backend].packageName}, libtensorflow)`, customKernels: [], ...notWasm };
    }
    case 'wasm': {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      if (!wasmPathsSet) {
        // The .wasm binaries ship next to the Node entry point (dist/); point at them explicitly so that
        // loading does not depend on how this module was bundled or transformed.
        wasm.setWasmPaths(`${dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))}/`);
        wasmPathsSet = true;
      }
      unregisterNativeKernels();
      const customKernels = registerWasmGradientKernels();
      await setBackendOrThrow(backend);
      const path = selectKernelPath(kernels, blasThreads);
      const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
      const threads = wasm.getThreadsCount();
      return {
        details: `wasm (${simd ? 'SIMD' : 'no SIMD'}, ${threads} thread${threads === 1 ? '' : 's'})`,
        customKernels,
        kernelPath: path.path,
        kernelReason: path.description,
      };
    }
    case 'cpu': {
      await import('@tensorflow/tfjs-backend-cpu');
      await setBackendOrThrow(backend);
      // The cpu backend prints a "you are running TensorFlow.js in Node.js, install tfjs-node" banner on
      // its first write; here cpu is chosen on purpose (or as the last fallback, which `reason` explains).
      const cpu = tf.backend() as { firstUse?: unknown };
      if (cpu.firstUse === true) cpu.firstUse = false;
      return { details: 'cpu (plain JavaScript reference)', customKernels: [], ...notWasm };
    }
  }
}

async function setBackendOrThrow(backend: BackendName): Promise<void> {
  const name = tfBackendNameOf(backend);
  const ok = await tf.setBackend(name);
  if (!ok || tf.getBackend() !== name) {
    throw new Error(`backend '${backend}': tf.setBackend('${name}') failed to initialise the backend`);
  }
  await tf.ready();
}

function randomSeed(): number {
  return webcrypto.getRandomValues(new Uint32Array(1))[0]! & 0x7fffffff;
}
