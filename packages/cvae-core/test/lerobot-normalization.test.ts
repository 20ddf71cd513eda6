import '@tensorflow/tfjs-backend-cpu';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { observationSpec } from '@actfusion/contracts';
import { writeSafetensors } from '../src/io/safetensors.js';
import { legacyNormalization, normalizerJsonOf, readProcessorNormalization } from '../src/policy/lerobot-normalization.js';
import { writeLeRobotProcessors } from '../src/policy/lerobot-processor-writer.js';
import { Normalizer } from '../src/training/normalizer.js';

let dir: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = await mkdtemp(join(tmpdir(), 'actfusion-lerobot-norm-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

const spec = observationSpec({ stateDim: 2, actionDim: 2, cameras: { top: [8, 8] } });
const features = {
  'observation.state': { type: 'STATE', shape: [2] },
  'observation.images.top': { type: 'VISUAL', shape: [3, 8, 8] },
  action: { type: 'ACTION', shape: [2] },
};

/** A LeRobot-style processor pair written by hand (the layout `save_pretrained` produces). */
async function handMade(sub: string, normMap: Record<string, string>, pre: Record<string, number[]>, post: Record<string, number[]>, shapes: Record<string, number[]> = {}) {
  const d = join(dir, sub);
  await import('node:fs/promises').then((fs) => fs.mkdir(d, { recursive: true }));
  const t = (m: Record<string, number[]>) => new Map(Object.entries(m).map(([k, v]) => [k, tf.tensor(v, shapes[k] ?? [v.length])]));
  await writeSafetensors(join(d, 'policy_preprocessor_step_3_normalizer_processor.safetensors'), t(pre));
  await writeSafetensors(join(d, 'policy_postprocessor_step_0_unnormalizer_processor.safetensors'), t(post));
  const step = (name: string, file: string, feats: object) => ({ registry_name: name, config: { eps: 1e-8, features: feats, norm_map: normMap }, state_file: file });
  await writeFile(
    join(d, 'policy_preprocessor.json'),
    JSON.stringify({ name: 'policy_preprocessor', steps: [{ registry_name: 'rename_observations_processor', config: { rename_map: {} } }, { registry_name: 'to_batch_processor', config: {} }, { registry_name: 'device_processor', config: { device: 'cuda' } }, step('normalizer_processor', 'policy_preprocessor_step_3_normalizer_processor.safetensors', features)] }),
  );
  await writeFile(
    join(d, 'policy_postprocessor.json'),
    JSON.stringify({ name: 'policy_postprocessor', steps: [step('unnormalizer_processor', 'policy_postprocessor_step_0_unnormalizer_processor.safetensors', { action: features.action }), { registry_name: 'device_processor', config: { device: 'cpu' } }] }),
  );
  return d;
}

describe('LeRobot processor files (current layout)', () => {
  it('round-trips what actfusion writes: MEAN_STD state, MIN_MAX action, ImageNet images', async () => {
    const d = join(dir, 'ours');
    await import('node:fs/promises').then((fs) => fs.mkdir(d, { recursive: true }));
    const normalizer = { qpos: { mode: 'MEAN_STD' as const, shift: [1, -2], scale: [2, 0.01] }, action: { mode: 'MIN_MAX' as const, shift: [0, -1], scale: [4, 2] } };
    await writeLeRobotProcessors(d, { spec, normalizer, images: 'imagenet' });
    const pre = JSON.parse(await readFile(join(d, 'policy_preprocessor.json'), 'utf8'));
    expect(pre.steps.map((s: { registry_name: string }) => s.registry_name)).toEqual(['rename_observations_processor', 'to_batch_processor', 'device_processor', 'normalizer_processor']);
    expect(pre.steps[3].state_file).toBe('policy_preprocessor_step_3_normalizer_processor.safetensors');
    expect(pre.steps[3].config.norm_map).toEqual({ VISUAL: 'MEAN_STD', STATE: 'MEAN_STD', ACTION: 'MIN_MAX' });
    const n = (await readProcessorNormalization(d))!;
    expect(n.layout).toBe('processor');
    const json = normalizerJsonOf(n, 2, 2);
    expect(json.qpos.mode).toBe('MEAN_STD');
    json.qpos.shift.forEach((v, i) => expect(v).toBeCloseTo(normalizer.qpos.shift[i]!, 6));
    json.qpos.scale.forEach((v, i) => expect(v).toBeCloseTo(normalizer.qpos.scale[i]!, 6));
    expect(json.action).toMatchObject({ mode: 'MIN_MAX' });
    json.action.scale.forEach((v, i) => expect(v).toBeCloseTo(normalizer.action.scale[i]!, 6));
    const top = n.inputs.get('observation.images.top')!;
    expect([...top.shift].map((v) => +v.toFixed(3))).toEqual([0.485, 0.456, 0.406]);
  });

  it("applies LeRobot's formulas: (x - mean) / (std + eps), 2 (x - min) / (max - min) - 1, QUANTILES over q01..q99", async () => {
    const d = await handMade(
      'quantiles',
      { VISUAL: 'IDENTITY', STATE: 'QUANTILES', ACTION: 'MEAN_STD' },
      { 'observation.state.q01': [0, 10], 'observation.state.q99': [2, 30], 'observation.state.mean': [5, 5], 'observation.state.std': [1, 1] },
      { 'action.mean': [1, 2], 'action.std': [0.5, 4] },
    );
    const n = (await readProcessorNormalization(d))!;
    const norm = Normalizer.fromJSON(normalizerJsonOf(n, 2, 2));
    expect([...norm.normalizeQpos(new Float32Array([1, 30]))].map((v) => +v.toFixed(5))).toEqual([0, 1]);
    expect([...norm.unnormalizeAction(new Float32Array([2, -1]))].map((v) => +v.toFixed(4))).toEqual([2, -2]);
    expect(n.inputs.has('observation.images.top')).toBe(false);
  });

  it('names the file and the feature when statistics cannot be applied', async () => {
    const missing = await handMade('missing', { VISUAL: 'MEAN_STD', STATE: 'MEAN_STD', ACTION: 'MEAN_STD' }, { 'observation.state.mean': [0, 0] }, { 'action.mean': [0, 0], 'action.std': [1, 1] });
    await expect(readProcessorNormalization(missing)).rejects.toThrow(/policy_preprocessor_step_3_normalizer_processor\.safetensors: feature 'observation\.state' is normalised MEAN_STD but has no 'std'/);
    const perPixel = await handMade(
      'per-pixel',
      { VISUAL: 'MEAN_STD', STATE: 'MEAN_STD', ACTION: 'MEAN_STD' },
      { 'observation.images.top.mean': new Array(192).fill(0.5), 'observation.images.top.std': new Array(192).fill(0.2) },
      {},
      { 'observation.images.top.mean': [3, 8, 8], 'observation.images.top.std': [3, 8, 8] },
    );
    await expect(readProcessorNormalization(perPixel)).rejects.toThrow(/feature 'observation\.images\.top' statistic 'mean' has 192 values; actfusion can apply one value per colour channel/);
    const mode = await handMade('mode', { VISUAL: 'MEAN_STD', STATE: 'LOG', ACTION: 'MEAN_STD' }, { 'observation.state.mean': [0, 0] }, {});
    await expect(readProcessorNormalization(mode)).rejects.toThrow(/feature 'observation\.state' uses normalisation mode 'LOG'/);
  });

  it('is null for a folder without processor files', async () => {
    expect(await readProcessorNormalization(join(dir, 'nothing-here'))).toBeNull();
  });
});

describe('LeRobot legacy normalisation buffers (model.safetensors)', () => {
  const buffers = (std: number) =>
    new Map<string, tf.Tensor>([
      ['normalize_inputs.buffer_observation_state.mean', tf.tensor([1, 2])],
      ['normalize_inputs.buffer_observation_state.std', tf.tensor([2, std])],
      ['normalize_inputs.buffer_observation_images_top.mean', tf.tensor([0.5, 0.5, 0.5], [3, 1, 1])],
      ['normalize_inputs.buffer_observation_images_top.std', tf.tensor([0.25, 0.25, 0.25], [3, 1, 1])],
      ['normalize_targets.buffer_action.min', tf.tensor([0, 0])],
      ['normalize_targets.buffer_action.max', tf.tensor([1, 1])],
      ['unnormalize_outputs.buffer_action.min', tf.tensor([-1, 0])],
      ['unnormalize_outputs.buffer_action.max', tf.tensor([1, 10])],
    ]);
  const feats = { inputs: { 'observation.state': features['observation.state'], 'observation.images.top': features['observation.images.top'] }, outputs: { action: features.action } };

  it('maps buffer_<key with dots as underscores> to features, modes from normalization_mapping', () => {
    const n = legacyNormalization(buffers(4), feats, { VISUAL: 'MEAN_STD', STATE: 'MEAN_STD', ACTION: 'MIN_MAX' }, 'ckpt/model.safetensors');
    expect(n.layout).toBe('legacy');
    const norm = Normalizer.fromJSON(normalizerJsonOf(n, 2, 2));
    expect([...norm.normalizeQpos(new Float32Array([3, 6]))].map((v) => +v.toFixed(5))).toEqual([1, 1]);
    expect([...norm.unnormalizeAction(new Float32Array([0, 1]))].map((v) => +v.toFixed(4))).toEqual([0, 10]);
    expect([...n.inputs.get('observation.images.top')!.shift]).toEqual([0.5, 0.5, 0.5]);
  });

  it('refuses buffers never filled with statistics (LeRobot initialises them to infinity)', () => {
    expect(() => legacyNormalization(buffers(Infinity), feats, undefined, 'ckpt/model.safetensors')).toThrow(
      /ckpt\/model\.safetensors: feature 'observation\.state' statistic 'std' holds Infinity at index 1/,
    );
  });
});
