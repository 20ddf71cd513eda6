import { Rng } from '@actfusion/cvae-core';
import { type ChunkDataset, type DatasetStats, type ObservationSpec, type TrainingSample } from '@actfusion/contracts';
import { featuresOfKind } from '@actfusion/contracts';
import type { BenchPreset } from './bench-preset.js';

/**
 * The bench's training data, the same each step as the PyTorch peer's: one fixed batch of random
 * state, camera images (bytes, so the trainer's collate scales them to [0, 1] like the peer's
 * `torch.rand`) and action chunks whose last fifth is padding. Statistics are 0 mean, unit spread.
 */
export class BenchDataset implements ChunkDataset {
  readonly chunkSize: number;
  readonly episodeCount = 1;
  readonly frameCount: number;
  private readonly samples: TrainingSample[];

  constructor(
    readonly spec: ObservationSpec,
    preset: BenchPreset,
    seed = 1,
  ) {
    const rng = new Rng(seed);
    const k = preset.chunk;
    this.chunkSize = k;
    this.frameCount = preset.batch;
    const padFrom = k - Math.floor(k / 5);
    this.samples = Array.from({ length: preset.batch }, (_, i) => ({
      observation: {
        'observation.state': Float32Array.from({ length: spec.stateDim }, () => rng.normal()),
        ...Object.fromEntries(
          featuresOfKind(spec, 'image').map((f) => {
            const [h, w] = f.shape as [number, number, number];
            return [f.key, { height: h, width: w, data: Uint8Array.from({ length: h * w * 3 }, () => rng.int(256)) }];
          }),
        ),
      },
      action: Float32Array.from({ length: k * spec.actionDim }, () => rng.normal()),
      isPad: Uint8Array.from({ length: k }, (_, j) => (j >= padFrom ? 1 : 0)),
      episodeIndex: 0,
      frameIndex: i,
    }));
  }

  async sampleBatch(batchSize: number): Promise<TrainingSample[]> {
    if (batchSize !== this.samples.length) throw new Error(`BenchDataset: batch ${batchSize}, built for ${this.samples.length}`);
    return this.samples;
  }

  async stats(): Promise<DatasetStats> {
    const f = (n: number) => ({ mean: new Float32Array(n), std: new Float32Array(n).fill(1), min: new Float32Array(n).fill(-1), max: new Float32Array(n).fill(1) });
    return { 'observation.state': f(this.spec.stateDim), action: f(this.spec.actionDim) };
  }
}
