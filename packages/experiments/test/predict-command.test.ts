import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { assembleBatch, createRuntime, Normalizer, parsePolicyConfig, type TensorRuntime } from '@actfusion/cvae-core';
import { readSafetensorsHeader, writeLeRobotCheckpoint } from '@actfusion/cvae-core/io';
import { observationSpec } from '@actfusion/contracts';
import { buildActPolicy } from '../src/act/build-act-policy.js';
import { loadLeRobotPolicy } from '../src/act/load-lerobot-policy.js';
import { buildProgram } from '../src/cli.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'parity');
let runtime: TensorRuntime;
let dir: string;
beforeAll(async () => {
  runtime = await createRuntime({ backend: 'cpu', seed: 1 });
  dir = await mkdtemp(join(tmpdir(), 'actfusion-predict-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  runtime.dispose();
});

async function runCli(args: string[]): Promise<string> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  try {
    await buildProgram().exitOverride().parseAsync(['node', 'actfusion', ...args]);
  } finally {
    spy.mockRestore();
  }
  return out;
}

describe('actfusion predict', () => {
  it('prints {"action": [B][k][A]} matching the PyTorch peer for a LeRobot checkpoint', async () => {
    const ckpt = join(fixtures, 'six-dof');
    const out = await runCli(['predict', '--checkpoint', ckpt, '--input', join(ckpt, 'parity.json'), '--backend', 'cpu']);
    const { action } = JSON.parse(out) as { action: number[][][] };
    const expected = (JSON.parse(await readFile(join(ckpt, 'parity.json'), 'utf8')) as { action: number[][][] }).action;
    expect([action.length, action[0]!.length, action[0]![0]!.length]).toEqual([2, 12, 6]);
    const err = Math.max(...action.flat(2).map((v, i) => Math.abs(v - expected.flat(2)[i]!)));
    expect(err).toBeLessThan(1e-4);
  });

  it('names the input file and field when the observation does not fit the checkpoint', async () => {
    const ckpt = join(fixtures, 'six-dof');
    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ 'observation.state': [[1, 2, 3]], images: {} }));
    await expect(runCli(['predict', '--checkpoint', ckpt, '--input', bad, '--backend', 'cpu'])).rejects.toThrow(
      /bad\.json: "observation\.state" must be a \[B\]\[6\] array/,
    );
  });
});

describe('our checkpoints in LeRobot layout', () => {
  it('write -> load gives the same policy; names are model.-prefixed, config.json is ACTConfig', async () => {
    const config = parsePolicyConfig({ dimModel: 16, nHeads: 2, dimFeedforward: 32, nEncoderLayers: 1, nVaeEncoderLayers: 1, latentDim: 4, chunkSize: 4 });
    const spec = observationSpec({ stateDim: 3, actionDim: 3, cameras: { top: [32, 64] } });
    const { policy } = buildActPolicy({ config, spec, vision: { width: 4, normalize: 'none' }, seed: 9 });
    const ckpt = join(dir, 'ours');
    await writeLeRobotCheckpoint(ckpt, policy, { backbone: 'resnet18', width: 4 });
    const header = await readSafetensorsHeader(join(ckpt, 'model.safetensors'));
    expect(header.tensors.every((t) => t.name.startsWith('model.'))).toBe(true);
    expect(header.tensors.map((t) => t.name)).toContain('model.backbone.layer2.0.downsample.0.weight');
    const json = JSON.parse(await readFile(join(ckpt, 'config.json'), 'utf8')) as Record<string, unknown>;
    expect(json).toMatchObject({ type: 'act', dim_model: 16, chunk_size: 4, n_vae_encoder_layers: 1, vision_backbone: 'actfusion-resnet18-w4', lerobot_compatible: false });
    const { policy: loaded } = await loadLeRobotPolicy(ckpt);
    const qpos = tf.randomNormal([2, 3], 0, 1, 'float32', 1) as tf.Tensor2D;
    const top = tf.randomNormal([2, 32, 64, 3], 0, 1, 'float32', 2) as tf.Tensor4D;
    const batchOf = (p: typeof policy) => assembleBatch(p.encoders, qpos, { 'observation.images.top': top });
    expect([...loaded.predictChunk(batchOf(loaded)).dataSync()]).toEqual([...policy.predictChunk(batchOf(policy)).dataSync()]);
    policy.dispose();
    loaded.dispose();
  });
});

describe('actfusion predict with a normalizer.json (a Trainer checkpoint)', () => {
  it('normalises the raw state, takes [0, 1] images through ImageNet normalisation, unnormalises the chunk', async () => {
    const config = parsePolicyConfig({ dimModel: 16, nHeads: 2, dimFeedforward: 32, nEncoderLayers: 1, nVaeEncoderLayers: 1, latentDim: 4, chunkSize: 3 });
    const spec = observationSpec({ stateDim: 2, actionDim: 2, cameras: { top: [32, 32] } });
    const { policy } = buildActPolicy({ config, spec, vision: { width: 4 }, seed: 4 }); // ImageNet inside, as trained
    const ckpt = join(dir, 'trained');
    await writeLeRobotCheckpoint(ckpt, policy, { width: 4 });
    const f = (xs: number[]): Float32Array => Float32Array.from(xs);
    const normalizer = Normalizer.fromStats({
      'observation.state': { mean: f([1, -2]), std: f([2, 0.5]), min: f([0, 0]), max: f([1, 1]) },
      action: { mean: f([10, 20]), std: f([3, 4]), min: f([0, 0]), max: f([1, 1]) },
    });
    await writeFile(join(ckpt, 'normalizer.json'), JSON.stringify(normalizer.toJSON()));
    const state = [[3, -1.5]];
    const image = tf.randomUniform([1, 32, 32, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
    const input = join(dir, 'raw.json');
    await writeFile(
      input,
      JSON.stringify({ 'observation.state': state, images: { 'observation.images.top': tf.transpose(image, [0, 3, 1, 2]).arraySync() } }),
    );
    const out = await runCli(['predict', '--checkpoint', ckpt, '--input', input, '--backend', 'cpu']);
    const got = (JSON.parse(out) as { action: number[][][] }).action.flat(2);
    // By hand: normalised state ((3-1)/2, (-1.5+2)/0.5) = (1, 1); chunk * std + mean.
    const net = policy.predictChunk(assembleBatch(policy.encoders, tf.tensor2d([[1, 1]]), { 'observation.images.top': image })).dataSync();
    const want = [...net].map((v, i) => v * [3, 4][i % 2]! + [10, 20][i % 2]!);
    got.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 4));
    policy.dispose();
  });
});
