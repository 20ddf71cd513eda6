import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChunkExecutor } from '../src/inference/chunk-executor.js';
import { policyChunkSource } from '../src/inference/policy-chunk-source.js';
import { readLeRobotCheckpoint } from '../src/policy/lerobot-checkpoint.js';
import { describeLeRobotConfig } from '../src/policy/lerobot-config.js';
import { createRuntime, type TensorRuntime } from '../src/runtime/create-runtime.js';
import { collateObservations, disposeCollated } from '../src/training/collate.js';
import { SyntheticChunkDataset } from '../src/testing/synthetic-chunk-dataset.js';
import { Trainer, type TrainingProgress } from '../src/training/trainer.js';
import { smallActPolicy } from './fixtures/act-test-parts.js';

let runtime: TensorRuntime;
let dir: string;
beforeAll(async () => {
  runtime = await createRuntime({ backend: 'cpu', seed: 1 });
  dir = await mkdtemp(join(tmpdir(), 'actfusion-act-trainer-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  runtime.dispose();
});

describe('Trainer with a real ActPolicy (CVAE, KL, fusion encoder, dropout)', () => {
  it('resumes exactly: 6 steps straight (no checkpoints) = 3 + resume + 3, losses and weights bit-identical on cpu', async () => {
    const ds = new SyntheticChunkDataset({ episodes: 8, chunkSize: 5, minLength: 12, maxLength: 20, seed: 4 });
    // B x latentDim = 15 is odd, so the Box-Muller spare of the reparameterisation noise is pending
    // at the split; the straight run writes no checkpoint at all.
    const opts = { steps: 6, batchSize: 3, lr: 1e-3, backboneLr: 1e-4, checkpointEvery: 3, seed: 21 };
    const cfg = { chunkSize: 5, latentDim: 5 };
    const a = smallActPolicy(ds.spec, cfg, 1);
    const straight = new Trainer(a, ds, { ...opts, checkpointEvery: undefined });
    const progress: TrainingProgress[] = [];
    const all = (await straight.train()).losses;
    const b = smallActPolicy(ds.spec, cfg, 1);
    const first = new Trainer(b, ds, { ...opts, outputDir: join(dir, 'split'), onProgress: (p) => progress.push(p) });
    expect((await first.train(3)).losses).toEqual(all.slice(0, 3));
    const c = smallActPolicy(ds.spec, cfg, 77);
    const resumed = new Trainer(c, ds, { ...opts, outputDir: join(dir, 'split') });
    await resumed.resume(join(dir, 'split', 'checkpoints', 'last'));
    expect((await resumed.train()).losses).toEqual(all.slice(3));
    for (const [name, v] of a.stateDict()) expect([...c.stateDict().get(name)!.dataSync()], name).toEqual([...v.dataSync()]);
    // The CVAE is active: KL is reported and part of the loss (loss = l1 + 10 kl).
    for (const p of progress) {
      expect(p.kl).toBeGreaterThan(0);
      expect(p.loss).toBeCloseTo(p.l1 + 10 * p.kl, 4);
    }
    // config.json is LeRobot's ACTConfig, and reads back as the same policy.
    const configPath = join(dir, 'split', 'checkpoints', '000006', 'pretrained_model', 'config.json');
    const described = describeLeRobotConfig(JSON.parse(await readFile(configPath, 'utf8')), configPath);
    expect(described.config).toEqual(a.config);
    expect(described.spec.stateDim).toBe(2);
    // pretrained_model/ is a LeRobot ACT checkpoint: it loads into a fresh policy that predicts the same chunk.
    const ckpt = await readLeRobotCheckpoint(join(dir, 'split', 'checkpoints', '000006', 'pretrained_model'));
    const d = smallActPolicy(ds.spec, cfg, 5);
    d.loadStateDict(ckpt.tensors);
    tf.dispose([...ckpt.tensors.values()]);
    expect(ckpt.normalization?.layout).toBe('processor'); // the Trainer writes LeRobot's processor files with the statistics
    const batch = collateObservations([ds.sampleAt(1, 2).observation], ds.spec, await resumed.getNormalizer(), a.encoders);
    const [pa, pd] = [a.predictChunk(batch), d.predictChunk(batch)];
    expect([...pd.dataSync()]).toEqual([...pa.dataSync()]);
    tf.dispose([pa, pd]);
    disposeCollated(batch);
    d.dispose();
    for (const t of [straight, first, resumed]) t.dispose();
    for (const p of [a, b, c]) p.dispose();
  });

  it('learns the synthetic task on wasm: L1 (z = 0, eval) below 0.15 after 300 steps, numTensors flat', async () => {
    const wasm = await createRuntime({ backend: 'wasm', seed: 1 });
    const ds = new SyntheticChunkDataset({ episodes: 24, chunkSize: 5, minLength: 20, maxLength: 30, seed: 11 });
    const policy = smallActPolicy(ds.spec, { chunkSize: 5, dropout: 0, klWeight: 10 }, 3);
    const counts: number[] = [];
    const seen: TrainingProgress[] = [];
    const trainer = new Trainer(policy, ds, {
      steps: 300,
      batchSize: 16,
      lr: 1e-3,
      backboneLr: 1e-3,
      seed: 5,
      onProgress: (p) => {
        counts.push(tf.memory().numTensors);
        seen.push(p);
      },
    });
    const { losses } = await trainer.train();
    expect(counts.slice(1)).toEqual(Array(counts.length - 1).fill(counts[1]));
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    console.log(
      `ActPolicy (${policy.parameterCount()} params) on SyntheticChunkDataset: loss ${mean(losses.slice(0, 10)).toFixed(3)} -> ` +
        `${mean(losses.slice(-20)).toFixed(3)}, l1 ${mean(seen.slice(0, 10).map((p) => p.l1)).toFixed(3)} -> ` +
        `${mean(seen.slice(-20).map((p) => p.l1)).toFixed(3)}, kl ${mean(seen.slice(-20).map((p) => p.kl)).toFixed(4)}, ` +
        `${seen.at(-1)!.stepsPerSecond.toFixed(1)} steps/s`,
    );
    // Eval mode (z = 0, no dropout, as at inference) on frame 3 of every training episode.
    const normalizer = await trainer.getNormalizer();
    const predict = policyChunkSource(policy, normalizer);
    policy.eval();
    let err = 0;
    let n = 0;
    for (let e = 0; e < ds.episodeCount; e++) {
      const s = ds.sampleAt(e, 3);
      const chunk = await predict(s.observation);
      chunk.forEach((a, j) =>
        a.forEach((v, d) => {
          err += Math.abs(v - s.action[j * 2 + d]!) / normalizer.action.scale[d]!;
          n++;
        }),
      );
    }
    console.log(`ActPolicy eval L1 (normalised, z = 0): ${(err / n).toFixed(4)}`);
    expect(err / n).toBeLessThan(0.15);
    const ex = new ChunkExecutor(predict, 5, { kind: 'temporal-ensemble' });
    expect((await ex.step(ds.sampleAt(0, 0).observation)).length).toBe(2);
    trainer.dispose();
    policy.dispose();
    wasm.dispose();
    await tf.setBackend('cpu');
  });
});
