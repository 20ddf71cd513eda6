import * as tf from '@tensorflow/tfjs-core';
import { adamWUpdate, registerAdamWUpdateKernel } from './adamw-update-kernel.js';

/** One parameter group with its own learning rate and weight decay (PyTorch `param_groups`). */
export interface AdamWParamGroup {
  /** A label for messages and `paramGroupsJson()` (e.g. `default`, `backbone`). */
  readonly name: string;
  readonly params: readonly [string, tf.Variable][];
  /** Learning rate; mutable, so a schedule can change it between steps. */
  lr: number;
  /** Decoupled weight decay of this group; defaults to the optimiser's. */
  weightDecay?: number;
}

export interface AdamWConfig {
  readonly betas?: readonly [number, number];
  readonly eps?: number;
  /** Default weight decay for groups that do not set one (PyTorch default 1e-2; ACT uses 1e-4). */
  readonly weightDecay?: number;
}

interface ParamState {
  step: number;
  expAvg: tf.Variable;
  expAvgSq: tf.Variable;
}

/** How `stateTensors()` names the state: by parameter name, or by global index like PyTorch/LeRobot. */
export type AdamWStateKeys = 'name' | 'index';

/**
 * `torch.optim.AdamW` (amsgrad off), per parameter:
 * `p ← p·(1 − lr·wd)`; `m ← β1·m + (1−β1)·g`; `v ← β2·v + (1−β2)·g²`;
 * `p ← p − lr/(1−β1ᵗ) · m / (√v/√(1−β2ᵗ) + eps)`, with a step count t per parameter.
 * Gradients are given by parameter name; a parameter without a gradient is skipped (PyTorch skips
 * `grad is None`). State (step, exp_avg, exp_avg_sq) is saved and restored by parameter name.
 */
export class AdamW {
  readonly betas: readonly [number, number];
  readonly eps: number;
  readonly weightDecay: number;
  private readonly state = new Map<string, ParamState>();
  private readonly byName = new Map<string, { group: AdamWParamGroup; param: tf.Variable; index: number }>();

  constructor(
    readonly groups: AdamWParamGroup[],
    options: AdamWConfig = {},
  ) {
    this.betas = options.betas ?? [0.9, 0.999];
    this.eps = options.eps ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 1e-2;
    registerAdamWUpdateKernel();
    let index = 0;
    for (const group of groups) {
      for (const [name, param] of group.params) {
        if (this.byName.has(name)) throw new Error(`AdamW: parameter '${name}' appears in more than one group`);
        this.byName.set(name, { group, param, index: index++ });
      }
    }
  }

  /** One optimisation step. Unknown gradient names are an error (they would be silently ignored). */
  step(grads: ReadonlyMap<string, tf.Tensor>): void {
    for (const name of grads.keys()) {
      if (!this.byName.has(name)) throw new Error(`AdamW: gradient for '${name}', which is in no parameter group`);
    }
    const [b1, b2] = this.betas;
    for (const [name, { group, param }] of this.byName) {
      const grad = grads.get(name);
      if (!grad) continue;
      if (!tf.util.arraysEqual(grad.shape, param.shape)) {
        throw new Error(`AdamW: gradient for '${name}' has shape [${grad.shape}], expected [${param.shape}]`);
      }
      let s = this.state.get(name);
      if (!s) {
        // tf.variable copies its initial value without taking it: the zeros are freed by the tidy.
        s = tf.tidy(() => ({ step: 0, expAvg: tf.variable(tf.zerosLike(param), false), expAvgSq: tf.variable(tf.zerosLike(param), false) }));
        this.state.set(name, s);
      }
      s.step += 1;
      const lr = group.lr;
      const wd = group.weightDecay ?? this.weightDecay;
      const bc1 = 1 - Math.pow(b1, s.step);
      const bc2Sqrt = Math.sqrt(1 - Math.pow(b2, s.step));
      const st = s;
      tf.tidy(() => {
        const g = grad.dtype === 'float32' ? grad : tf.cast(grad, 'float32');
        // One pass per parameter where the backend has the fused kernel (wasm, cpu), else the op chain.
        const fused = adamWUpdate(param, st.expAvg, st.expAvgSq, g, {
          decay: 1 - lr * wd,
          beta1: b1,
          beta2: b2,
          bc2Sqrt,
          eps: this.eps,
          stepSize: lr / bc1,
        });
        if (fused) {
          st.expAvg.assign(fused[1]);
          st.expAvgSq.assign(fused[2]);
          param.assign(fused[0]);
          return;
        }
        const decayed = wd !== 0 ? tf.mul(param, 1 - lr * wd) : param;
        const m = tf.add(tf.mul(st.expAvg, b1), tf.mul(g, 1 - b1));
        const v = tf.add(tf.mul(st.expAvgSq, b2), tf.mul(tf.square(g), 1 - b2));
        const denom = tf.add(tf.div(tf.sqrt(v), bc2Sqrt), this.eps);
        st.expAvg.assign(m);
        st.expAvgSq.assign(v);
        param.assign(tf.sub(decayed, tf.mul(tf.div(m, denom), lr / bc1)));
      });
    }
  }

  /** Alias of `step`, the name the Trainer's optimiser interface uses. */
  applyGradients(grads: ReadonlyMap<string, tf.Tensor>): void {
    this.step(grads);
  }

  /** The step count of a parameter (0 before its first update). */
  stepOf(name: string): number {
    return this.state.get(name)?.step ?? 0;
  }

  /**
   * Every state tensor: `<param>.step` (float32 scalar), `<param>.exp_avg`, `<param>.exp_avg_sq`
   * with `keys: 'name'` (default); `state/<i>/step|exp_avg|exp_avg_sq` with `keys: 'index'` (i =
   * the parameter's position over all groups, PyTorch's `state_dict()` flattened as LeRobot saves it).
   * Moments are live views (do not dispose); the step scalars are new tensors the caller disposes.
   */
  stateTensors(keys: AdamWStateKeys = 'name'): Map<string, tf.Tensor> {
    const out = new Map<string, tf.Tensor>();
    for (const [name, { index }] of this.byName) {
      const s = this.state.get(name);
      if (!s) continue;
      const k = keys === 'name' ? `${name}.` : `state/${index}/`;
      out.set(`${k}step`, tf.scalar(s.step));
      out.set(`${k}exp_avg`, s.expAvg);
      out.set(`${k}exp_avg_sq`, s.expAvgSq);
    }
    return out;
  }

  /**
   * Restore state written by `stateTensors` (either key style, detected from the names).
   * Parameters absent from the state start fresh; unknown names, missing moments, bad shapes and
   * non-integer steps are errors naming `source` and the key.
   */
  loadState(state: ReadonlyMap<string, tf.Tensor>, source = 'optimizer state'): void {
    const byIndex = [...state.keys()].some((k) => k.startsWith('state/'));
    const keyOf = (name: string, index: number): string => (byIndex ? `state/${index}/` : `${name}.`);
    const known = new Set<string>();
    const fresh = new Map<string, ParamState>();
    try {
      for (const [name, { param, index }] of this.byName) {
        const k = keyOf(name, index);
        const stepT = state.get(`${k}step`);
        for (const suffix of ['step', 'exp_avg', 'exp_avg_sq']) known.add(`${k}${suffix}`);
        if (!stepT) continue;
        const step = stepT.dataSync()[0]!;
        if (!(Number.isInteger(step) && step >= 1)) {
          throw new Error(`${source}: '${k}step' (parameter '${name}') must be a positive integer, got ${step}`);
        }
        const moments = (['exp_avg', 'exp_avg_sq'] as const).map((m) => {
          const t = state.get(`${k}${m}`);
          if (!t) throw new Error(`${source}: '${k}${m}' (parameter '${name}') is missing`);
          if (!tf.util.arraysEqual(t.shape, param.shape)) {
            throw new Error(`${source}: '${k}${m}' (parameter '${name}') has shape [${t.shape}], expected [${param.shape}]`);
          }
          // tf.variable does not take ownership of its initial value: free the cast copy.
          const copy = tf.tidy(() => tf.cast(t, 'float32'));
          const v = tf.variable(copy, false);
          copy.dispose();
          return v;
        });
        fresh.set(name, { step, expAvg: moments[0]!, expAvgSq: moments[1]! });
      }
      const unknown = [...state.keys()].filter((k) => !known.has(k));
      if (unknown.length > 0) {
        throw new Error(`${source}: ${unknown.length} state entries match no parameter of the optimiser: ${unknown.slice(0, 5).join(', ')}`);
      }
    } catch (e) {
      for (const s of fresh.values()) tf.dispose([s.expAvg, s.expAvgSq]);
      throw e;
    }
    this.disposeState();
    for (const [n, s] of fresh) this.state.set(n, s);
  }

  /** PyTorch-style `param_groups` for a JSON sidecar (LeRobot's `optimizer_param_groups.json`). */
  paramGroupsJson(): unknown {
    return this.groups.map((g) => ({
      name: g.name,
      lr: g.lr,
      betas: this.betas,
      eps: this.eps,
      weight_decay: g.weightDecay ?? this.weightDecay,
      amsgrad: false,
      maximize: false,
      params: g.params.map(([n]) => this.byName.get(n)!.index),
      param_names: g.params.map(([n]) => n),
    }));
  }

  dispose(): void {
    this.disposeState();
  }

  private disposeState(): void {
    for (const s of this.state.values()) tf.dispose([s.expAvg, s.expAvgSq]);
    this.state.clear();
  }
}
