import * as tf from '@tensorflow/tfjs-core';
import { callWasmKernel, release, type BackendWasm } from './wasm-kernel-call.js';

/**
 * UnsortedSegmentSum for the wasm backend (tfjs 4.22 has none; it is the gradient of `tf.gather`,
 * i.e. of an Embedding): out[s, ...] = sum of x[i, ...] over the i with segmentIds[i] = s.
 * Ids outside [0, numSegments) are dropped, as on the cpu backend. `segmentIds` may have any shape
 * that is a prefix of x's shape.
 *
 * Runs as the wasm ScatterNd kernel (which adds duplicate indices); out-of-range ids are sent to one
 * extra scratch row that is cut off afterwards.
 */
export function unsortedSegmentSumWasm(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: {};
  attrs?: tf.NamedAttrMap;
}): tf.TensorInfo {
  const name = 'UnsortedSegmentSum';
  const backend = args.backend as BackendWasm;
  const x = args.inputs['x'];
  const segmentIds = args.inputs['segmentIds'];
  if (x === undefined || segmentIds === undefined) throw new Error(`${name} (cvae-core, wasm): inputs 'x' and 'segmentIds' are required`);
  const numSegments = (args.attrs ?? {})['numSegments'];
  if (typeof numSegments !== 'number' || !Number.isInteger(numSegments) || numSegments < 0) {
    throw new Error(`${name} (cvae-core, wasm): attribute numSegments must be a non-negative integer, got ${JSON.stringify(numSegments)}`);
  }
  if (segmentIds.dtype !== 'int32') throw new Error(`${name} (cvae-core, wasm): segmentIds must be int32, got ${segmentIds.dtype}`);
  if (x.dtype !== 'float32' && x.dtype !== 'int32') throw new Error(`${name} (cvae-core, wasm): x must be float32 or int32, got ${x.dtype}`);
  const idRank = segmentIds.shape.length;
  if (idRank > x.shape.length || segmentIds.shape.some((d, i) => d !== x.shape[i])) {
    throw new Error(
      `${name} (cvae-core, wasm): segmentIds shape [${segmentIds.shape.join(', ')}] must be a prefix of x shape [${x.shape.join(', ')}]`,
    );
  }
  const rest = x.shape.slice(idRank);
  const outShape = [numSegments, ...rest];
  const count = tf.util.sizeFromShape(segmentIds.shape);
  const rowSize = tf.util.sizeFromShape(rest);
  if (numSegments === 0 || rowSize === 0 || count === 0) {
    return callWasmKernel(backend, 'Fill', [], { shape: outShape, value: 0, dtype: x.dtype });
  }

  const indices = backend.makeOutput([count, 1], 'int32');
  const ids = backend.typedArrayFromHeap(segmentIds) as Int32Array;
  const idx = backend.typedArrayFromHeap(indices) as Int32Array;
  let outOfRange = false;
  for (let i = 0; i < count; i++) {
    const id = ids[i]!;
    if (id >= 0 && id < numSegments) idx[i] = id;
    else {
      idx[i] = numSegments;
      outOfRange = true;
    }
  }
  const updates = callWasmKernel(backend, 'Reshape', { x }, { shape: [count, ...rest] });
  const rows = outOfRange ? numSegments + 1 : numSegments;
  const scattered = callWasmKernel(backend, 'ScatterNd', { indices, updates }, { shape: [rows, ...rest] });
  release(backend, indices, updates);
  if (!outOfRange) return scattered;
  const out = callWasmKernel(backend, 'Slice', { x: scattered }, { begin: outShape.map(() => 0), size: outShape });
  release(backend, scattered);
  return out;
}
