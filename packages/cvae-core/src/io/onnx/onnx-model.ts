import { ProtoMessage } from './protobuf-writer.js';

/**
 * An ONNX model as plain data, and its encoding to the `onnx.ModelProto` wire format
 * (field numbers of onnx/onnx.proto, IR version 8). Only what actfusion's graphs use:
 * dense tensors with raw little-endian data, tensor-typed inputs/outputs with static or named
 * (dynamic) dimensions, and INT/INTS/FLOAT/FLOATS/STRING/TENSOR attributes.
 */

/** `TensorProto.DataType` values. */
export const ONNX_DTYPE = { float32: 1, uint8: 2, int32: 6, int64: 7, bool: 9 } as const;
export type OnnxDtype = keyof typeof ONNX_DTYPE;

export interface OnnxTensor {
  readonly name: string;
  readonly dtype: OnnxDtype;
  readonly dims: readonly number[];
  readonly data: Float32Array | Uint8Array | Int32Array | BigInt64Array;
}

export type OnnxAttribute =
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'ints'; readonly value: readonly number[] }
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'floats'; readonly value: readonly number[] }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'tensor'; readonly value: OnnxTensor };

export interface OnnxNode {
  readonly opType: string;
  readonly name: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes: Readonly<Record<string, OnnxAttribute>>;
  readonly domain?: string;
}

/** A dimension: a size, or a name for a dynamic one (`batch`). */
export type OnnxDim = number | string;

export interface OnnxValueInfo {
  readonly name: string;
  readonly dtype: OnnxDtype;
  readonly shape: readonly OnnxDim[];
  readonly doc?: string;
}

export interface OnnxGraph {
  readonly name: string;
  readonly nodes: readonly OnnxNode[];
  readonly initializers: readonly OnnxTensor[];
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
  readonly doc?: string;
}

export interface OnnxModel {
  readonly graph: OnnxGraph;
  /** Default-domain opset (17: LayerNormalization). */
  readonly opset: number;
  readonly producerName: string;
  readonly producerVersion: string;
  /** `metadata_props` (key -> value strings). */
  readonly metadata?: Readonly<Record<string, string>>;
  readonly doc?: string;
}

const ATTRIBUTE_TYPE = { float: 1, int: 2, string: 3, tensor: 4, floats: 6, ints: 7 } as const;

/** The model as `ModelProto` bytes, ready to write to a `.onnx` file. */
export function encodeOnnxModel(model: OnnxModel): Uint8Array {
  const m = new ProtoMessage()
    .varint(1, 8) // ir_version
    .string(2, model.producerName)
    .string(3, model.producerVersion);
  if (model.doc) m.string(6, model.doc);
  m.message(7, encodeGraph(model.graph));
  m.message(8, new ProtoMessage().string(1, '').varint(2, model.opset)); // opset_import
  for (const [key, value] of Object.entries(model.metadata ?? {})) {
    m.message(14, new ProtoMessage().string(1, key).string(2, value));
  }
  return m.finish();
}

function encodeGraph(g: OnnxGraph): ProtoMessage {
  const m = new ProtoMessage();
  for (const n of g.nodes) m.message(1, encodeNode(n));
  m.string(2, g.name);
  for (const t of g.initializers) m.message(5, encodeTensor(t));
  if (g.doc) m.string(10, g.doc);
  for (const v of g.inputs) m.message(11, encodeValueInfo(v));
  for (const v of g.outputs) m.message(12, encodeValueInfo(v));
  return m;
}

function encodeNode(n: OnnxNode): ProtoMessage {
  const m = new ProtoMessage();
  for (const i of n.inputs) m.string(1, i);
  for (const o of n.outputs) m.string(2, o);
  m.string(3, n.name).string(4, n.opType);
  for (const [name, a] of Object.entries(n.attributes)) m.message(5, encodeAttribute(name, a));
  if (n.domain) m.string(7, n.domain);
  return m;
}

function encodeAttribute(name: string, a: OnnxAttribute): ProtoMessage {
  const m = new ProtoMessage().string(1, name);
  switch (a.kind) {
    case 'float':
      m.float(2, a.value);
      break;
    case 'int':
      m.varint(3, a.value);
      break;
    case 'string':
      m.string(4, a.value);
      break;
    case 'tensor':
      m.message(5, encodeTensor(a.value));
      break;
    case 'floats':
      m.packedFloats(7, a.value);
      break;
    case 'ints':
      m.packedVarints(8, a.value);
      break;
  }
  return m.varint(20, ATTRIBUTE_TYPE[a.kind]);
}

export function encodeTensor(t: OnnxTensor): ProtoMessage {
  const count = t.dims.reduce((a, b) => a * b, 1);
  if (t.data.length !== count) {
    throw new Error(`ONNX tensor '${t.name}': ${t.data.length} values for dims [${t.dims}] (${count} expected)`);
  }
  const m = new ProtoMessage().packedVarints(1, t.dims).varint(2, ONNX_DTYPE[t.dtype]).string(8, t.name);
  // raw_data is little-endian; typed arrays are in the platform's order, little-endian on every target Node runs on.
  m.bytes(9, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  return m;
}

function encodeValueInfo(v: OnnxValueInfo): ProtoMessage {
  const shape = new ProtoMessage();
  for (const d of v.shape) {
    shape.message(1, typeof d === 'number' ? new ProtoMessage().varint(1, d) : new ProtoMessage().string(2, d));
  }
  const tensorType = new ProtoMessage().varint(1, ONNX_DTYPE[v.dtype]).message(2, shape);
  const m = new ProtoMessage().string(1, v.name).message(2, new ProtoMessage().message(1, tensorType));
  if (v.doc) m.string(3, v.doc);
  return m;
}
