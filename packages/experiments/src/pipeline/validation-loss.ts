import * as tf from '@tensorflow/tfjs-core';
import { Rng, type Normalizer } from '@actfusion/cvae-core';
import { collate, disposeCollated, type TrainablePolicy } from '@actfusion/cvae-core/training';
import type { ChunkSampler } from '@actfusion/datasets';
import type { ObservationSpec, TrainingSample } from '@actfusion/contracts';

/** Validation chunks drawn once per run (in batches of the training batch size). */
export const VALIDATION_CHUNKS = 32;

export interface ValidationResult {
  readonly loss: number;
  readonly l1: number;
  readonly kl: number;
}

/**
 * The validation loss of `dataset.valFraction`: the training loss (masked L1 + klWeight * KL) on a
 * fixed, seeded set of chunks from the validation episodes, with the policy in eval mode (for ACT
 * that means z = 0 and KL = 0, the way the policy acts at inference) and no gradient. The chunks are
 * read once; every pass sees the same ones, so the curve moves only with the weights.
 */
export class ValidationLoss {
  private constructor(
    private readonly samples: readonly TrainingSample[],
    private readonly batchSize: number,
    private readonly seed: number,
  ) {}

  /** Reads the fixed chunks: an episode of `episodes` uniformly, then a step uniformly in it. */
  static async prepare(sampler: ChunkSampler, episodes: readonly number[], options: { seed: number; batchSize: number; chunks?: number }): Promise<ValidationLoss> {
    if (episodes.length === 0) throw new Error('ValidationLoss: no validation episodes');
    const rng = new Rng(options.seed);
    const picks = Array.from({ length: options.chunks ?? VALIDATION_CHUNKS }, () => {
      const episode = episodes[rng.int(episodes.length)]!;
      return { episode, frame: rng.int(sampler.collection.episodes[episode]!.length) };
    });
    const samples = await Promise.all(picks.map((p) => sampler.sample(p.episode, p.frame)));
    return new ValidationLoss(samples, options.batchSize, options.seed);
  }

  get chunkCount(): number {
    return this.samples.length;
  }

  /** Mean loss over the chunks (batches weighted by size); leaves the policy in the mode it found. */
  compute(policy: TrainablePolicy, normalizer: Normalizer, spec: ObservationSpec): ValidationResult {
    const wasTraining = policy.training;
    policy.eval();
    // A fresh stream each pass: a policy that still draws in eval mode draws the same numbers.
    const rng = new Rng(this.seed + 1);
    let loss = 0;
    let l1 = 0;
    let kl = 0;
    try {
      for (let i = 0; i < this.samples.length; i += this.batchSize) {
        const batch = this.samples.slice(i, i + this.batchSize);
        const c = collate(batch, spec, normalizer, policy.encoders ?? []);
        try {
          const values = tf.tidy(() => {
            const r = policy.computeLoss(c.batch, c.action, c.isPad, rng);
            return tf.stack([r.loss, r.l1, r.kl]);
          });
          const [lv, l1v, klv] = values.dataSync();
          values.dispose();
          const w = batch.length / this.samples.length;
          loss += lv! * w;
          l1 += l1v! * w;
          kl += klv! * w;
        } finally {
          disposeCollated(c);
        }
      }
    } finally {
      if (wasTraining) policy.train();
    }
    return { loss, l1, kl };
  }
}
