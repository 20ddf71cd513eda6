import * as tf from '@tensorflow/tfjs-core';

/**
 * A minimal PyTorch-like module: named trainable parameters, named buffers (frozen
 * state such as FrozenBatchNorm statistics) and named children. Every tensor it owns
 * is a `tf.Variable`, so loading a state dict assigns in place and optimisers keep
 * their references. Names are hierarchical (`encoder.layers.0.self_attn.in_proj_weight`)
 * and match LeRobot / torchvision so safetensors checkpoints map one to one.
 */
export abstract class Module {
  private readonly params = new Map<string, tf.Variable>();
  private readonly buffers = new Map<string, tf.Variable>();
  private readonly children = new Map<string, Module>();
  private trainingMode = true;

  /** True while training (dropout active, style encoder used). */
  get training(): boolean {
    return this.trainingMode;
  }

  /** Switch this module and every descendant to training (true) or eval (false) mode. */
  train(mode = true): this {
    this.trainingMode = mode;
    for (const child of this.children.values()) child.train(mode);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  protected registerParameter(name: string, value: tf.Tensor, trainable = true): tf.Variable {
    this.assertFreeName(name);
    const v = tf.variable(value, trainable);
    if (v !== (value as unknown)) value.dispose();
    this.params.set(name, v);
    return v;
  }

  protected registerBuffer(name: string, value: tf.Tensor): tf.Variable {
    this.assertFreeName(name);
    const v = tf.variable(value, false);
    value.dispose();
    this.buffers.set(name, v);
    return v;
  }

  protected registerModule<M extends Module>(name: string, module: M): M {
    this.assertFreeName(name);
    this.children.set(name, module);
    module.train(this.trainingMode);
    return module;
  }

  /** Direct children, in registration order. */
  namedChildren(): [string, Module][] {
    return [...this.children.entries()];
  }

  /** Every parameter of this module and its descendants, with hierarchical names. */
  namedParameters(prefix = ''): [string, tf.Variable][] {
    const out: [string, tf.Variable][] = [];
    for (const [n, p] of this.params) out.push([prefix + n, p]);
    for (const [n, c] of this.children) out.push(...c.namedParameters(`${prefix}${n}.`));
    return out;
  }

  /** Every buffer of this module and its descendants, with hierarchical names. */
  namedBuffers(prefix = ''): [string, tf.Variable][] {
    const out: [string, tf.Variable][] = [];
    for (const [n, b] of this.buffers) out.push([prefix + n, b]);
    for (const [n, c] of this.children) out.push(...c.namedBuffers(`${prefix}${n}.`));
    return out;
  }

  /** Trainable parameters only. */
  trainableParameters(prefix = ''): [string, tf.Variable][] {
    return this.namedParameters(prefix).filter(([, v]) => v.trainable);
  }

  /** Parameters and buffers by name (a live view: the tensors are the module's own). */
  stateDict(prefix = ''): Map<string, tf.Variable> {
    return new Map([...this.namedParameters(prefix), ...this.namedBuffers(prefix)]);
  }

  /** Number of scalar parameters (buffers excluded), as PyTorch's `sum(p.numel())`. */
  parameterCount(): number {
    return this.namedParameters().reduce((s, [, p]) => s + p.size, 0);
  }

  /**
   * Assign tensors by name. With `strict` (default) every parameter and buffer must be
   * present and no unknown name may appear; shapes must match exactly. `ignore` drops names from
   * the unexpected ones (e.g. torchvision's `num_batches_tracked`, which FrozenBatchNorm2d has not:
   * `ignore: (n) => n.endsWith('.num_batches_tracked')`).
   */
  loadStateDict(
    state: ReadonlyMap<string, tf.Tensor>,
    options: { strict?: boolean; prefix?: string; source?: string; ignore?: (name: string) => boolean } = {},
  ): { missing: string[]; unexpected: string[] } {
    const { strict = true, prefix = '', source = 'state dict', ignore } = options;
    const own = this.stateDict(prefix);
    const missing = [...own.keys()].filter((k) => !state.has(k));
    const unexpected = [...state.keys()].filter((k) => k.startsWith(prefix) && !own.has(k) && !ignore?.(k));
    if (strict && (missing.length > 0 || unexpected.length > 0)) {
      throw new Error(
        `${source}: does not match the module: missing ${missing.length} [${missing.slice(0, 8).join(', ')}]` +
          `, unexpected ${unexpected.length} [${unexpected.slice(0, 8).join(', ')}]`,
      );
    }
    for (const [name, v] of own) {
      const t = state.get(name);
      if (!t) continue;
      if (!tf.util.arraysEqual(t.shape, v.shape)) {
        throw new Error(`${source}: tensor '${name}' has shape [${t.shape}], expected [${v.shape}]`);
      }
      v.assign(t.dtype === v.dtype ? t : tf.cast(t, v.dtype));
    }
    return { missing, unexpected };
  }

  /** Free every parameter and buffer of this module and its descendants. */
  dispose(): void {
    for (const p of this.params.values()) p.dispose();
    for (const b of this.buffers.values()) b.dispose();
    for (const c of this.children.values()) c.dispose();
    this.params.clear();
    this.buffers.clear();
    this.children.clear();
  }

  private assertFreeName(name: string): void {
    if (this.params.has(name) || this.buffers.has(name) || this.children.has(name)) {
      throw new Error(`${this.constructor.name}: name '${name}' is already registered`);
    }
  }
}

/** An indexed list of modules, named `0`, `1`, ... like `torch.nn.ModuleList`. */
export class ModuleList<M extends Module = Module> extends Module {
  readonly items: M[] = [];

  constructor(items: Iterable<M> = []) {
    super();
    for (const m of items) this.push(m);
  }

  push(module: M): void {
    this.registerModule(String(this.items.length), module);
    this.items.push(module);
  }

  get length(): number {
    return this.items.length;
  }

  at(i: number): M {
    const m = this.items[i];
    if (!m) throw new RangeError(`ModuleList: index ${i} out of range [0, ${this.items.length})`);
    return m;
  }

  [Symbol.iterator](): Iterator<M> {
    return this.items[Symbol.iterator]();
  }
}
