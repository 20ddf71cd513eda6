import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSafetensorsHeader } from '@actfusion/cvae-core/io';
import { AlohaHdf5Episode } from '@actfusion/datasets';
import { actfusion } from './support/in-process-cli.js';

/** CI sizes shared by every preset: 24x32 images, 12-tick episodes, D=16, 2 training steps, one 4-tick rollout. */
const TINY = [
  'runtime.backend=cpu', 'robot.imageHeight=24', 'robot.imageWidth=32', 'robot.episodeLength=12', 'dataset.episodes=2',
  'policy.dimModel=16', 'policy.nHeads=2', 'policy.dimFeedforward=32', 'policy.nEncoderLayers=1', 'policy.chunkSize=4',
  'cvae.latentDim=4', 'cvae.nVaeEncoderLayers=1', 'train.steps=2', 'train.batchSize=2', 'train.saveFreq=2', 'train.logFreq=1',
  'eval.episodes=1', 'eval.maxSteps=4',
];

/** Each shipped preset, with the `--set`s that shrink its vision backbones to CI size. */
const PRESETS: Record<string, string[]> = {
  act: ['encoders.1.backbone=resnet-tiny'],
  'act-small': [],
  'transfer-cube': [],
  insertion: [],
  'mt-act': ['encoders.2.backbone=resnet-tiny'],
  // occluded-pick: the simulator emits the right gripper's finger sensors, read as tactile images
  'visuo-tactile-act': ['encoders.1.backbone=resnet-tiny', 'encoders.2.backbone=resnet-tiny'],
};

/** Features the recorded dataset must hold for a preset, besides state, action and cameras (key, kind, shape). */
const DATASET_FEATURES: Record<string, [string, string, number[]][]> = {
  'visuo-tactile-act': [
    ['observation.tactile.right_finger_a', 'tactile-image', [16, 16, 3]],
    ['observation.tactile.right_finger_b', 'tactile-image', [16, 16, 3]],
    ['observation.taxels.right_finger_a', 'taxels', [4, 4]],
    ['observation.taxels.right_finger_b', 'taxels', [4, 4]],
  ],
};

/** Weights the trained checkpoint must hold for a preset (the modality really went through its encoder). */
const CHECKPOINT_WEIGHTS: Record<string, RegExp[]> = {
  'visuo-tactile-act': [/tactile_backbones\.0\./, /tactile_backbones\.1\./],
};

/** What each preset's checkpoint must hold besides the weights. */
const CHECKPOINT_FILES: Record<string, string[]> = { 'mt-act': ['instruction_embeddings.json'] };

const sets = (extra: string[]): string[] => [...TINY, ...extra].flatMap((s) => ['--set', s]);

describe('every preset through the CLI: record -> train -> eval, and demo (CI sizes)', () => {
  for (const [preset, shrink] of Object.entries(PRESETS)) {
    it(preset, async () => {
      const dir = await mkdtemp(join(tmpdir(), `af-e2e-${preset}-`));
      const common = [...shrink, `dataset.path=${join(dir, 'data')}`];
      const run = (name: string): string[] => sets([...common, `outputDir=${join(dir, name)}`]);
      expect(await actfusion('record', '-c', preset, '--keep-failed', ...run('run'))).toMatch(/recorded 2 episodes/);
      if (DATASET_FEATURES[preset]) {
        const ep = await AlohaHdf5Episode.open(join(dir, 'data', 'episode_0.hdf5'), 0);
        try {
          const extra = ep.features.filter((f) => f.kind === 'tactile-image' || f.kind === 'taxels');
          expect(extra.map((f) => [f.key, f.kind, f.shape])).toEqual(DATASET_FEATURES[preset]);
        } finally {
          ep.close();
        }
      }
      expect(await actfusion('train', '-c', preset, ...run('run'))).toMatch(/trained 2 steps/);
      expect(await actfusion('eval', '-c', preset, ...run('run'))).toMatch(/success [01]\/1/);
      const evaluated = JSON.parse(await readFile(join(dir, 'run', 'eval', 'eval.json'), 'utf8')) as { failures?: unknown };
      expect(evaluated.failures).toBe(0); // 4 ticks: nothing picked up yet, let alone the wrong object
      for (const f of ['model.safetensors', ...(CHECKPOINT_FILES[preset] ?? [])]) {
        expect(existsSync(join(dir, 'run', 'checkpoints', 'last', 'pretrained_model', f)), f).toBe(true);
      }
      const weights = (await readSafetensorsHeader(join(dir, 'run', 'checkpoints', 'last', 'pretrained_model', 'model.safetensors'))).tensors.map((t) => t.name);
      for (const pattern of CHECKPOINT_WEIGHTS[preset] ?? []) expect(weights.some((n) => pattern.test(n)), String(pattern)).toBe(true);
      const resolved = await readFile(join(dir, 'run', 'config.resolved.yaml'), 'utf8');
      expect(resolved).toMatch(new RegExp(`name: ${preset}\\n`));
      // demo reuses the recorded dataset (its own recording keeps successful expert episodes only).
      expect(await actfusion('demo', '-c', preset, ...run('demo'))).toMatch(/Success: [01]\/1/);
      expect(existsSync(join(dir, 'demo', 'demo.md'))).toBe(true);
    });
  }

  it('mt-act: an instruction the embeddings table does not know is an error naming it and the known ones', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'af-e2e-unknown-'));
    const table = join(dir, 'tasks.json');
    await writeFile(table, JSON.stringify({ dim: 2, embeddings: { 'lift the red cube': [1, 0] } }));
    const run = sets([...PRESETS['mt-act']!, `dataset.path=${join(dir, 'data')}`, `outputDir=${join(dir, 'run')}`, `encoders.1.embeddings=${table}`]);
    // seeds 2 and 3 ask for different cubes (see record-command.test.ts)
    await actfusion('record', '-c', 'mt-act', '--keep-failed', '--first-seed', '2', ...run);
    await expect(actfusion('train', '-c', 'mt-act', ...run)).rejects.toThrow(/unknown instruction "lift the blue cube"; known \(1\): "lift the red cube"/);
  });
});
