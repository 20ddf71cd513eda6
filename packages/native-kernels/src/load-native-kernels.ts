import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NativeAddonInfo, NativeKernels } from './native-addon.js';

/** Environment variable naming the addon file to load instead of the built one (tests use a missing path). */
export const NATIVE_ADDON_ENV = 'ACTFUSION_NATIVE_ADDON';

export type NativeKernelsLoad =
  | { readonly ok: true; readonly kernels: NativeKernels; readonly info: NativeAddonInfo; readonly file: string }
  | { readonly ok: false; readonly reason: string };

/** The addon as node-gyp builds it at install (`<package>/build/Release`). */
export function builtAddonPath(): string {
  // src/ and dist/ both sit one level below the package root.
  return join(dirname(fileURLToPath(import.meta.url)), '..', 'build', 'Release', 'actfusion_native_kernels.node');
}

let cached: { file: string; load: NativeKernelsLoad } | undefined;

/**
 * Loads the native kernels once per thread (each worker thread loads its own instance of the same
 * shared library). Never throws: when there are no kernels, `reason` says why in one sentence
 * (not built, built without BLAS, failed to load).
 */
export function loadNativeKernels(): NativeKernelsLoad {
  const override = process.env[NATIVE_ADDON_ENV];
  const file = override !== undefined && override !== '' ? override : builtAddonPath();
  if (cached?.file === file) return cached.load;
  const load = tryLoad(file, override !== undefined && override !== '');
  cached = { file, load };
  return load;
}

function tryLoad(file: string, overridden: boolean): NativeKernelsLoad {
  if (!existsSync(file)) {
    return {
      ok: false,
      reason: overridden
        ? `native addon not found at ${file} (set by ${NATIVE_ADDON_ENV})`
        : `native addon not built (${file} is missing: the install step needs g++, make, python3 and libopenblas-dev; then npm rebuild @actfusion/native-kernels)`,
    };
  }
  let addon: Partial<NativeKernels>;
  try {
    addon = createRequire(import.meta.url)(file) as Partial<NativeKernels>;
  } catch (error) {
    return { ok: false, reason: `native addon ${file} failed to load: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (typeof addon.info !== 'function') return { ok: false, reason: `native addon ${file} has no info() export (not an actfusion native-kernels build)` };
  const info = addon.info();
  if (!info.blas) return { ok: false, reason: `native addon ${info.reason ?? 'built without BLAS'}` };
  for (const name of ['matMul', 'conv2d', 'conv2dBackpropInput', 'conv2dBackpropFilter', 'maxPoolGrad', 'setThreads', 'setIm2colBlockFloats'] as const) {
    if (typeof addon[name] !== 'function') return { ok: false, reason: `native addon ${file} lacks ${name}() (stale build? npm rebuild @actfusion/native-kernels)` };
  }
  return { ok: true, kernels: addon as NativeKernels, info, file };
}
