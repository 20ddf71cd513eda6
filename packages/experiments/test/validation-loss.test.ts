import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { trainingCurvesSpec } from '../src/charts/training-curves.js';
import { builtinKinds } from '../src/composition/builtin-kinds.js';
import { loadConfig } from '../src/config/load-config.js';
import { recordDemonstrations } from '../src/pipeline/record-demonstrations.js';
import { trainExperiment } from '../src/pipeline/train-experiment.js';
import { splitEpisodes } from '../src/pipeline/validation-split.js';
import { actfusion } from './support/in-process-cli.js';

const registry = builtinKinds();

/** The tiny shapes of pipeline.test.ts, 3 episodes, a validation loss logged every step. */
function tinySet(dir: string, run: string, extra: string[] = []): string[] {
  return [
    'runtime.backend=cpu', 'robot.imageHeight=24', 'robot.imageWidth=32', 'robot.episodeLength=12',
    `dataset.path=${join(dir, 'data')}`, 'dataset.episodes=3', `outputDir=${join(dir, run)}`,
    'policy.dimModel=16', 'policy.nHeads=2', 'policy.dimFeedforward=32', 'policy.nEncoderLayers=1', 'policy.chunkSize=4',
    'cvae.latentDim=4', 'cvae.nVaeEncoderLayers=1', 'train.steps=4', 'train.batchSize=2', 'train.saveFreq=4', 'train.logFreq=1',
    ...extra,
  ];
}

describe('dataset.valFraction', () => {
  it('splits off the last round(valFraction * episodes) episodes, at least one, and refuses a split with no training episode', () => {
    expect(splitEpisodes(3, 0, 'd')).toEqual({ train: [0, 1, 2], validation: [] });
    expect(splitEpisodes(3, 0.34, 'd')).toEqual({ train: [0, 1], validation: [2] });
    expect(splitEpisodes(30, 0.1, 'd').validation).toEqual([27, 28, 29]); // 0.1 * 30 is 3.0000000000000004
    expect(splitEpisodes(10, 0.01, 'd').validation).toEqual([9]);
    expect(() => splitEpisodes(1, 0.9, 'dataset.path /x')).toThrow(/dataset\.valFraction=0\.9: dataset\.path \/x has 1 episode, so 1 would validate and none would train; expected at least 2 episodes/);
    expect(() => splitEpisodes(1, 0.1, 'd')).toThrow(/dataset\.valFraction=0\.1: d has 1 episode/);
    expect(() => splitEpisodes(3, 0.9, 'd')).toThrow(/has 3 episodes, so 3 would validate/);
  });

  it('actfusion train logs val_loss to metrics.jsonl, the log and the curve, leaks no tensor, and refuses a split without training episodes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'af-val-'));
    const config = await loadConfig('act-small', { registry, set: tinySet(dir, 'run', ['dataset.valFraction=0.34']) });
    await recordDemonstrations({ task: 'transfer-cube', episodes: 3, out: config.dataset.path, format: 'aloha-hdf5', cameras: [{ name: 'top', height: 24, width: 32 }], episodeLength: 12, onlySuccessful: false });

    const lines: string[] = [];
    const tensors: number[] = [];
    const summary = await trainExperiment(config, { registry, log: (l) => lines.push(l), onProgress: () => tensors.push(tf.memory().numTensors) });
    // onProgress runs before each logged step's validation pass: a pass that leaked would raise the next
    // count. The count rises once after step 1 (one-time state; a run without validation rises the same
    // way at its first checkpoint), then stays flat over the passes of steps 2 and 3.
    expect(tensors).toHaveLength(4);
    expect(new Set(tensors.slice(1)).size).toBe(1);

    const metrics = (await readFile(summary.metricsPath, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(metrics.map((m) => m.step)).toEqual([1, 2, 3, 4]);
    for (const m of metrics) {
      expect(Number.isFinite(m.val_loss)).toBe(true);
      expect(m.val_loss).toBeGreaterThan(0);
      expect(m.val_kl).toBe(0); // eval mode: ACT's style encoder is off, z = 0
      expect(m.val_loss).toBeCloseTo(m.val_l1, 6);
    }
    expect(new Set(metrics.map((m) => m.val_loss)).size).toBeGreaterThan(1); // the weights move, the chunks do not
    expect(lines.some((l) => /2 episodes, \d+ frames \(training split; 1 validation episode: 2\)/.test(l))).toBe(true);
    expect(lines.filter((l) => /^step \d\/4 val_loss \d+\.\d{4} \(32 chunks of 1 validation episode\)$/.test(l))).toHaveLength(4);
    expect(summary.curve.every((p) => p.val_loss === metrics.find((m) => m.step === p.step).val_loss)).toBe(true);
    const values = (trainingCurvesSpec(summary.curve).data as { values: Array<{ metric: string }> }).values;
    expect(values.filter((v) => v.metric === 'val_loss')).toHaveLength(4);
    expect(existsSync(join(config.outputDir, 'plots', 'training-curves.png'))).toBe(true);

    // The same seed gives the same validation numbers (a fixed, seeded set of chunks).
    const again = await trainExperiment(await loadConfig('act-small', { registry, set: tinySet(dir, 'run-again', ['dataset.valFraction=0.34']) }), { registry });
    const againMetrics = (await readFile(again.metricsPath, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(againMetrics.map((m) => m.val_loss)).toEqual(metrics.map((m) => m.val_loss));

    // No validation keys without a split.
    const plain = await trainExperiment(await loadConfig('act-small', { registry, set: tinySet(dir, 'run-plain', ['train.steps=1']) }), { registry });
    const plainMetrics = JSON.parse((await readFile(plain.metricsPath, 'utf8')).trim().split('\n')[0]!);
    expect(plainMetrics.val_loss).toBeUndefined();

    // Through the command: a fraction that leaves no training episode fails before any work.
    const args = tinySet(dir, 'run-bad', ['dataset.valFraction=0.9']).flatMap((s) => ['--set', s]);
    await expect(actfusion('train', '-c', 'act-small', ...args)).rejects.toThrow(/dataset\.valFraction=0\.9: dataset\.path .*data has 3 episodes, so 3 would validate and none would train/);
    expect(existsSync(join(dir, 'run-bad', 'config.resolved.yaml'))).toBe(false);
  }, 300_000);
});
