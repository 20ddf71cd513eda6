import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { expandTrials, safeName } from '../src/ablate/ablation-grid.js';
import { trainingKey } from '../src/ablate/training-key.js';
import { loadConfig, loadDocument, PRESETS_DIR } from '../src/config/load-config.js';
import { recordDemonstrations } from '../src/pipeline/record-demonstrations.js';
import { actfusion } from './support/in-process-cli.js';
import { testRegistry } from './support/test-registry.js';

const registry = testRegistry();
const preset = (name: string): string => join(PRESETS_DIR, 'ablations', `${name}.yaml`);

async function trialsOf(name: string) {
  const { document } = await loadDocument(preset(name), {});
  const c = await loadConfig(preset(name), { registry });
  return expandTrials(document, { grid: c.ablation!.grid, seeds: c.ablation!.seeds }, { file: preset(name), registry, outputDir: c.outputDir, trainingDir: c.ablation!.trainingDir! });
}

describe('the lift-cube ablations (ACT Fig. 8a/8b)', () => {
  it('presets: reported on 50 report-split episodes, 3 seeds, one core per trial; temporal ensembling reuses the k = 100 trainings', async () => {
    const chunk = await loadConfig(preset('chunk-size'), { registry });
    const te = await loadConfig(preset('temporal-ensemble'), { registry });
    for (const c of [chunk, te]) {
      expect(c.robot).toMatchObject({ kind: 'sim', task: 'lift-cube' });
      expect(c.eval).toMatchObject({ episodes: 50, seeds: [0], split: 'report' });
      expect(c.ablation?.seeds).toEqual([0, 1, 2]);
      expect([c.train.workers, c.runtime.blasThreads]).toEqual([1, 1]);
    }
    expect(chunk.ablation?.grid).toEqual({ 'policy.chunkSize': [1, 10, 50, 100] });
    expect(chunk.execution.mode).toBe('open-loop');
    expect(chunk.execution.nActionSteps).toBeUndefined(); // the whole chunk runs
    expect(te.ablation?.grid).toEqual({ 'execution.mode': ['open-loop', 'temporal-ensemble'] });
    expect(te.policy.chunkSize).toBe(100);
    expect(te.ablation?.trainingDir).toBe(chunk.ablation?.trainingDir);

    const chunkTrials = await trialsOf('chunk-size');
    const teTrials = await trialsOf('temporal-ensemble');
    expect(new Set(chunkTrials.map((t) => t.trainingDir)).size).toBe(12);
    for (const seed of [0, 1, 2]) {
      const k100 = chunkTrials.find((t) => t.params['policy.chunkSize'] === 100 && t.seed === seed)!;
      const both = teTrials.filter((t) => t.seed === seed);
      expect(both.map((t) => t.trainingDir)).toEqual([k100.trainingDir, k100.trainingDir]);
    }
    // anything that changes training changes the key; execution and eval do not
    const base = chunkTrials[0]!.config;
    expect(trainingKey({ ...base, eval: { ...base.eval, episodes: 3 }, execution: { ...base.execution, mode: 'temporal-ensemble' } })).toBe(trainingKey(base));
    expect(trainingKey({ ...base, train: { ...base.train, seed: 9 } })).not.toBe(trainingKey(base));
    expect(trainingKey({ ...base, dataset: { ...base.dataset, episodes: 39 } })).not.toBe(trainingKey(base));
  });

  it('through the CLI with the act runner: trials that differ only in execution share one training, also across ablations', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'af-abl-lift-'));
    const data = join(dir, 'data');
    await recordDemonstrations({ task: 'lift-cube', episodes: 2, out: data, format: 'aloha-hdf5', cameras: [{ name: 'angle', height: 24, width: 32 }], episodeLength: 12, onlySuccessful: false });
    const tiny = [
      'runtime.backend=cpu', 'robot.imageHeight=24', 'robot.imageWidth=32', 'robot.episodeLength=12', `dataset.path=${data}`, 'dataset.episodes=2',
      'policy.dimModel=16', 'policy.nHeads=2', 'policy.dimFeedforward=32', 'policy.nEncoderLayers=1', 'policy.chunkSize=4',
      'train.steps=2', 'train.batchSize=2', 'train.saveFreq=2', 'train.logFreq=1', 'eval.episodes=1', 'eval.maxSteps=6',
      `ablation.trainingDir=${join(dir, 'training')}`,
    ].flatMap((s) => ['--set', s]);
    const te = join(dir, 'te');
    const stdout = await actfusion('ablate', '-c', 'ablations/temporal-ensemble', '--trial', 'act', '--seeds', '0', ...tiny, '-o', te);
    expect(stdout).toMatch(/^## ablation-temporal-ensemble\n/);
    expect(stdout).toContain('Trial runner: `act`; 2 trials');
    expect(stdout).toMatch(/\| execution\.mode \| (reward >= 1|\w+) \|/); // the per-stage table

    const trainings = await readdir(join(dir, 'training'));
    expect(trainings).toHaveLength(1);
    const metrics = join(dir, 'training', trainings[0]!, 'metrics.jsonl');
    const steps = async () => (await readFile(metrics, 'utf8')).trim().split('\n').map((l) => JSON.parse(l).step as number);
    expect(await steps()).toEqual([1, 2]); // trained once, not once per trial
    // What the shared folder says describes the training the trials share, not one trial's evaluation.
    const shared = join(dir, 'training', trainings[0]!);
    const described = async () => ({
      yaml: await readFile(join(shared, 'config.resolved.yaml'), 'utf8'),
      title: JSON.parse(await readFile(join(shared, 'plots', 'training-curves.vl.json'), 'utf8')).title,
    });
    const first = await described();
    expect(first.title).toBe(`training-${trainings[0]}: training`);
    const doc = parseYaml(first.yaml) as Record<string, unknown>;
    expect(doc).toMatchObject({ name: `training-${trainings[0]}`, outputDir: shared, policy: { chunkSize: 4 }, train: { steps: 2 } });
    expect(Object.keys(doc)).not.toContain('execution');
    expect(Object.keys(doc)).not.toContain('eval');
    expect(first.yaml).toMatch(/shared by ablation trials/);
    // It loads as a config again (execution and eval at their defaults).
    const reloaded = await loadConfig(join(shared, 'config.resolved.yaml'), { registry });
    expect([reloaded.execution.mode, reloaded.eval.episodes, trainingKey(reloaded)]).toEqual(['open-loop', 50, trainings[0]]);
    for (const id of ['execution.mode=open-loop|seed=0', 'execution.mode=temporal-ensemble|seed=0']) {
      const evalJson = JSON.parse(await readFile(join(te, 'trials', safeName(id), 'eval', 'eval.json'), 'utf8'));
      expect(evalJson.episodes).toBe(1);
    }
    const json = JSON.parse(await readFile(join(te, 'ablation.json'), 'utf8'));
    expect(json.runner).toBe('act');
    expect(json.cells[1].stages.length).toBeGreaterThan(0);
    expect(json.cells[1].seedSuccesses).toHaveLength(1);

    // The chunk-size ablation's k = 4 trial has the same training config: it only evaluates.
    const cs = join(dir, 'cs');
    await actfusion('ablate', '-c', 'ablations/chunk-size', '--trial', 'act', '--seeds', '0', '--grid', 'policy.chunkSize=4', ...tiny, '-o', cs);
    expect(await readdir(join(dir, 'training'))).toEqual(trainings);
    expect(await steps()).toEqual([1, 2]);
    expect(await described()).toEqual(first); // the other ablation's trial did not rewrite it
    expect(existsSync(join(cs, 'trials', safeName('policy.chunkSize=4|seed=0'), 'eval', 'eval.json'))).toBe(true);
    // open loop at k = 4 is the same policy and the same episodes as the other ablation's open-loop cell
    const a = JSON.parse(await readFile(join(cs, 'ablation.json'), 'utf8')).cells[0];
    expect([a.successes, a.stages]).toEqual([json.cells[0].successes, json.cells[0].stages]);
  }, 120_000);
});
