import type { OnnxAttribute, OnnxDim, OnnxDtype, OnnxGraph, OnnxNode, OnnxTensor, OnnxValueInfo } from './onnx-model.js';

/** Attribute constructors: `{ axis: attr.int(-1), epsilon: attr.float(1e-5) }`. */
export const attr = {
  int: (value: number): OnnxAttribute => ({ kind: 'int', value }),
  ints: (value: readonly number[]): OnnxAttribute => ({ kind: 'ints', value }),
  float: (value: number): OnnxAttribute => ({ kind: 'float', value }),
  floats: (value: readonly number[]): OnnxAttribute => ({ kind: 'floats', value }),
  string: (value: string): OnnxAttribute => ({ kind: 'string', value }),
};

/**
 * Builds an ONNX graph op by op. Every value is named by a string; `op` returns the name of its
 * (first) output, made unique from the current scope (`encoder.layers.0.self_attn/MatMul`), so
 * the graph reads like the module tree it came from. Constants become initializers; small int64
 * and float constants are shared by value.
 */
export class OnnxGraphBuilder {
  private readonly nodes: OnnxNode[] = [];
  private readonly initializers: OnnxTensor[] = [];
  private readonly inputs: OnnxValueInfo[] = [];
  private readonly outputs: OnnxValueInfo[] = [];
  private readonly used = new Set<string>();
  private readonly shared = new Map<string, string>();
  private readonly scopes: string[] = [];

  /** A graph input; its name is exactly `name` (a feature key such as `observation.state`). */
  input(name: string, dtype: OnnxDtype, shape: readonly OnnxDim[], doc?: string): string {
    this.claim(name);
    this.inputs.push({ name, dtype, shape, ...(doc ? { doc } : {}) });
    return name;
  }

  /** Declare `value` a graph output named `name` (an Identity node renames it). */
  output(value: string, name: string, dtype: OnnxDtype, shape: readonly OnnxDim[], doc?: string): void {
    this.claim(name);
    this.nodes.push({ opType: 'Identity', name: `${name}/Identity`, inputs: [value], outputs: [name], attributes: {} });
    this.outputs.push({ name, dtype, shape, ...(doc ? { doc } : {}) });
  }

  /** Run `fn` with `name` appended to the naming scope (module path). */
  scope<T>(name: string, fn: () => T): T {
    this.scopes.push(name);
    try {
      return fn();
    } finally {
      this.scopes.pop();
    }
  }

  /** An initializer holding `data` with `dims` (copied). */
  constant(hint: string, data: Float32Array | Uint8Array | Int32Array | BigInt64Array, dims: readonly number[], dtype: OnnxDtype = 'float32'): string {
    const name = this.fresh(hint);
    const copy = data.slice() as typeof data;
    this.initializers.push({ name, dtype, dims: [...dims], data: copy });
    return name;
  }

  /** A shared int64 constant (shapes, axes, slice bounds). */
  int64(values: readonly number[], dims: readonly number[] = [values.length]): string {
    const key = `i64:${dims.join(',')}:${values.join(',')}`;
    let name = this.shared.get(key);
    if (!name) {
      name = this.fresh(`const_i64_${values.join('_').replace(/-/g, 'm')}`, true);
      this.initializers.push({ name, dtype: 'int64', dims: [...dims], data: BigInt64Array.from(values.map((v) => BigInt(v))) });
      this.shared.set(key, name);
    }
    return name;
  }

  /** A shared float32 scalar (or [n] vector of one value when `dims` is given). */
  scalar(value: number, dims: readonly number[] = []): string {
    const key = `f32:${dims.join(',')}:${value}`;
    let name = this.shared.get(key);
    if (!name) {
      name = this.fresh(`const_f32_${String(value).replace(/[^0-9a-z]/gi, '_')}`, true);
      const n = dims.reduce((a, b) => a * b, 1);
      this.initializers.push({ name, dtype: 'float32', dims: [...dims], data: new Float32Array(n).fill(value) });
      this.shared.set(key, name);
    }
    return name;
  }

  /** One node with one output; returns the output's name. */
  op(opType: string, inputs: readonly string[], attributes: Readonly<Record<string, OnnxAttribute>> = {}, hint?: string): string {
    return this.opN(opType, inputs, 1, attributes, hint)[0]!;
  }

  /** One node with `outputs` outputs. */
  opN(
    opType: string,
    inputs: readonly string[],
    outputs: number,
    attributes: Readonly<Record<string, OnnxAttribute>> = {},
    hint?: string,
  ): string[] {
    const base = this.fresh(hint ?? opType);
    const outs = Array.from({ length: outputs }, (_, i) => (i === 0 ? base : this.fresh(`${hint ?? opType}_${i}`)));
    this.nodes.push({ opType, name: base, inputs: [...inputs], outputs: outs, attributes });
    return outs;
  }

  build(name: string, doc?: string): OnnxGraph {
    if (this.outputs.length === 0) throw new Error(`ONNX graph '${name}': no output was declared`);
    return {
      name,
      nodes: [...this.nodes],
      initializers: [...this.initializers],
      inputs: [...this.inputs],
      outputs: [...this.outputs],
      ...(doc ? { doc } : {}),
    };
  }

  /** Input names declared so far. */
  inputNames(): string[] {
    return this.inputs.map((i) => i.name);
  }

  private fresh(hint: string, global = false): string {
    const prefix = global || this.scopes.length === 0 ? '' : `${this.scopes.join('.')}/`;
    const base = `${prefix}${hint}`;
    let name = base;
    for (let i = 1; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }

  private claim(name: string): void {
    if (this.used.has(name)) throw new Error(`ONNX graph: the name '${name}' is already used`);
    this.used.add(name);
  }
}
