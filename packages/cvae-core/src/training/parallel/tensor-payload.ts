import * as tf from '@tensorflow/tfjs-core';

/** Named tensors as plain data, to post between threads (the arrays can be transferred). */
export interface TensorPayload {
  readonly names: string[];
  readonly shapes: number[][];
  readonly dtypes: tf.DataType[];
  readonly data: (Float32Array | Int32Array | Uint8Array)[];
}

/**
 * Read tensors into a payload (synchronously). The values are copied: a backend may hand out its
 * own storage (the cpu backend does), which a transfer would detach.
 */
export function toPayload(tensors: ReadonlyMap<string, tf.Tensor>): TensorPayload {
  const p: TensorPayload = { names: [], shapes: [], dtypes: [], data: [] };
  for (const [name, t] of tensors) {
    p.names.push(name);
    p.shapes.push([...t.shape]);
    p.dtypes.push(t.dtype);
    p.data.push((t.dataSync() as Float32Array | Int32Array | Uint8Array).slice());
  }
  return p;
}

/** The payload as tensors (new tensors the caller disposes). */
export function fromPayload(p: TensorPayload): Map<string, tf.Tensor> {
  return new Map(p.names.map((n, i) => [n, tf.tensor(p.data[i]!, p.shapes[i]!, p.dtypes[i]!)]));
}

/** The buffers to transfer with a payload (no copy on postMessage). */
export function transferList(p: TensorPayload): ArrayBuffer[] {
  return p.data.map((d) => d.buffer as ArrayBuffer);
}
