/**
 * DI tokens every actfusion package agrees on. Encoder and decoder packages register
 * implementations under these; the policy resolves them. All are Symbols (`Symbol.for`, so two
 * copies of this package still agree); nothing is registered at import time.
 */
export const TOKENS = {
  /** Every `ModalityEncoder` of the experiment, in config order (resolved with `resolveAll`). */
  ModalityEncoder: Symbol.for('actfusion.ModalityEncoder'),
  /** The `ActionDecoder`. */
  ActionDecoder: Symbol.for('actfusion.ActionDecoder'),
  /** The `PolicyConfig` of the experiment. */
  PolicyConfig: Symbol.for('actfusion.PolicyConfig'),
  /** The `ObservationSpec` the policy is built for. */
  ObservationSpec: Symbol.for('actfusion.ObservationSpec'),
  /**
   * The `Rng` that draws initial weights. Constructors resolved from DI take from it in resolution
   * order, so one seed gives one set of initial weights.
   */
  InitRng: Symbol.for('actfusion.InitRng'),
  /** The initialised `TensorRuntime`. */
  Runtime: Symbol.for('actfusion.Runtime'),
  /** The validated experiment config (`@actfusion/experiments`), in an experiment's container. */
  ExperimentConfig: Symbol.for('actfusion.ExperimentConfig'),
} as const;
