import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRuntime, Normalizer, parsePolicyConfig, type TensorRuntime } from '@actfusion/cvae-core';
import { writeLeRobotCheckpoint } from '@actfusion/cvae-core/io';
import { observationSpec } from '@actfusion/contracts';
import { buildActPolicy } from '../src/act/build-act-policy.js';
import { buildProgram } from '../src/cli.js';
import { OnnxChunkPredictor } from '../src/deploy/onnx-chunk-predictor.js';
import { randomizeFrozenState, maxAbsDiff } from './support/onnx-variants.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'parity');
let runtime: TensorRuntime;
let dir: string;
beforeAll(async () => {
  runtime = await createRuntime({ backend: 'cpu', seed: 1 });
  dir = await mkdtemp(join(tmpdir(), 'actfusion-export-'));
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
  const err = vi.spyOn(console, 'error').mockImplementation(() => undefined);
  try {
    await buildProgram().exitOverride().parseAsync(['node', 'actfusion', ...args]);
  } finally {
    spy.mockRestore();
    err.mockRestore();
  }
  return out;
}

describe('actfusion export --format onnx', () => {
  it('a PyTorch-made LeRobot checkpoint: the file reproduces PyTorch in ONNX Runtime (float NCHW images)', async () => {
    const ckpt = join(fixtures, 'six-dof');
    const file = join(dir, 'six-dof.onnx');
    await runCli(['export', '--checkpoint', ckpt, '--format', 'onnx', '--out', file, '--image-input', 'float-chw']);
    const parity = JSON.parse(await readFile(join(ckpt, 'parity.json'), 'utf8')) as {
      'observation.state': number[][];
      images: Record<string, number[][][][]>;
      action: number[][][];
    };
    const session = await ort.InferenceSession.create(file);
    try {
      expect(session.inputNames).toEqual(['observation.state', 'observation.images.cam0']);
      const img = parity.images['observation.images.cam0']!;
      const out = await session.run({
        'observation.state': new ort.Tensor('float32', Float32Array.from(parity['observation.state'].flat()), [2, 6]),
        'observation.images.cam0': new ort.Tensor('float32', Float32Array.from(img.flat(3)), [2, 3, 64, 96]),
      });
      expect(out['action']!.dims).toEqual([2, 12, 6]);
      expect(maxAbsDiff(out['action']!.data as Float32Array, parity.action.flat(2))).toBeLessThan(1e-4);
    } finally {
      await session.release();
    }
  });

  it('a Trainer checkpoint with normalizer.json: raw observations in, robot units out, equal to predict', async () => {
    const config = parsePolicyConfig({ dimModel: 16, nHeads: 2, dimFeedforward: 32, nEncoderLayers: 1, nVaeEncoderLayers: 1, latentDim: 4, chunkSize: 3 });
    const spec = observationSpec({ stateDim: 2, actionDim: 2, cameras: { top: [32, 32] } });
    const { policy } = buildActPolicy({ config, spec, vision: { width: 4 }, seed: 4 });
    randomizeFrozenState(policy, 9);
    const ckpt = join(dir, 'trained');
    await writeLeRobotCheckpoint(ckpt, policy, { width: 4 });
    policy.dispose();
    const f = (xs: number[]): Float32Array => Float32Array.from(xs);
    const normalizer = Normalizer.fromStats({
      'observation.state': { mean: f([1, -2]), std: f([2, 0.5]), min: f([0, 0]), max: f([1, 1]) },
      action: { mean: f([10, 20]), std: f([3, 4]), min: f([0, 0]), max: f([1, 1]) },
    });
    await writeFile(join(ckpt, 'normalizer.json'), JSON.stringify(normalizer.toJSON()));
    const bytes = Uint8Array.from({ length: 32 * 32 * 3 }, (_, i) => (i * 37) % 256);
    const state = [3, -1.5];
    // predict takes [0, 1] images NCHW in the parity.json layout.
    const chw = [[0, 1, 2].map((c) => Array.from({ length: 32 }, (_, y) => Array.from({ length: 32 }, (_, x) => bytes[(y * 32 + x) * 3 + c]! / 255)))];
    const input = join(dir, 'raw.json');
    await writeFile(input, JSON.stringify({ 'observation.state': [state], images: { 'observation.images.top': chw } }));
    const viaTfjs = (JSON.parse(await runCli(['predict', '--checkpoint', ckpt, '--input', input, '--backend', 'cpu'])) as { action: number[][][] }).action.flat(2);
    const viaOnnx = (JSON.parse(await runCli(['predict', '--checkpoint', ckpt, '--input', input, '--runtime', 'onnx', '--threads', '2'])) as { action: number[][][] }).action.flat(2);
    expect(maxAbsDiff(viaOnnx, viaTfjs)).toBeLessThan(1e-4);

    const file = join(dir, 'trained.onnx');
    await runCli(['export', '--checkpoint', ckpt, '--out', file]);
    const predictor = await OnnxChunkPredictor.create(file, { threads: 1 });
    try {
      expect([predictor.chunkSize, predictor.actionDim]).toEqual([3, 2]);
      const chunk = await predictor.predict({ 'observation.state': f(state), 'observation.images.top': { height: 32, width: 32, data: bytes } });
      expect(chunk).toHaveLength(3);
      expect(maxAbsDiff(chunk.flatMap((a) => [...a]), viaTfjs)).toBeLessThan(1e-4);
      await expect(predictor.predict({ 'observation.state': f(state) })).rejects.toThrow(/input 'observation\.images\.top'.*has no feature 'observation\.images\.top'/);
    } finally {
      await predictor.dispose();
    }
  });

  it('refuses an unknown format or image layout, naming the option', async () => {
    const ckpt = join(fixtures, 'six-dof');
    await expect(runCli(['export', '--checkpoint', ckpt, '--out', join(dir, 'x.onnx'), '--format', 'tflite'])).rejects.toThrow(/--format: expected onnx, got 'tflite'/);
    await expect(runCli(['export', '--checkpoint', ckpt, '--out', join(dir, 'x.onnx'), '--image-input', 'nhwc'])).rejects.toThrow(/--image-input: expected uint8-hwc or float-chw/);
    await expect(runCli(['predict', '--checkpoint', ckpt, '--input', 'x.json', '--runtime', 'tensorrt'])).rejects.toThrow(/--runtime: expected tfjs or onnx/);
  });
});
