import * as tf from '@tensorflow/tfjs-core';

/** One parameter group: its own learning rate (ACT: backbone vs the rest). */
export interface ParamGroup {
  readonly name: string;
  readonly lr: number;
  readonly params: readonly [string, tf.Variable][];
}

/** The optimiser the Trainer drives. Gradients and state are keyed by parameter name. */
export interface TrainerOptimizer {
  readonly groups: readonly ParamGroup[];
  applyGradients(grads: ReadonlyMap<string, tf.Tensor>): void;
  /** Every state tensor (moments, step counters), by stable name; the caller does not dispose them. */
  stateTensors(): Map<string, tf.Tensor>;
  loadState(state: ReadonlyMap<string, tf.Tensor>, source: string): void;
  /** JSON-able description of the groups (LeRobot's `optimizer_param_groups.json`). */
  paramGroupsJson(): unknown;
  dispose(): void;
}

export interface AdamWOptions {
  readonly betas?: readonly [number, number];
  readonly eps?: number;
  readonly weightDecay?: number;
}

/**
 * AdamW (decoupled weight decay, PyTorch semantics: `p *= 1 - lr * wd`, then the Adam step with
 * bias correction) built on tfjs-core's own Adam, one Adam per parameter group. The Trainer's
 * default optimiser until cvae-core's optim blocks land; the state (first/second moments and the
 * beta powers) is saved and restored exactly.
 */
export class TfAdamW implements TrainerOptimizer {
  private readonly adams: tf.AdamOptimizer[];
  private readonly betas: readonly [number, number];
  private readonly eps: number;
  private readonly weightDecay: number;

  constructor(
    readonly groups: readonly ParamGroup[],
    options: AdamWOptions = {},
  ) {
    this.betas = options.betas ?? [0.9, 0.999];
    this.eps = options.eps ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 1e-4;
    this.adams = groups.map((g) => tf.train.adam(g.lr, this.betas[0], this.betas[1], this.eps));
  }

  applyGradients(grads: ReadonlyMap<string, tf.Tensor>): void {
    this.groups.forEach((g, gi) => {
      if (g.params.length === 0) return;
      const decay = 1 - g.lr * this.weightDecay;
      if (decay !== 1) tf.tidy(() => g.params.forEach(([, v]) => v.assign(tf.mul(v, decay))));
      // tfjs Adam keys its moments by position, so always pass every parameter in group order.
      this.adams[gi]!.applyGradients(
        g.params.map(([name, v]) => {
          const grad = grads.get(name);
          if (!grad) throw new Error(`TfAdamW: no gradient for parameter '${name}'`);
          return { name: v.name, tensor: grad };
        }),
      );
    });
  }

  stateTensors(): Map<string, tf.Tensor> {
    const out = new Map<string, tf.Tensor>();
    this.groups.forEach((g, gi) => {
      const adam = this.adams[gi] as unknown as AdamInternals;
      if (!adam.accumulatedFirstMoment[0]) return; // never stepped
      out.set(`${g.name}.beta1_power`, adam.accBeta1);
      out.set(`${g.name}.beta2_power`, adam.accBeta2);
      g.params.forEach(([name], i) => {
        out.set(`${g.name}.${name}.exp_avg`, adam.accumulatedFirstMoment[i]!.variable);
        out.set(`${g.name}.${name}.exp_avg_sq`, adam.accumulatedSecondMoment[i]!.variable);
      });
    });
    return out;
  }

  loadState(state: ReadonlyMap<string, tf.Tensor>, source: string): void {
    this.groups.forEach((g, gi) => {
      if (!state.has(`${g.name}.beta1_power`)) return; // saved before the first step
      const adam = this.adams[gi] as unknown as AdamInternals;
      const get = (key: string, like: tf.Tensor): tf.Tensor => {
        const t = state.get(key);
        if (!t) throw new Error(`${source}: optimiser state '${key}' is missing`);
        if (!tf.util.arraysEqual(t.shape, like.shape)) {
          throw new Error(`${source}: optimiser state '${key}' has shape [${t.shape}], expected [${like.shape}]`);
        }
        return t;
      };
      adam.accBeta1.assign(get(`${g.name}.beta1_power`, adam.accBeta1));
      adam.accBeta2.assign(get(`${g.name}.beta2_power`, adam.accBeta2));
      g.params.forEach(([name, v], i) => {
        for (const [key, slot] of [
          ['exp_avg', adam.accumulatedFirstMoment],
          ['exp_avg_sq', adam.accumulatedSecondMoment],
        ] as const) {
          const t = get(`${g.name}.${name}.${key}`, v);
          slot[i]?.variable.dispose();
          slot[i] = { originalName: `${v.name}/${key}`, variable: tf.variable(t, false) };
        }
      });
    });
  }

  paramGroupsJson(): unknown {
    return this.groups.map((g) => ({
      name: g.name,
      lr: g.lr,
      betas: this.betas,
      eps: this.eps,
      weight_decay: this.weightDecay,
      params: g.params.map(([n]) => n),
    }));
  }

  dispose(): void {
    for (const a of this.adams) a.dispose();
  }
}

interface AdamInternals {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: { originalName: string; variable: tf.Variable }[];
  accumulatedSecondMoment: { originalName: string; variable: tf.Variable }[];
}
