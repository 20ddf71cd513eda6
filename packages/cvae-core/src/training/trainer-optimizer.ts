import type * as tf from '@tensorflow/tfjs-core';
import { AdamW, type AdamWConfig, type AdamWParamGroup } from '../optim/adamw.js';

/** The optimiser the Trainer drives. Gradients are keyed by parameter name. */
export interface TrainerOptimizer {
  readonly groups: readonly AdamWParamGroup[];
  applyGradients(grads: ReadonlyMap<string, tf.Tensor>): void;
  /**
   * Every state tensor under the name it is saved with (LeRobot: `state/<i>/exp_avg`, ...).
   * `tf.Variable`s are live views; any other tensor belongs to the caller, who disposes it.
   */
  stateTensors(): Map<string, tf.Tensor>;
  loadState(state: ReadonlyMap<string, tf.Tensor>, source: string): void;
  /** JSON-able description of the groups (LeRobot's `optimizer_param_groups.json`). */
  paramGroupsJson(): unknown;
  dispose(): void;
}

/**
 * cvae-core's `AdamW` as a `TrainerOptimizer` whose state is saved the way LeRobot saves a
 * PyTorch optimiser: `state/<i>/{step,exp_avg,exp_avg_sq}` with i the parameter's index over
 * all groups, and `param_groups` listing those indices.
 */
export function adamWTrainerOptimizer(groups: AdamWParamGroup[], config: AdamWConfig): TrainerOptimizer {
  const adam = new AdamW(groups, config);
  return {
    groups: adam.groups,
    applyGradients: (grads) => adam.step(grads),
    stateTensors: () => adam.stateTensors('index'),
    loadState: (state, source) => adam.loadState(state, source),
    paramGroupsJson: () => adam.paramGroupsJson(),
    dispose: () => adam.dispose(),
  };
}
