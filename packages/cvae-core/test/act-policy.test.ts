import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import type { ObservationBatch } from '../src/contracts/observation-batch.js';
import { observationSpec, type ObservationSpec } from '@actfusion/contracts';
import { StyleEncoder } from '../src/cvae/style-encoder.js';
import { parsePolicyConfig } from '../src/policy/policy-config.js';
import { Rng } from '../src/random/rng.js';
import { PatchEncoder, QueryDecoder, smallActPolicy } from './fixtures/act-test-parts.js';
import { ActPolicy } from '../src/policy/act-policy.js';
import { useCpuBackend } from '../src/testing/index.js';

useCpuBackend();

const spec: ObservationSpec = observationSpec({ stateDim: 3, actionDim: 2, cameras: { top: [8, 8] } });
const k = 5;

function inputs(B: number, seed: number): { batch: ObservationBatch; action: tf.Tensor3D; isPad: tf.Tensor2D } {
  const r = new Rng(seed);
  const rand = (shape: number[]): tf.Tensor => tf.tensor(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r.normal()), shape);
  return {
    batch: { qpos: rand([B, 3]) as tf.Tensor2D, inputs: { backbone: { 'observation.images.top': tf.abs(rand([B, 8, 8, 3])) as tf.Tensor4D } } },
    action: rand([B, k, 2]) as tf.Tensor3D,
    isPad: tf.tensor2d(Array.from({ length: B * k }, (_, i) => (i % k >= 3 ? 1 : 0)), [B, k]),
  };
}

describe('ActPolicy', () => {
  it('names its tensors as LeRobot does (vae_encoder*, encoder.layers, encoder_1d_feature_pos_embed, action_head)', () => {
    const p = smallActPolicy(spec, { chunkSize: k }, 1);
    const names = [...p.stateDict().keys()];
    for (const n of [
      'vae_encoder.layers.0.self_attn.in_proj_weight',
      'vae_encoder_cls_embed.weight',
      'vae_encoder_robot_state_input_proj.weight',
      'vae_encoder_action_input_proj.bias',
      'vae_encoder_latent_output_proj.weight',
      'vae_encoder_pos_enc',
      'encoder.layers.0.linear1.weight',
      'encoder_latent_input_proj.weight',
      'encoder_robot_state_input_proj.weight',
      'encoder_1d_feature_pos_embed.weight',
      'action_head.weight',
    ]) {
      expect(names).toContain(n);
    }
    expect(p.stateDict().get('encoder_1d_feature_pos_embed.weight')!.shape).toEqual([2, 32]);
    expect(p.stateDict().get('vae_encoder_pos_enc')!.shape).toEqual([1, k + 2, 32]);
    p.dispose();
  });

  it('preNorm adds the final LayerNorm of both encoders (encoder.norm, vae_encoder.norm), post-norm has none', () => {
    const pre = smallActPolicy(spec, { chunkSize: k, preNorm: true }, 1);
    const post = smallActPolicy(spec, { chunkSize: k }, 1);
    expect([...pre.stateDict().keys()]).toEqual(expect.arrayContaining(['encoder.norm.weight', 'vae_encoder.norm.bias']));
    expect([...post.stateDict().keys()].filter((n) => /^(vae_)?encoder\.norm/.test(n))).toEqual([]);
    pre.dispose();
    post.dispose();
  });

  it('useVae: false drops the style encoder (the CVAE ablation) and its KL', () => {
    const p = smallActPolicy(spec, { chunkSize: k, useVae: false }, 1);
    expect([...p.stateDict().keys()].some((n) => n.startsWith('vae_encoder'))).toBe(false);
    const { batch, action, isPad } = inputs(2, 3);
    const r = p.computeLoss(batch, action, isPad, new Rng(1));
    expect(r.kl.dataSync()[0]).toBe(0);
    expect(r.loss.dataSync()[0]).toBeCloseTo(r.l1.dataSync()[0]!, 6);
    p.dispose();
  });

  it('computeLoss = l1 + klWeight * kl, gradients reach every trainable tensor, no tensor leaks', () => {
    const p = smallActPolicy(spec, { chunkSize: k, dropout: 0.1 }, 2);
    const { batch, action, isPad } = inputs(2, 4);
    const vars = p.trainableParameters();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      const rng = new Rng(10 + i);
      let l1 = 0;
      let kl = 0;
      const { value, grads } = tf.variableGrads(() => {
        const r = p.computeLoss(batch, action, isPad, rng);
        l1 = r.l1.dataSync()[0]!;
        kl = r.kl.dataSync()[0]!;
        return r.loss;
      }, vars.map(([, v]) => v));
      expect(kl).toBeGreaterThan(0);
      expect(value.dataSync()[0]).toBeCloseTo(l1 + 10 * kl, 4);
      const missing = vars.filter(([, v]) => !grads[v.name]).map(([n]) => n);
      expect(missing).toEqual([]);
      tf.dispose([value, ...Object.values(grads)]);
    }
    expect(tf.memory().numTensors).toBe(before);
    p.dispose();
  });

  it('the same Rng gives the same loss (noise and dropout are seeded), another Rng another loss', () => {
    const p = smallActPolicy(spec, { chunkSize: k, dropout: 0.2 }, 3);
    const { batch, action, isPad } = inputs(2, 5);
    const loss = (seed: number): number => tf.tidy(() => p.computeLoss(batch, action, isPad, new Rng(seed)).loss.dataSync()[0]!);
    expect(loss(7)).toBe(loss(7));
    expect(loss(7)).not.toBe(loss(8));
    p.dispose();
  });

  it('predictChunk: z = 0, no dropout even in training mode, [B, k, A]', () => {
    const p = smallActPolicy(spec, { chunkSize: k, dropout: 0.5 }, 4);
    const { batch } = inputs(3, 6);
    p.train();
    const a = p.predictChunk(batch);
    const b = p.predictChunk(batch);
    expect(a.shape).toEqual([3, k, 2]);
    expect([...a.dataSync()]).toEqual([...b.dataSync()]);
    expect(p.training).toBe(true);
    p.dispose();
  });
});

describe('ActPolicy checks what its encoders read', () => {
  it('an encoder reading a feature the spec lacks, or with another shape, fails at construction naming both', () => {
    const noCamera = observationSpec({ stateDim: 3, actionDim: 2, cameras: { side: [8, 8] } });
    const p = smallActPolicy(noCamera, { chunkSize: k }, 1); // the stand-in encoder takes the spec's first camera
    expect(p.encoders.map((e) => e.features.map((f) => f.key))).toEqual([['observation.images.side'], ['observation.state']]);
    p.dispose();
    const config = parsePolicyConfig({ dimModel: 32, nHeads: 2, dimFeedforward: 64, nEncoderLayers: 1, nVaeEncoderLayers: 1, latentDim: 8, chunkSize: k });
    const rng = new Rng(1);
    const top = new PatchEncoder(spec, 32, rng);
    const bigger = observationSpec({ stateDim: 3, actionDim: 2, cameras: { top: [16, 16] } });
    expect(() => new ActPolicy(config, noCamera, [top], new QueryDecoder(config, rng), rng)).toThrow(
      "ActPolicy: encoder 'backbone' reads feature 'observation.images.top', which the observation spec lacks (has observation.state, observation.images.side)",
    );
    expect(() => new ActPolicy(config, bigger, [top], new QueryDecoder(config, rng), rng)).toThrow(
      "ActPolicy: encoder 'backbone' reads 'observation.images.top' as image [8,8,3], but the observation spec has image [16,16,3]",
    );
    top.dispose();
  });
});

describe('StyleEncoder', () => {
  const config = parsePolicyConfig({ dimModel: 16, nHeads: 2, dimFeedforward: 32, nVaeEncoderLayers: 2, latentDim: 4, chunkSize: k });

  it('ignores padded action steps (key padding mask) but not valid ones', () => {
    const enc = new StyleEncoder(config, spec, new Rng(1)).eval();
    const { batch, action, isPad } = inputs(2, 7);
    const mu = (a: tf.Tensor3D): number[] => tf.tidy(() => [...enc.encode(batch.qpos, a, isPad).mu.dataSync()]);
    const base = mu(action);
    // Change only padded steps (3, 4): same posterior.
    const padMask = tf.expandDims(tf.cast(isPad, 'float32'), 2);
    const paddedChanged = tf.add(action, tf.mul(padMask, 5)) as tf.Tensor3D;
    const validChanged = tf.add(action, tf.mul(tf.sub(1, padMask), 5)) as tf.Tensor3D;
    const p = mu(paddedChanged);
    p.forEach((v, i) => expect(v).toBeCloseTo(base[i]!, 5));
    expect(Math.max(...mu(validChanged).map((v, i) => Math.abs(v - base[i]!)))).toBeGreaterThan(1e-3);
    enc.dispose();
  });

  it('names a wrong chunk length', () => {
    const enc = new StyleEncoder(config, spec, new Rng(1));
    expect(() => enc.encode(tf.zeros([1, 3]) as tf.Tensor2D, tf.zeros([1, 4, 2]) as tf.Tensor3D, tf.zeros([1, 4]) as tf.Tensor2D)).toThrow(
      /action has shape \[1,4,2\], expected \[B, 5, 2\]/,
    );
    enc.dispose();
  });
});
