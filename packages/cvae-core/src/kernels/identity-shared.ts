import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from './wasm-kernel-call.js';

/**
 * Identity for the wasm backend that shares the input's memory (a reference count, as the wasm
 * Reshape does) instead of copying it. tfjs's engine runs Identity for every tensor a gradient
 * saves (`clone` in `saveTensorsForBackwardMode` and `customGrad`), so the built-in copy cost a
 * memory pass and a buffer per saved activation (1,300 copies, about 5 % of an act-small step).
 * Tensors are immutable and no kernel writes into its inputs, so sharing is safe.
 */
export function identitySharedWasm(args: { inputs: tf.NamedTensorInfoMap; backend: {} }): tf.TensorInfo {
  const x = args.inputs['x'];
  if (x === undefined) throw new Error(`Identity (cvae-core, wasm): input 'x' is required`);
  const backend = args.backend as BackendWasm;
  if (x.dtype === 'string') {
    // Strings live outside the heap; copy them as the built-in does.
    return tf.tensor(backend.readSync(x.dataId) as Uint8Array[], x.shape, 'string');
  }
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}
