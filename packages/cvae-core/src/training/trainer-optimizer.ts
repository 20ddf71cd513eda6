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
  /** Every state tensor (moments, step counters), by stable name; variables are live views, other tensors (`step`) belong to the caller. */
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
  private readonly stepsTaken: number[];

  constructor(
    readonly groups: readonly ParamGroup[],
    options: AdamWOptions = {},
  ) {
    this.betas = options.betas ?? [0.9, 0.999];
    this.eps = options.eps ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 1e-4;
    this.adams = groups.map((g) => tf.train.adam(g.lr, this.betas[0], this.betas[1], this.eps));
    this.stepsTaken = groups.map(() => 0);
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
      this.stepsTaken[gi]!++;
    });
  }

  /**
   * PyTorch's AdamW `state_dict()` flattened the way LeRobot saves it (`state/<i>/exp_avg`,
   * `state/<i>/exp_avg_sq`, `state/<i>/step`, i = the parameter's index over all groups in order).
   * The moments are live views; the `step` scalars are new tensors the caller disposes.
   */
  stateTensors(): Map<string, tf.Tensor> {
    const out = new Map<string, tf.Tensor>();
    let index = 0;
    this.groups.forEach((g, gi) => {
      const adam = this.adams[gi] as unknown as AdamInternals;
      const steps = this.stepsTaken[gi]!;
      g.params.forEach((_, i) => {
        const at = index++;
        if (steps === 0) return;
        out.set(`state/${at}/step`, tf.scalar(steps));
        out.set(`state/${at}/exp_avg`, adam.accumulatedFirstMoment[i]!.variable);
        out.set(`state/${at}/exp_avg_sq`, adam.accumulatedSecondMoment[i]!.variable);
      });
    });
    return out;
  }

  loadState(state: ReadonlyMap<string, tf.Tensor>, source: string): void {
    let index = 0;
    this.groups.forEach((g, gi) => {
      const adam = this.adams[gi] as unknown as AdamInternals;
      const first = index;
      index += g.params.length;
      if (g.params.length === 0) return;
      const stepTensor = state.get(`state/${first}/step`);
      if (!stepTensor) {
        this.stepsTaken[gi] = 0; // saved before the first step
        return;
      }
      const steps = stepTensor.dataSync()[0]!;
      if (!(Number.isInteger(steps) && steps >= 1)) {
        throw new Error(`${source}: 'state/${first}/step' must be a positive integer, got ${steps}`);
      }
      g.params.forEach(([name, v], i) => {
        const at = first + i;
        const s = state.get(`state/${at}/step`)?.dataSync()[0];
        if (s !== steps) {
          throw new Error(`${source}: 'state/${at}/step' (parameter '${name}') is ${s}, expected ${steps} like the rest of group '${g.name}'`);
        }
        for (const [key, slot] of [
          ['exp_avg', adam.accumulatedFirstMoment],
          ['exp_avg_sq', adam.accumulatedSecondMoment],
        ] as const) {
          const t = state.get(`state/${at}/${key}`);
          if (!t) throw new Error(`${source}: 'state/${at}/${key}' (parameter '${name}') is missing`);
          if (!tf.util.arraysEqual(t.shape, v.shape)) {
            throw new Error(`${source}: 'state/${at}/${key}' (parameter '${name}') has shape [${t.shape}], expected [${v.shape}]`);
          }
          slot[i]?.variable.dispose();
          slot[i] = { originalName: `${v.name}/${key}`, variable: tf.variable(t, false) };
        }
      });
      // tfjs keeps beta^(t+1) as float32 products; rebuild them with the same roundings.
      tf.tidy(() => {
        adam.accBeta1.assign(tf.scalar(float32Power(this.betas[0], steps + 1)));
        adam.accBeta2.assign(tf.scalar(float32Power(this.betas[1], steps + 1)));
      });
      this.stepsTaken[gi] = steps;
    });
  }

  /** PyTorch-style `param_groups` (LeRobot's `optimizer_param_groups.json`) plus names. */
  paramGroupsJson(): unknown {
    let index = 0;
    return this.groups.map((g) => ({
      name: g.name,
      lr: g.lr,
      betas: this.betas,
      eps: this.eps,
      weight_decay: this.weightDecay,
      amsgrad: false,
      maximize: false,
      params: g.params.map(() => index++),
      param_names: g.params.map(([n]) => n),
    }));
  }

  dispose(): void {
    for (const a of this.adams) a.dispose();
  }
}

/** b^n as tfjs computes it: float32(b), multiplied n - 1 times by float32(b), rounding each product. */
function float32Power(b: number, n: number): number {
  const f = Math.fround(b);
  let p = f;
  for (let i = 1; i < n; i++) p = Math.fround(p * f);
  return p;
}

interface AdamInternals {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: { originalName: string; variable: tf.Variable }[];
  accumulatedSecondMoment: { originalName: string; variable: tf.Variable }[];
}
