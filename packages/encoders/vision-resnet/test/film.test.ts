import 'reflect-metadata';
import * as tf from '@tensorflow/tfjs-core';
import { container } from 'tsyringe';
import { describe, expect, it } from 'vitest';
import { parsePolicyConfig, Rng, type ModalityEncoder } from '@actfusion/cvae-core';
import { TOKENS } from '@actfusion/contracts';
import { observationSpec } from '@actfusion/contracts';
import { registerVisionResNet } from '../src/register-vision-resnet.js';
import type { VisionResNetEncoder } from '../src/vision-resnet-encoder.js';
import type { VisionResNetOptions } from '../src/vision-resnet-options.js';
import { useRuntime } from '@actfusion/cvae-core/testing';

const D = 16;
const spec = observationSpec({ stateDim: 4, actionDim: 4, cameras: { top: [64, 64] } });

useRuntime();

function build(options: VisionResNetOptions, seed = 5): VisionResNetEncoder {
  const c = container.createChildContainer();
  c.register(TOKENS.ObservationSpec, { useValue: spec });
  c.register(TOKENS.PolicyConfig, { useValue: parsePolicyConfig({ dimModel: D, nHeads: 2 }) });
  c.register(TOKENS.InitRng, { useValue: new Rng(seed) });
  registerVisionResNet(c, { width: 4, ...options });
  return c.resolveAll<ModalityEncoder>(TOKENS.ModalityEncoder)[0] as VisionResNetEncoder;
}

function fill(v: tf.Variable, seed: number): void {
  const t = tf.randomNormal(v.shape, 0, 0.5, 'float32', seed);
  v.assign(t);
  t.dispose();
}

describe('VisionResNetEncoder FiLM (MT-ACT)', () => {
  const img = () => tf.randomUniform([2, 64, 64, 3], 0, 1, 'float32', 11) as tf.Tensor4D;

  it('adds backbone_film.layer2..4 with Linear(D -> blocks*2*planes); backbone names unchanged', () => {
    const plain = build({});
    const film = build({ film: true });
    const names = film.namedParameters().map(([n]) => n);
    const shapes = Object.fromEntries(film.namedParameters().map(([n, v]) => [n, v.shape]));
    // ResNet18 width 4: planes 8, 16, 32 in layers 2..4, two blocks each.
    expect(shapes['backbone_film.layer2.weight']).toEqual([2 * 2 * 8, D]);
    expect(shapes['backbone_film.layer3.weight']).toEqual([2 * 2 * 16, D]);
    expect(shapes['backbone_film.layer4.weight']).toEqual([2 * 2 * 32, D]);
    expect(names).not.toContain('backbone_film.layer1.weight');
    expect(names.filter((n) => !n.startsWith('backbone_film.'))).toEqual(plain.namedParameters().map(([n]) => n));
    // FiLM weights do not draw from the init Rng: the rest of the encoder is initialised identically.
    const a = plain.backbone.layers[3]!.at(1).conv2.weight.dataSync();
    expect(film.backbone.layers[3]!.at(1).conv2.weight.dataSync()).toEqual(a);
    const custom = build({ film: { stages: [4] } });
    expect(custom.namedParameters().map(([n]) => n).filter((n) => n.startsWith('backbone_film'))).toEqual([
      'backbone_film.layer4.weight',
      'backbone_film.layer4.bias',
    ]);
    for (const e of [plain, film, custom]) e.dispose();
  });

  it('identity-initialised: a fresh FiLM gives exactly the tokens of no FiLM, for any conditioning', () => {
    const plain = build({});
    const film = build({ film: true });
    const x = img();
    const cond = tf.randomNormal([2, D], 0, 3, 'float32', 4) as tf.Tensor2D;
    const qpos = tf.zeros([2, 4]) as tf.Tensor2D;
    const before = tf.memory().numTensors;
    const a = plain.encode({ qpos, inputs: { vision: { 'observation.images.top': x } } }, { training: false });
    const b = film.encode({ qpos, inputs: { vision: { 'observation.images.top': x } } }, { training: false, conditioning: cond });
    expect(b.tokens.shape).toEqual([2, 4, D]);
    expect([...b.tokens.dataSync()]).toEqual([...a.tokens.dataSync()]);
    for (const t of [a.tokens, a.positions, b.tokens, b.positions]) t.dispose();
    expect(tf.memory().numTensors).toBe(before + 2); // each encoder's cached 2x2 sine table, nothing else
    for (const t of [x, cond, qpos]) t.dispose();
    plain.dispose();
    film.dispose();
  });

  it('with non-zero FiLM weights the conditioning changes the tokens, per sample', () => {
    const film = build({ film: true });
    for (const [i, [, v]] of film.backbone_film!.namedParameters().entries()) fill(v, 100 + i);
    const x = img();
    const qpos = tf.zeros([2, 4]) as tf.Tensor2D;
    const c1 = tf.tensor2d([Array.from({ length: D }, (_, i) => Math.sin(i)), Array.from({ length: D }, () => 0)]);
    const c2 = tf.tensor2d([Array.from({ length: D }, (_, i) => Math.cos(i)), Array.from({ length: D }, () => 0)]);
    const t1 = film.encode({ qpos, inputs: { vision: { 'observation.images.top': x } } }, { training: false, conditioning: c1 });
    const t2 = film.encode({ qpos, inputs: { vision: { 'observation.images.top': x } } }, { training: false, conditioning: c2 });
    const diff = tf.abs(tf.sub(t1.tokens, t2.tokens));
    const perSample = tf.max(diff, [1, 2]).dataSync();
    expect(perSample[0]).toBeGreaterThan(1e-3); // sample 0's conditioning differs
    expect(perSample[1]).toBe(0); // sample 1's conditioning is the same in both calls
    tf.dispose([x, qpos, c1, c2, t1.tokens, t1.positions, t2.tokens, t2.positions, diff]);
    film.dispose();
  });

  it('gradients reach the FiLM Linears through the tokens', () => {
    const film = build({ film: true });
    for (const [i, [, v]] of film.backbone_film!.namedParameters().entries()) fill(v, 200 + i);
    const x = img();
    const cond = tf.randomNormal([2, D], 0, 1, 'float32', 9) as tf.Tensor2D;
    const vars = film.backbone_film!.namedParameters().map(([, v]) => v);
    const { grads, value } = tf.variableGrads(
      () => tf.tidy(() => tf.mean(tf.square(film.encode({ qpos: tf.zeros([2, 4]), inputs: { vision: { 'observation.images.top': x } } }, { training: true, conditioning: cond }).tokens))) as tf.Scalar,
      vars,
    );
    for (const v of vars) expect(tf.max(tf.abs(grads[v.name]!)).dataSync()[0]).toBeGreaterThan(0);
    tf.dispose([x, cond, value, ...Object.values(grads)]);
    film.dispose();
  });

  it('fails clearly without conditioning or with the wrong width', () => {
    const film = build({ film: true });
    const x = tf.zeros([1, 64, 64, 3]) as tf.Tensor4D;
    const qpos = tf.zeros([1, 4]) as tf.Tensor2D;
    expect(() => film.encode({ qpos, inputs: { vision: { 'observation.images.top': x } } }, { training: false })).toThrow(/film is on but the encode context has no conditioning/);
    const bad = tf.zeros([1, D + 1]) as tf.Tensor2D;
    expect(() => film.encode({ qpos, inputs: { vision: { 'observation.images.top': x } } }, { training: false, conditioning: bad })).toThrow(/conditioning has shape \[1,17\], expected \[B, 16\]/);
    expect(() => build({ film: { stages: [5] } })).toThrow(/stage 5 does not exist/);
    tf.dispose([x, qpos, bad]);
    film.dispose();
  });
});
