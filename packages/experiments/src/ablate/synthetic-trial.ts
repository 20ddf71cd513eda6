import { Rng } from '@actfusion/cvae-core';
import type { ExperimentConfig } from '../config/experiment-schema.js';
import { TrialInterruptedError, type TrialContext, type TrialResult, type TrialRunner } from './trial.js';

/** Deterministic 32-bit hash of a string (FNV-1a). */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * A cheap, deterministic stand-in for train + eval, for tests and for checking that a
 * cluster of workers aggregates correctly. NOT a model of ACT: the per-episode success
 * probability is a fixed function of a few config values (chunk size, CVAE, loss), and each
 * episode is a seeded Bernoulli draw from (train.seed, eval seed, episode index). It logs a
 * fake decaying loss curve so the plotting path is exercised. `delayMs` sleeps per episode
 * (asynchronously) so tests can kill or interrupt a worker mid-trial; a stop request (`ctx.signal`)
 * ends the trial between episodes with `TrialInterruptedError`, as the ACT trial does between steps.
 */
export class SyntheticTrialRunner implements TrialRunner {
  readonly name = 'synthetic';
  constructor(private readonly options: { delayMs?: number } = {}) {}

  successProbability(config: ExperimentConfig): number {
    const k = config.policy.chunkSize;
    let p = 0.15 + 0.6 * Math.min(1, Math.log10(k) / 2);
    if (!config.cvae.useVae) p -= 0.1;
    if (config.train.loss === 'l2') p -= 0.05;
    if (config.execution.mode === 'temporal-ensemble') p += 0.05;
    return Math.min(0.95, Math.max(0.02, p));
  }

  async run(config: ExperimentConfig, ctx: TrialContext): Promise<TrialResult> {
    const p = this.successProbability(config);
    let successes = 0;
    let episodes = 0;
    const stages = [0, 0, 0, 0];
    for (const evalSeed of config.eval.seeds) {
      for (let e = 0; e < config.eval.episodes; e++) {
        const rng = new Rng(hash(`${config.train.seed}/${evalSeed}/${e}`));
        const u = rng.next();
        // stage i reached when u < p^(i/4): earlier stages are easier
        for (let s = 0; s < 4; s++) if (u < p ** ((s + 1) / 4)) stages[s] = (stages[s] as number) + 1;
        if (u < p) successes++;
        episodes++;
        if ((this.options.delayMs ?? 0) > 0) await new Promise((r) => setTimeout(r, this.options.delayMs));
        // Like the ACT trial at a training step boundary: a stop request ends the trial between episodes.
        if (ctx.signal?.aborted) throw new TrialInterruptedError(ctx.trialId);
      }
    }
    const rng = new Rng(hash(`loss/${config.train.seed}`));
    const curve = Array.from({ length: 10 }, (_, i) => {
      const step = Math.round(((i + 1) * config.train.steps) / 10);
      return { step, loss: (10 / (1 + i)) * (1 + 0.05 * rng.next()) };
    });
    ctx.log(`synthetic trial ${ctx.trialId}: ${successes}/${episodes}`);
    return { successes, episodes, stageSuccesses: stages, finalLoss: curve[curve.length - 1]?.loss as number, curve };
  }
}
