import { createRequire } from 'node:module';

/** The libtensorflow bindings: optional peer dependencies that are imported only when installed. */
export interface TensorflowBinding {
  readonly backend: 'tensorflow-gpu' | 'tensorflow';
  readonly packageName: '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node';
}

export const TENSORFLOW_BINDINGS: Readonly<Record<'tensorflow-gpu' | 'tensorflow', TensorflowBinding>> = {
  'tensorflow-gpu': { backend: 'tensorflow-gpu', packageName: '@tensorflow/tfjs-node-gpu' },
  tensorflow: { backend: 'tensorflow', packageName: '@tensorflow/tfjs-node' },
};

const require = createRequire(import.meta.url);

/** Whether `packageName` resolves from this package (without loading it). */
export function isPackageInstalled(packageName: string): boolean {
  try {
    require.resolve(packageName);
    return true;
  } catch (error) {
    if (isModuleNotFound(error)) return false;
    throw error;
  }
}

/** The error thrown when a libtensorflow backend is asked for but its package is not installed. */
export class BackendNotInstalledError extends Error {
  readonly backend: TensorflowBinding['backend'];
  readonly packageName: TensorflowBinding['packageName'];

  constructor(binding: TensorflowBinding) {
    super(notInstalledMessage(binding));
    this.name = 'BackendNotInstalledError';
    this.backend = binding.backend;
    this.packageName = binding.packageName;
  }
}

export function notInstalledMessage(binding: TensorflowBinding): string {
  const { backend, packageName } = binding;
  const needs =
    backend === 'tensorflow-gpu'
      ? 'It binds libtensorflow 2.9.1 with CUDA: it needs an NVIDIA driver newer than 450, CUDA 11.2 and ' +
        'cuDNN 8.1 (with CUDA 12 TensorFlow cannot find libcudart.so.11.0 and silently runs on the CPU), on linux-x86_64 or windows-x86_64.'
      : 'It binds libtensorflow 2.9.1 (CPU; linux-x86_64, darwin-x86_64, windows-x86_64).';
  return (
    `backend '${backend}' needs the optional peer dependency ${packageName}, which is not installed. ` +
    `Install it with \`npm install ${packageName}@4.22.0\`; its install script downloads libtensorflow 2.9.1 ` +
    'and a prebuilt addon from storage.googleapis.com (set TFJS_NODE_CDN_STORAGE or TFJS_NODE_BASE_URI to use a mirror). ' +
    `${needs} Or choose backend 'wasm' (embedded, no install) or 'auto'.`
  );
}

/**
 * Imports a libtensorflow binding. Importing it registers the tfjs backend named `tensorflow`
 * (both packages use that name) and the tfjs gradients; the caller then runs
 * `tf.setBackend('tensorflow')`, the documented way to select it.
 * @throws BackendNotInstalledError when the package is not installed.
 */
export async function importTensorflowBinding(binding: TensorflowBinding): Promise<void> {
  if (!isPackageInstalled(binding.packageName)) throw new BackendNotInstalledError(binding);
  // A variable specifier keeps TypeScript and bundlers from requiring the optional package.
  const specifier: string = binding.packageName;
  try {
    await import(specifier);
  } catch (error) {
    throw new Error(
      `backend '${binding.backend}': ${binding.packageName} is installed but failed to load ` +
        `(${error instanceof Error ? error.message : String(error)}); reinstall it so that its install ` +
        'script can fetch libtensorflow 2.9.1, or choose backend \'wasm\'.',
      { cause: error },
    );
  }
}

function isModuleNotFound(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND';
}
