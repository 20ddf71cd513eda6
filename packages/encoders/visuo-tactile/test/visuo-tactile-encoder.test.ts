import 'reflect-metadata';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { container } from 'tsyringe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createRuntime,
  parsePolicyConfig,
  Rng,
  type ModalityEncoder,
  type ObservationBatch,
  type TensorRuntime,
} from '@actfusion/cvae-core';
import { writeSafetensors } from '@actfusion/cvae-core/io';
import { loadTorchvisionResNet } from '@actfusion/encoder-vision-resnet';
import { ResNet } from '@actfusion/encoder-vision-resnet';
import { TOKENS, type ObservationSpec } from '@actfusion/contracts';
import { observationSpec, type Observation } from '@actfusion/contracts';
import { registerVisuoTactileEncoder } from '../src/register-visuo-tactile-encoder.js';
import type { VisuoTactileEncoder } from '../src/visuo-tactile-encoder.js';
import type { VisuoTactileOptions } from '../src/visuo-tactile-options.js';

const D = 16;
const spec: ObservationSpec = observationSpec({
  stateDim: 3,
  actionDim: 3,
  tactile: { left: [64, 64], right: [32, 64] },
  taxels: { pad: [4, 3] },
});
const L = 'observation.tactile.left';
const R = 'observation.tactile.right';
const PAD = 'observation.taxels.pad';
const tactileOf = (b: ObservationBatch) => b.inputs.tactile as Record<string, tf.Tensor4D>;

let runtime: TensorRuntime;
let dir: string;
beforeAll(async () => {
  runtime = await createRuntime({ backend: 'cpu', seed: 1 });
  dir = await mkdtemp(join(tmpdir(), 'visuo-tactile-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  runtime.dispose();
});

function build(options: VisuoTactileOptions, s: ObservationSpec = spec): VisuoTactileEncoder {
  const c = container.createChildContainer();
  c.register(TOKENS.ObservationSpec, { useValue: s });
  c.register(TOKENS.PolicyConfig, { useValue: parsePolicyConfig({ dimModel: D, nHeads: 2 }) });
  c.register(TOKENS.InitRng, { useValue: new Rng(3) });
  registerVisuoTactileEncoder(c, { width: 4, ...options });
  const all = c.resolveAll<ModalityEncoder>(TOKENS.ModalityEncoder);
  expect(all).toHaveLength(1);
  return all[0] as VisuoTactileEncoder;
}

function batchOf(B: number, seed = 1): ObservationBatch {
  return {
    qpos: tf.zeros([B, 3]),
    inputs: {
      tactile: {
        [L]: tf.randomUniform([B, 64, 64, 3], 0, 1, 'float32', seed) as tf.Tensor4D,
        [R]: tf.randomUniform([B, 32, 64, 3], 0, 1, 'float32', seed + 1) as tf.Tensor4D,
        [PAD]: tf.randomUniform([B, 4, 3, 1], 0, 5, 'float32', seed + 2) as tf.Tensor4D,
      },
    },
  };
}

function disposeBatch(b: ObservationBatch): void {
  tf.dispose([b.qpos, ...Object.values(b.inputs.tactile ?? {})]);
}

describe('VisuoTactileEncoder', () => {
  it('registers in the child container only; defaults to every spec sensor as an image', () => {
    const e = build({});
    expect(container.isRegistered(TOKENS.ModalityEncoder, true)).toBe(false);
    expect(e.sensors).toEqual(['left', 'right']);
    expect(e.features).toEqual([
      { key: L, kind: 'tactile-image', shape: [64, 64, 3] },
      { key: R, kind: 'tactile-image', shape: [32, 64, 3] },
    ]);
    const t = build({ taxels: ['pad'] });
    expect(t.features.map((f) => f.key)).toEqual([L, R, PAD]);
    t.dispose();
    e.dispose();
  });

  it('token counts and shapes: (h/32)(w/32) tokens per tactile image, one per taxel grid, sensor order', () => {
    const e = build({ taxels: ['pad'] });
    expect(e.sensors).toEqual(['left', 'right']);
    expect(e.tokenCount(spec)).toBe(2 * 2 + 1 * 2 + 1);
    const b = batchOf(2);
    const before = tf.memory().numTensors;
    const ts = e.encode(b, { training: false });
    expect(ts.tokens.shape).toEqual([2, 7, D]);
    expect(ts.positions.shape).toEqual([7, D]);
    // The taxel token's position is its learned row.
    const last = tf.slice(ts.positions, [6, 0], [1, D]);
    expect([...last.dataSync()]).toEqual([...e.tactile_taxel_pos_embed!.weight.dataSync()]);
    tf.dispose([ts.tokens, ts.positions, last]);
    expect(tf.memory().numTensors).toBe(before + 2); // the cached 2x2 and 1x2 sine tables
    disposeBatch(b);
    e.dispose();
  });

  it('names: one backbone per sensor (separate weights) or shared; its own 1x1 projection; taxel MLP', () => {
    const per = build({ taxels: ['pad'] });
    const names = per.namedParameters().map(([n]) => n);
    expect(names).toContain('tactile_backbones.0.conv1.weight');
    expect(names).toContain('tactile_backbones.1.layer4.1.conv2.weight');
    expect(names).not.toContain('tactile_backbones.2.conv1.weight');
    expect(names.filter((n) => n.startsWith('backbone.') || n.startsWith('encoder_img_feat_input_proj'))).toEqual([]);
    const shapes = new Map(per.namedParameters().map(([n, v]) => [n, v.shape]));
    expect(shapes.get('encoder_tactile_feat_input_proj.weight')).toEqual([D, 32, 1, 1]) // PyTorch layout [out, in, kh, kw];
    expect(shapes.get('tactile_taxel_mlps.0.fc1.weight')).toEqual([128, 4 * 3 * 1]);
    expect(shapes.get('tactile_taxel_mlps.0.fc2.weight')).toEqual([D, 128]);
    expect(shapes.get('tactile_taxel_pos_embed.weight')).toEqual([1, D]);
    expect(per.namedBuffers().map(([n]) => n)).toContain('tactile_backbones.1.bn1.running_mean');
    const w0 = per.tactile_backbones!.at(0).conv1.weight.dataSync();
    expect(tf.util.arraysEqual(w0, per.tactile_backbones!.at(1).conv1.weight.dataSync())).toBe(false);
    const shared = build({ sharedBackbone: true });
    expect(shared.namedParameters().map(([n]) => n).filter((n) => n.startsWith('tactile_backbones.1'))).toEqual([]);
    expect(shared.parameterCount()).toBe(new ResNet(18, 4).parameterCount() + (32 * D + D));
    per.dispose();
    shared.dispose();
  });

  it('a shared backbone encodes the same image alike for both sensors; separate backbones do not', () => {
    const s2: ObservationSpec = observationSpec({ stateDim: 3, actionDim: 3, tactile: { a: [32, 32], b: [32, 32] } });
    const img = tf.randomUniform([1, 32, 32, 3], 0, 1, 'float32', 8) as tf.Tensor4D;
    const batch: ObservationBatch = { qpos: tf.zeros([1, 3]), inputs: { tactile: { 'observation.tactile.a': img, 'observation.tactile.b': img } } };
    for (const [sharedBackbone, equal] of [[true, true], [false, false]] as const) {
      const e = build({ sharedBackbone }, s2);
      const ts = e.encode(batch, { training: false });
      const [a, b] = tf.split(ts.tokens, 2, 1);
      expect(tf.util.arraysEqual(a!.dataSync(), b!.dataSync())).toBe(equal);
      tf.dispose([ts.tokens, ts.positions, a!, b!]);
      e.dispose();
    }
    tf.dispose([img, batch.qpos]);
  });

  it('gradients flow to every trainable tensor (both backbones, projection, taxel MLP and position)', () => {
    const e = build({ taxels: ['pad'] });
    const b = batchOf(2, 4);
    const params = e.trainableParameters();
    const { value, grads } = tf.variableGrads(
      () => tf.tidy(() => tf.mean(tf.square(tf.add(e.encode(b, { training: true }).tokens, e.encode(b, { training: true }).positions)))) as tf.Scalar,
      params.map(([, v]) => v),
    );
    const dead = params.filter(([, v]) => !grads[v.name] || tf.tidy(() => tf.max(tf.abs(grads[v.name]!)).dataSync()[0]) === 0).map(([n]) => n);
    expect(dead).toEqual([]);
    tf.dispose([value, ...Object.values(grads)]);
    disposeBatch(b);
    e.dispose();
  });

  it('taxel forces change only the taxel token', () => {
    const e = build({ taxels: ['pad'] });
    const b1 = batchOf(1, 4);
    const b2: ObservationBatch = { ...b1, inputs: { tactile: { ...tactileOf(b1), [PAD]: tf.zeros([1, 4, 3, 1]) } } };
    const t1 = e.encode(b1, { training: false }).tokens;
    const t2 = e.encode(b2, { training: false }).tokens;
    const d = tf.max(tf.abs(tf.sub(t1, t2)), [0, 2]).dataSync();
    expect([...d.slice(0, 6)]).toEqual([0, 0, 0, 0, 0, 0]);
    expect(d[6]).toBeGreaterThan(0);
    tf.dispose([t1, t2, tactileOf(b2)[PAD]!]);
    disposeBatch(b1);
    e.dispose();
  });

  it('loads torchvision-layout ResNet weights into a tactile backbone (ImageNet init, as FreeTacMan)', async () => {
    const e = build({});
    const src = new ResNet(18, 4, new Rng(99));
    const path = join(dir, 'tactile-resnet.safetensors');
    await writeSafetensors(path, src.stateDict());
    await loadTorchvisionResNet(e.tactile_backbones!.at(1), path);
    expect(e.tactile_backbones!.at(1).layers[2]!.at(0).conv1.weight.dataSync()).toEqual(src.layers[2]!.at(0).conv1.weight.dataSync());
    expect(tf.util.arraysEqual(e.tactile_backbones!.at(0).conv1.weight.dataSync(), src.conv1.weight.dataSync())).toBe(false);
    src.dispose();
    e.dispose();
  });

  it('errors name the sensor, the shape and what was expected', () => {
    expect(() => build({ sensors: ['thumb'] })).toThrow(
      /'observation.tactile.thumb' is not a tactile-image feature of the observation spec \(tactile features: observation.tactile.left, observation.tactile.right, observation.taxels.pad\)/,
    );
    expect(() => build({ taxels: ['left'] })).toThrow(/'observation.taxels.left' is not a taxels feature/);
    expect(() => build({ sensors: ['left', 'left'] })).toThrow(/a sensor is listed twice in sensors \[left, left\]/);
    expect(() => build({}, observationSpec({ stateDim: 3, actionDim: 3 }))).toThrow(/no tactile sensor to encode/);
    const e = build({ taxels: ['pad'] });
    const b = batchOf(1);
    const noRight: ObservationBatch = { ...b, inputs: { tactile: { [L]: tactileOf(b)[L]!, [PAD]: tactileOf(b)[PAD]! } } };
    expect(() => e.encode(noRight, { training: false })).toThrow(
      /the batch has no tensor 'observation.tactile.right' for this encoder \(has observation.tactile.left, observation.taxels.pad\)/,
    );
    const gray: ObservationBatch = { ...b, inputs: { tactile: { ...tactileOf(b), [R]: tf.zeros([1, 32, 64, 1]) } } };
    expect(() => e.encode(gray, { training: false })).toThrow(
      /input 'observation\.tactile\.right' has shape \[1,32,64,1\], expected \[1, 32, 64, 3\] \(an image, NHWC\)/,
    );
    tf.dispose(tactileOf(gray)[R]!);
    disposeBatch(b);
    e.dispose();
  });

  it('featurises tactile images to [B, H, W, 3] in [0, 1] and taxels to [B, rows, cols, 1] / taxelScale, by key', () => {
    const s2 = observationSpec({ stateDim: 3, actionDim: 3, tactile: { left: [2, 2] }, taxels: { pad: [2, 2] } });
    const e = build({ taxels: ['pad'], taxelScale: 2 }, s2);
    const obs = (f: number): Observation => ({
      'observation.state': new Float32Array(3),
      [L]: { height: 2, width: 2, data: new Uint8Array(12).fill(255) },
      [PAD]: Float32Array.from([f, 0, 0, 2 * f]),
    });
    const before = tf.memory().numTensors;
    const part = e.featurise([obs(1), obs(3)]);
    expect(Object.keys(part)).toEqual([L, PAD]);
    expect(part[L]!.shape).toEqual([2, 2, 2, 3]);
    expect(tf.tidy(() => tf.min(part[L]!).dataSync()[0])).toBe(1);
    expect(part[PAD]!.shape).toEqual([2, 2, 2, 1]);
    expect([...part[PAD]!.dataSync()]).toEqual([0.5, 0, 0, 1, 1.5, 0, 0, 3]);
    tf.dispose(Object.values(part));
    const { [PAD]: _gone, ...noPad } = obs(1);
    expect(() => e.featurise([obs(1), noPad as Observation])).toThrow(/VisuoTactileEncoder: sample 1 has no feature 'observation.taxels.pad'/);
    expect(tf.memory().numTensors).toBe(before);
    e.dispose();
  });
});
