import { existsSync } from 'node:fs';
import { appendFile, mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { builtinKinds } from '../src/composition/builtin-kinds.js';
import { loadConfig } from '../src/config/load-config.js';
import { ActTrialRunner } from '../src/pipeline/act-trial.js';
import { evaluatePolicy } from '../src/pipeline/evaluate-policy.js';
import { recordDemonstrations } from '../src/pipeline/record-demonstrations.js';
import { trainExperiment } from '../src/pipeline/train-experiment.js';

const registry = builtinKinds();

/** Tiny shapes: 2 short episodes at 24x32, D=16, 4 training steps, 1 short rollout. */
async function tinyConfig(dir: string, extra: string[] = []) {
  return loadConfig('act-small', {
    registry,
    set: [
      'runtime.backend=cpu', 'robot.imageHeight=24', 'robot.imageWidth=32', 'robot.episodeLength=12',
      `dataset.path=${join(dir, 'data')}`, 'dataset.episodes=2', `outputDir=${join(dir, 'run')}`,
      'policy.dimModel=16', 'policy.nHeads=2', 'policy.dimFeedforward=32', 'policy.nEncoderLayers=1', 'policy.chunkSize=4',
      'cvae.latentDim=4', 'cvae.nVaeEncoderLayers=1', 'train.steps=4', 'train.batchSize=2', 'train.saveFreq=2', 'train.logFreq=2',
      'eval.episodes=1', 'eval.maxSteps=6', 'eval.saveFramesEvery=3', ...extra,
    ],
  });
}

describe('record -> train -> eval in the simulator (real MuJoCo, HDF5, Trainer)', () => {
  it('runs end to end and writes every artefact; resume continues from the last checkpoint', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'af-pipe-'));
    const config = await tinyConfig(dir);
    const rec = await recordDemonstrations({ task: 'transfer-cube', episodes: 2, out: config.dataset.path, format: 'aloha-hdf5', cameras: [{ name: 'top', height: 24, width: 32 }], episodeLength: 12, onlySuccessful: false });
    expect(rec.kept).toBe(2);
    expect((await readdir(config.dataset.path)).sort()).toEqual(['episode_0.hdf5', 'episode_1.hdf5']);
    await expect(recordDemonstrations({ task: 'transfer-cube', episodes: 1, out: config.dataset.path, format: 'aloha-hdf5', cameras: [] })).rejects.toThrow(/already exists/);

    const trained = await trainExperiment(config, { registry });
    expect(trained.steps).toBe(4);
    expect(Number.isFinite(trained.finalLoss)).toBe(true);
    const metrics = (await readFile(trained.metricsPath, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(metrics.map((m) => m.step)).toEqual([2, 4]);
    for (const f of ['config.resolved.yaml', 'checkpoints/last', 'plots/training-curves.png']) expect(existsSync(join(config.outputDir, f))).toBe(true);

    const more = await tinyConfig(dir, ['train.steps=6']);
    const resumed = await trainExperiment(more, { registry, resume: true });
    expect(resumed.steps).toBe(6);
    const metrics2 = (await readFile(trained.metricsPath, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(metrics2.map((m) => m.step)).toEqual([2, 4, 6]);
    expect(resumed.curve.map((p) => p.step)).toEqual([2, 4, 6]); // the plot shows the whole run, not the last segment

    // Resuming a finished run trains nothing and reports the last logged loss, not NaN.
    const again = await trainExperiment(more, { registry, resume: true });
    expect(again.steps).toBe(6);
    expect(again.finalLoss).toBe(metrics2.at(-1).loss);

    // A run killed after logging step 8 but before its checkpoint (simulated: a stale line for
    // step 8 and a torn line) resumes from the checkpoint without logging a step twice.
    await appendFile(trained.metricsPath, `${JSON.stringify({ step: 8, loss: 1 })}\n{"step": 9, "lo`);
    const fromFour = await tinyConfig(dir, ['train.steps=8']);
    await trainExperiment(fromFour, { registry, resume: true });
    const metrics3 = (await readFile(trained.metricsPath, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(metrics3.map((m) => m.step)).toEqual([2, 4, 6, 8]);

    const before = tf.memory().numTensors;
    const evaluated = await evaluatePolicy(more, { registry });
    expect(evaluated.episodes).toBe(1);
    expect(evaluated.stageReached).toHaveLength(4);
    expect(evaluated.markdown).toMatch(/\| 1 \| .* \| \d\/1 \|/);
    expect((await readdir(join(more.outputDir, 'eval', 'frames', 'seed-1000-episode-0'))).sort()).toEqual(['top-0000.png', 'top-0003.png']);
    expect(existsSync(join(more.outputDir, 'eval', 'success-rate.png'))).toBe(true);
    expect(tf.memory().numTensors).toBeLessThanOrEqual(before);
  });

  it('the act trial runner trains and evaluates a config', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'af-trial-'));
    const config = await tinyConfig(dir, ['train.steps=2']);
    await recordDemonstrations({ task: 'transfer-cube', episodes: 2, out: config.dataset.path, format: 'aloha-hdf5', cameras: [{ name: 'top', height: 24, width: 32 }], episodeLength: 12, onlySuccessful: false });
    const r = await new ActTrialRunner(registry).run(config, { trialId: 't', log: () => {} });
    expect(r.episodes).toBe(1);
    expect(r.stageSuccesses).toHaveLength(4);
  });
});
