import 'reflect-metadata';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { container } from 'tsyringe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createRuntime,
  loadTorchvisionResNet,
  parsePolicyConfig,
  ResNet,
  Rng,
  TOKENS,
  writeSafetensors,
  type ModalityEncoder,
  type Observation,
  type ObservationBatch,
  type ObservationSpec,
  type TensorRuntime,
} from '@actfusion/cvae-core';
import { collateTaxels } from '../src/collate-taxels.js';
import { registerVisuoTactileEncoder } from '../src/register-visuo-tactile-encoder.js';
import type { VisuoTactileEncoder } from '../src/visuo-tactile-encoder.js';
import type { VisuoTactileOptions } from '../src/visuo-tactile-options.js';

const D = 16;
const spec: ObservationSpec = {
  stateDim: 3,
  actionDim: 3,
  cameras: {},
  tactile: { left: [64, 64], right: [32, 64], pad: [4, 3] },
};

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
    images: {},
    tactile: {
      left: tf.randomUniform([B, 64, 64, 3], 0, 1, 'float32', seed) as tf.Tensor4D,
      right: tf.randomUniform([B, 32, 64, 3], 0, 1, 'float32', seed + 1) as tf.Tensor4D,
      pad: tf.randomUniform([B, 4, 3, 1], 0, 5, 'float32', seed + 2) as tf.Tensor4D,
    },
  };
}

function disposeBatch(b: ObservationBatch): void {
  tf.dispose([b.qpos, ...Object.values(b.tactile ?? {})]);
}

describe('VisuoTactileEncoder', () => {
  it('registers in the child container only; defaults to every spec sensor as an image', () => {
    const e = build({}, { ...spec, tactile: { left: [64, 64], right: [32, 64] } });
    expect(container.isRegistered(TOKENS.ModalityEncoder, true)).toBe(false);
    expect(e.sensors).toEqual(['left', 'right']);
    expect(e.inputs).toEqual(['tactile.left', 'tactile.right']);
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
    const s2: ObservationSpec = { ...spec, tactile: { a: [32, 32], b: [32, 32] } };
    const img = tf.randomUniform([1, 32, 32, 3], 0, 1, 'float32', 8) as tf.Tensor4D;
    const batch: ObservationBatch = { qpos: tf.zeros([1, 3]), images: {}, tactile: { a: img, b: img } };
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
    const b2: ObservationBatch = { ...b1, tactile: { ...b1.tactile, pad: tf.zeros([1, 4, 3, 1]) } };
    const t1 = e.encode(b1, { training: false }).tokens;
    const t2 = e.encode(b2, { training: false }).tokens;
    const d = tf.max(tf.abs(tf.sub(t1, t2)), [0, 2]).dataSync();
    expect([...d.slice(0, 6)]).toEqual([0, 0, 0, 0, 0, 0]);
    expect(d[6]).toBeGreaterThan(0);
    tf.dispose([t1, t2, b2.tactile!.pad!]);
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
    expect(() => build({ sensors: ['thumb'] })).toThrow(/tactile sensor 'thumb' is not in the observation spec \(has left, right, pad\)/);
    expect(() => build({ sensors: ['left'], taxels: ['left'] })).toThrow(/sensor 'left' is listed both/);
    expect(() => build({}, { ...spec, tactile: {} })).toThrow(/no tactile sensor to encode/);
    const e = build({ taxels: ['pad'] });
    const b = batchOf(1);
    const noRight: ObservationBatch = { ...b, tactile: { left: b.tactile!.left!, pad: b.tactile!.pad! } };
    expect(() => e.encode(noRight, { training: false })).toThrow(/batch\.tactile has no sensor 'right' \(has left, pad\)/);
    const gray: ObservationBatch = { ...b, tactile: { ...b.tactile, right: tf.zeros([1, 32, 64, 1]) } };
    expect(() => e.encode(gray, { training: false })).toThrow(/batch\.tactile\.right has shape \[1,32,64,1\], expected \[1, 32, 64, 3\] \(an image, NHWC\)/);
    tf.dispose(gray.tactile!.right!);
    disposeBatch(b);
    e.dispose();
  });

  it('collateTaxels stacks raw taxel forces [B, rows, cols, 1] and names a missing reading', () => {
    const obs = (f: number): Observation => ({
      qpos: new Float32Array(3),
      images: {},
      tactile: { pad: { rows: 2, cols: 2, data: Float32Array.from([f, 0, 0, 2 * f]) } },
    });
    const t = collateTaxels([obs(1), obs(3)], ['pad'], { scale: 2 });
    expect(t.pad!.shape).toEqual([2, 2, 2, 1]);
    expect([...t.pad!.dataSync()]).toEqual([0.5, 0, 0, 1, 1.5, 0, 0, 3]);
    t.pad!.dispose();
    expect(() => collateTaxels([obs(1), { qpos: new Float32Array(3), images: {} }], ['pad'])).toThrow("collateTaxels: sample 1 has no tactile reading 'tactile.pad'");
  });
});
