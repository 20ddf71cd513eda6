import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { assembleBatch, createRuntime, parsePolicyConfig, type ActPolicy, type TensorRuntime } from '@actfusion/cvae-core';
import { writeLeRobotCheckpoint, writeSafetensors } from '@actfusion/cvae-core/io';
import { observationSpec } from '@actfusion/contracts';
import { buildActPolicy } from '../src/act/build-act-policy.js';
import { buildProgram } from '../src/cli.js';

// Tiny ACT checkpoints in LeRobot's two layouts, made here, read through `actfusion predict`.
let runtime: TensorRuntime;
let dir: string;
let policy: ActPolicy;
const config = parsePolicyConfig({ dimModel: 16, nHeads: 2, dimFeedforward: 32, nEncoderLayers: 1, nVaeEncoderLayers: 1, latentDim: 4, chunkSize: 3 });
const spec = observationSpec({ stateDim: 3, actionDim: 3, cameras: { top: [16, 16] } });
const stats = {
  state: { mean: [1, -2, 0.5], std: [2, 0.5, 4] },
  image: { mean: [0.4, 0.5, 0.6], std: [0.2, 0.25, 0.3] },
  action: { min: [-1, 0, 10], max: [1, 4, 30] },
};
const rawState = [[3, -1.5, 0.5]];
let rawImage: tf.Tensor4D;
let input: string;
let expected: number[];

beforeAll(async () => {
  runtime = await createRuntime({ backend: 'cpu', seed: 1 });
  dir = await mkdtemp(join(tmpdir(), 'actfusion-layouts-'));
  ({ policy } = buildActPolicy({ config, spec, vision: { width: 4, normalize: 'none' }, seed: 3 }));
  rawImage = tf.randomUniform([1, 16, 16, 3], 0, 1, 'float32', 7) as tf.Tensor4D;
  input = join(dir, 'obs.json');
  await writeFile(input, JSON.stringify({ 'observation.state': rawState, images: { 'observation.images.top': tf.transpose(rawImage, [0, 3, 1, 2]).arraySync() } }));
  // By hand, LeRobot's formulas: (x - mean) / (std + 1e-8) in, (y + 1) / 2 * (max - min) + min out.
  const state = tf.tensor2d(rawState.map((r) => r.map((x, i) => (x - stats.state.mean[i]!) / (stats.state.std[i]! + 1e-8))));
  const image = tf.div(tf.sub(rawImage, stats.image.mean), tf.add(stats.image.std, 1e-8)) as tf.Tensor4D;
  const net = [...policy.predictChunk(assembleBatch(policy.encoders, state, { 'observation.images.top': image })).dataSync()];
  expected = net.map((y, j) => ((y + 1) / 2) * (stats.action.max[j % 3]! - stats.action.min[j % 3]!) + stats.action.min[j % 3]!);
});
afterAll(async () => {
  policy.dispose();
  await rm(dir, { recursive: true, force: true });
  runtime.dispose();
});

async function predict(args: string[]): Promise<number[]> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  try {
    await buildProgram().exitOverride().parseAsync(['node', 'actfusion', 'predict', '--input', input, '--backend', 'cpu', ...args]);
  } finally {
    spy.mockRestore();
  }
  const got = (JSON.parse(out) as { action: number[][][] }).action.flat(2);
  expect(got).toHaveLength(9);
  return got;
}

const t = (v: number[], shape?: number[]) => tf.tensor(v, shape ?? [v.length]);

/** The current layout, as LeRobot's `save_pretrained` writes it (step indices, file names, eps). */
async function writeProcessors(d: string, preStats: Map<string, tf.Tensor>): Promise<void> {
  const features = {
    'observation.state': { type: 'STATE', shape: [3] },
    'observation.images.top': { type: 'VISUAL', shape: [3, 16, 16] },
    action: { type: 'ACTION', shape: [3] },
  };
  const normMap = { VISUAL: 'MEAN_STD', STATE: 'MEAN_STD', ACTION: 'MIN_MAX' };
  await writeSafetensors(join(d, 'policy_preprocessor_step_3_normalizer_processor.safetensors'), preStats);
  await writeSafetensors(join(d, 'policy_postprocessor_step_0_unnormalizer_processor.safetensors'), new Map([['action.min', t(stats.action.min)], ['action.max', t(stats.action.max)]]));
  const steps = [
    { registry_name: 'rename_observations_processor', config: { rename_map: {} } },
    { registry_name: 'to_batch_processor', config: {} },
    { registry_name: 'device_processor', config: { device: 'cuda', float_dtype: null } },
    { registry_name: 'normalizer_processor', config: { eps: 1e-8, features, norm_map: normMap }, state_file: 'policy_preprocessor_step_3_normalizer_processor.safetensors' },
  ];
  await writeFile(join(d, 'policy_preprocessor.json'), JSON.stringify({ name: 'policy_preprocessor', steps }));
  await writeFile(
    join(d, 'policy_postprocessor.json'),
    JSON.stringify({
      name: 'policy_postprocessor',
      steps: [
        { registry_name: 'unnormalizer_processor', config: { eps: 1e-8, features: { action: features.action }, norm_map: normMap }, state_file: 'policy_postprocessor_step_0_unnormalizer_processor.safetensors' },
        { registry_name: 'device_processor', config: { device: 'cpu', float_dtype: null } },
      ],
    }),
  );
}

const fullStats = () =>
  new Map([
    ['observation.state.mean', t(stats.state.mean)],
    ['observation.state.std', t(stats.state.std)],
    ['observation.images.top.mean', t(stats.image.mean, [3, 1, 1])],
    ['observation.images.top.std', t(stats.image.std, [3, 1, 1])],
    ['action.min', t(stats.action.min)],
    ['action.max', t(stats.action.max)],
  ]);

describe('LeRobot checkpoints as they really are', () => {
  it('current layout: policy_preprocessor/postprocessor statistics applied per feature (MEAN_STD state and images, MIN_MAX action)', async () => {
    const d = join(dir, 'current');
    await writeLeRobotCheckpoint(d, policy);
    await writeProcessors(d, fullStats());
    const got = await predict(['--checkpoint', d]);
    got.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 4));
    // The same statistics inside an exported ONNX graph, run by ONNX Runtime.
    const onnx = await predict(['--checkpoint', d, '--runtime', 'onnx']);
    onnx.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 4));
  });

  it('older layout: normalize_inputs / unnormalize_outputs buffers inside model.safetensors', async () => {
    const d = join(dir, 'legacy');
    await writeLeRobotCheckpoint(d, policy);
    const weights = policy.stateDict('model.');
    const buffers = new Map<string, tf.Tensor>([
      ['normalize_inputs.buffer_observation_state.mean', t(stats.state.mean)],
      ['normalize_inputs.buffer_observation_state.std', t(stats.state.std)],
      ['normalize_inputs.buffer_observation_images_top.mean', t(stats.image.mean, [3, 1, 1])],
      ['normalize_inputs.buffer_observation_images_top.std', t(stats.image.std, [3, 1, 1])],
      ['normalize_targets.buffer_action.min', t(stats.action.min)],
      ['normalize_targets.buffer_action.max', t(stats.action.max)],
      ['unnormalize_outputs.buffer_action.min', t(stats.action.min)],
      ['unnormalize_outputs.buffer_action.max', t(stats.action.max)],
    ]);
    await writeSafetensors(join(d, 'model.safetensors'), new Map<string, tf.Tensor>([...weights, ...buffers]), { metadata: { format: 'pt' } });
    const cfg = JSON.parse(await import('node:fs/promises').then((fs) => fs.readFile(join(d, 'config.json'), 'utf8')));
    cfg.normalization_mapping = { VISUAL: 'MEAN_STD', STATE: 'MEAN_STD', ACTION: 'MIN_MAX' };
    await writeFile(join(d, 'config.json'), JSON.stringify(cfg));
    const got = await predict(['--checkpoint', d]);
    got.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 4));
    const onnx = await predict(['--checkpoint', d, '--runtime', 'onnx']);
    onnx.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 4));
  });

  it('accepts a run folder, checkpoints/last and pretrained_model alike, config taken from the checkpoint', async () => {
    const run = join(dir, 'run');
    const pretrained = join(run, 'checkpoints', '000010', 'pretrained_model');
    await mkdir(pretrained, { recursive: true });
    await writeLeRobotCheckpoint(pretrained, policy);
    await writeProcessors(pretrained, fullStats());
    await symlink('000010', join(run, 'checkpoints', 'last'));
    for (const path of [run, join(run, 'checkpoints', 'last'), join(run, 'checkpoints', '000010'), pretrained]) {
      const got = await predict(['--checkpoint', path]);
      got.forEach((v, i) => expect(v, path).toBeCloseTo(expected[i]!, 4));
    }
    await expect(predict(['--checkpoint', join(run, 'checkpoints')])).rejects.toThrow(/not a checkpoint; expected a run folder/);
  });

  it('statistics it cannot apply are an error naming the file and the feature', async () => {
    const d = join(dir, 'bad');
    await writeLeRobotCheckpoint(d, policy);
    const s = fullStats();
    s.delete('observation.state.std');
    await writeProcessors(d, s);
    await expect(predict(['--checkpoint', d])).rejects.toThrow(
      /policy_preprocessor_step_3_normalizer_processor\.safetensors: feature 'observation\.state' is normalised MEAN_STD but has no 'std' statistic/,
    );
  });
});
