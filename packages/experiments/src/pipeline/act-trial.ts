import type { TrialContext, TrialResult, TrialRunner } from '../ablate/trial.js';
import type { KindRegistry } from '../composition/kind-registry.js';
import type { ExperimentConfig } from '../config/experiment-schema.js';
import { ensureDataset } from './ensure-dataset.js';
import { evaluatePolicy } from './evaluate-policy.js';
import { trainExperiment } from './train-experiment.js';

/** The real trial: (record the dataset if missing) -> train -> evaluate in the simulator. */
export class ActTrialRunner implements TrialRunner {
  readonly name = 'act';
  constructor(private readonly registry: KindRegistry) {}

  async run(config: ExperimentConfig, ctx: TrialContext): Promise<TrialResult> {
    await ensureDataset(config, ctx.log);
    const trained = await trainExperiment(config, { registry: this.registry, log: ctx.log });
    ctx.log(`${ctx.trialId}: trained ${trained.steps} steps, loss ${trained.finalLoss.toFixed(4)}`);
    const evaluated = await evaluatePolicy(config, { registry: this.registry, checkpoint: trained.checkpoint, log: ctx.log });
    return {
      successes: evaluated.successes,
      episodes: evaluated.episodes,
      stageSuccesses: evaluated.stageReached,
      finalLoss: trained.finalLoss,
      curve: trained.curve,
    };
  }
}
