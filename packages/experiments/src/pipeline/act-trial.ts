import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { lastCheckpoint, type TrainingProgress } from '@actfusion/cvae-core/training';
import { TrialInterruptedError, type TrialContext, type TrialResult, type TrialRunner } from '../ablate/trial.js';
import { sharedTrainingConfig } from '../ablate/training-key.js';
import type { KindRegistry } from '../composition/kind-registry.js';
import type { ExperimentConfig } from '../config/experiment-schema.js';
import { ensureDataset } from './ensure-dataset.js';
import { evaluatePolicy } from './evaluate-policy.js';
import { trainExperiment } from './train-experiment.js';

/**
 * The real trial: (record the dataset if missing) -> train -> evaluate in the simulator. Training
 * goes to `ctx.trainingDir` when the ablation shares it between trials that differ only in
 * execution/eval (else to `config.outputDir`); a finished training there is reused, not repeated,
 * and what is written there (resolved config, curves) describes the training, not this trial.
 * A training folder holding a checkpoint (an interrupted or killed earlier attempt) resumes from
 * it; one with only a metrics log starts afresh without it. `ctx.signal` stops training at a step
 * boundary with a checkpoint and throws `TrialInterruptedError`. Evaluation writes to
 * `<config.outputDir>/eval`.
 */
export class ActTrialRunner implements TrialRunner {
  readonly name = 'act';
  constructor(private readonly registry: KindRegistry) {}

  async run(config: ExperimentConfig, ctx: TrialContext): Promise<TrialResult> {
    await ensureDataset(config, ctx.log);
    const shared = ctx.trainingDir === undefined ? undefined : sharedTrainingConfig(config, ctx.trainingDir);
    const trainConfig: ExperimentConfig = shared?.config ?? config;
    const last = await lastCheckpoint(trainConfig.outputDir);
    const resume = last !== null;
    if (resume) ctx.log(`${ctx.trialId}: continuing from ${last} (an earlier attempt, or a trial with the same training config)`);
    else await rm(join(trainConfig.outputDir, 'metrics.jsonl'), { force: true });
    // A progress line every logFreq steps (the ablation's log is not a terminal: no bar).
    const onProgress = (p: TrainingProgress): void => {
      if (p.step % config.train.logFreq === 0 || p.step === p.totalSteps) {
        ctx.log(`${ctx.trialId}: step ${p.step}/${p.totalSteps} loss ${p.loss.toFixed(4)} ${p.stepsPerSecond.toFixed(2)} steps/s`);
      }
    };
    const trained = await trainExperiment(trainConfig, {
      registry: this.registry,
      log: ctx.log,
      onProgress,
      resume,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      ...(shared ? { resolvedConfig: { omit: shared.omit, note: shared.note } } : {}),
    });
    if (trained.interrupted) throw new TrialInterruptedError(ctx.trialId, trained.checkpoint);
    ctx.log(`${ctx.trialId}: trained ${trained.steps} steps in ${trainConfig.outputDir}, loss ${trained.finalLoss.toFixed(4)}`);
    const evaluated = await evaluatePolicy(config, { registry: this.registry, checkpoint: trained.checkpoint, outDir: join(config.outputDir, 'eval'), log: ctx.log });
    return {
      successes: evaluated.successes,
      episodes: evaluated.episodes,
      stageSuccesses: evaluated.stageReached,
      stageNames: evaluated.stageNames,
      finalLoss: trained.finalLoss,
      curve: trained.curve,
    };
  }
}
