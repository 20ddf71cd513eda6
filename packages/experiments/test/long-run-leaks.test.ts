import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { createRuntime } from '@actfusion/cvae-core';
import { ChunkExecutor, policyChunkSource } from '@actfusion/cvae-core/inference';
import { observationSpec, type Observation } from '@actfusion/contracts';
import { describe, expect, it } from 'vitest';
import { builtinKinds } from '../src/composition/builtin-kinds.js';
import { loadConfig } from '../src/config/load-config.js';
import { OnnxChunkPredictor } from '../src/deploy/onnx-chunk-predictor.js';
import { recordDemonstrations } from '../src/pipeline/record-demonstrations.js';
import { trainExperiment } from '../src/pipeline/train-experiment.js';
import { buildVariant, rawObservations, variantNormalizer, type Variant } from './support/onnx-variants.js';

// Leak checks over long runs: tensors stay flat over training steps and control ticks (tfjs), and
// the process's memory stays flat over ONNX Runtime inferences. CI sizes below; the long run:
// ACTFUSION_LEAK_STEPS=3000 ACTFUSION_LEAK_TICKS=10000 npx vitest run test/long-run-leaks.test.ts
const STEPS = Number(process.env.ACTFUSION_LEAK_STEPS ?? 100);
const TICKS = Number(process.env.ACTFUSION_LEAK_TICKS ?? 1000);

const variant: Variant = {
  name: 'vision',
  policy: { dimModel: 16, nHeads: 2, dimFeedforward: 32, nEncoderLayers: 1, nVaeEncoderLayers: 1, latentDim: 4, chunkSize: 8 },
  spec: observationSpec({ stateDim: 4, actionDim: 4, cameras: { top: [32, 32] } }),
  vision: { width: 4 },
  normalizer: 'MEAN_STD',
};

function observation(i: number): Observation {
  const raw = rawObservations(variant, 1, 100 + (i % 7));
  return { 'observation.state': raw.state, 'observation.images.top': { height: 32, width: 32, data: raw.images['observation.images.top']! } };
}

describe('long runs do not leak', () => {
  it(`training: the tensor count is flat over ${STEPS} steps (Trainer, real ActPolicy, checkpoints on the way)`, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'af-leak-'));
    const registry = builtinKinds();
    const config = await loadConfig('act-small', {
      registry,
      set: [
        'runtime.backend=cpu', 'robot.imageHeight=24', 'robot.imageWidth=32', 'robot.episodeLength=12',
        `dataset.path=${join(dir, 'data')}`, `outputDir=${join(dir, 'run')}`,
        'policy.dimModel=16', 'policy.nHeads=2', 'policy.dimFeedforward=32', 'policy.nEncoderLayers=1', 'policy.chunkSize=4',
        'cvae.latentDim=4', 'cvae.nVaeEncoderLayers=1', `train.steps=${STEPS}`, 'train.batchSize=2', `train.saveFreq=${Math.max(1, Math.floor(STEPS / 4))}`, 'train.logFreq=50',
      ],
    });
    await recordDemonstrations({ task: 'lift-cube', episodes: 2, out: config.dataset.path, format: 'aloha-hdf5', cameras: [{ name: 'top', height: 24, width: 32 }], episodeLength: 12, onlySuccessful: false });
    const samples: Array<[number, number]> = [];
    await trainExperiment(config, {
      registry,
      onProgress: (p) => {
        if (p.step % 25 === 0) samples.push([p.step, tf.memory().numTensors]);
      },
    });
    console.log(`leak check, training: tensors at steps ${samples.map(([s, n]) => `${s}:${n}`).join(' ')}`);
    // The optimiser's moments exist from step 1; from then on every sample is the same count.
    expect(new Set(samples.map(([, n]) => n)).size).toBe(1);
  }, 600_000);

  it(`control ticks: tfjs inference through the ChunkExecutor keeps the tensor count flat over ${TICKS} ticks`, async () => {
    const runtime = await createRuntime({ backend: 'cpu', seed: 0 });
    const policy = buildVariant(variant);
    try {
      const executor = new ChunkExecutor(policyChunkSource(policy, variantNormalizer(variant)!), variant.policy.chunkSize!, { kind: 'temporal-ensemble', coeff: 0.01 });
      let after100 = 0;
      for (let t = 0; t < TICKS; t++) {
        await executor.step(observation(t));
        if (t === 99) after100 = tf.memory().numTensors;
      }
      console.log(`leak check, control ticks (tfjs): ${after100} tensors after 100 ticks, ${tf.memory().numTensors} after ${TICKS}`);
      expect(tf.memory().numTensors).toBe(after100);
    } finally {
      policy.dispose();
      runtime.dispose();
    }
  }, 600_000);

  it(`control ticks: ONNX Runtime inference keeps the process memory flat over ${TICKS} predictions`, async () => {
    const runtime = await createRuntime({ backend: 'cpu', seed: 0 });
    const policy = buildVariant(variant);
    const predictor = await OnnxChunkPredictor.fromPolicy(policy, variantNormalizer(variant)!, { threads: 1 });
    policy.dispose();
    try {
      const rss: number[] = [];
      for (let t = 0; t < TICKS; t++) {
        await predictor.predict(observation(t));
        if (t === 199 || t === TICKS - 1) {
          global.gc?.();
          rss.push(process.memoryUsage().rss / 2 ** 20);
        }
      }
      console.log(`leak check, ONNX Runtime: RSS ${rss.map((r) => r.toFixed(1)).join(' -> ')} MB (after 200 and ${TICKS} predictions)`);
      // A leak of even one input buffer per call (16 KB) would add ~13 MB over 800 calls.
      expect(rss[1]! - rss[0]!).toBeLessThan(8);
    } finally {
      await predictor.dispose();
      runtime.dispose();
    }
  }, 600_000);
});
