import 'reflect-metadata';
import * as tf from '@tensorflow/tfjs-core';
import { container } from 'tsyringe';
import { describe, expect, it } from 'vitest';
import { ActPolicy,  parsePolicyConfig, Rng } from '@actfusion/cvae-core';
import { TOKENS, type ObservationSpec } from '@actfusion/contracts';
import { registerTransformerDecoder } from '@actfusion/decoder-transformer';
import { registerJointsEncoder } from '@actfusion/encoder-joints';
import { registerVisionResNet, type VisionResNetEncoder } from '@actfusion/encoder-vision-resnet';
import { observationSpec } from '@actfusion/contracts';
import { registerLanguageEncoder } from '../src/register-language-encoder.js';
import { languageBatch } from './helpers.js';
import { useRuntime } from '@actfusion/cvae-core/testing';

const D = 16;
const E = 384;
const k = 4;
const spec: ObservationSpec = observationSpec({ stateDim: 3, actionDim: 3, cameras: { top: [64, 64] }, task: true });

useRuntime();

/** MT-ACT as parts: language (Conditioner) + joints + FiLM'd ResNet + DETR decoder, in a child container. */
function mtAct(): ActPolicy {
  const c = container.createChildContainer();
  c.register(TOKENS.ObservationSpec, { useValue: spec });
  c.register(TOKENS.PolicyConfig, {
    useValue: parsePolicyConfig({ dimModel: D, nHeads: 2, dimFeedforward: 32, nEncoderLayers: 1, nVaeEncoderLayers: 1, latentDim: 4, chunkSize: k, dropout: 0 }),
  });
  c.register(TOKENS.InitRng, { useValue: new Rng(7) });
  registerLanguageEncoder(c);
  registerJointsEncoder(c);
  registerVisionResNet(c, { width: 4, film: true });
  registerTransformerDecoder(c);
  c.register(ActPolicy, { useClass: ActPolicy });
  return c.resolve(ActPolicy);
}

describe('ActPolicy with the language encoder and FiLM (MT-ACT)', () => {
  const inputs = (seeds: number[]) => ({
    batch: {
      qpos: tf.randomNormal([seeds.length, 3], 0, 1, 'float32', 1) as tf.Tensor2D,
      inputs: {
        vision: { 'observation.images.top': tf.randomUniform([seeds.length, 64, 64, 3], 0, 1, 'float32', 2) as tf.Tensor4D },
        language: { task: languageBatch(E, seeds) },
      },
    },
    action: tf.randomNormal([seeds.length, k, 3], 0, 1, 'float32', 3) as tf.Tensor3D,
    isPad: tf.tensor2d(seeds.map(() => [0, 0, 0, 1])),
  });

  it('has MT-ACT names: proj_text_emb, backbone_film.layer2..4, a 1-D position row for the task token', () => {
    const p = mtAct();
    const shapes = new Map(p.namedParameters().map(([n, v]) => [n, v.shape]));
    expect(shapes.get('proj_text_emb.weight')).toEqual([D, E]);
    expect(shapes.get('backbone_film.layer2.weight')).toEqual([2 * 2 * 8, D]);
    expect(shapes.get('backbone_film.layer4.bias')).toEqual([2 * 2 * 32]);
    expect(shapes.get('encoder_robot_state_input_proj.weight')).toEqual([D, 3]);
    // latent, task (language), proprio (joints): MT-ACT's additional_pos_embed has 3 rows.
    expect(shapes.get('encoder_1d_feature_pos_embed.weight')).toEqual([3, D]);
    p.dispose();
  });

  it('computes a finite loss; gradients reach proj_text_emb and the FiLM Linears; no tensor leaks', () => {
    const p = mtAct();
    const { batch, action, isPad } = inputs([1, 2]);
    const params = p.trainableParameters();
    const want = ['proj_text_emb.weight', 'backbone_film.layer2.weight', 'backbone_film.layer3.bias', 'backbone_film.layer4.weight'];
    p.predictChunk(batch).dispose(); // warm up: the ResNet caches its 2-D sine table
    const before = tf.memory().numTensors;
    const { value, grads } = tf.variableGrads(() => p.computeLoss(batch, action, isPad, new Rng(5)).loss, params.map(([, v]) => v));
    const loss = value.dataSync()[0]!;
    expect(Number.isFinite(loss)).toBe(true);
    expect(loss).toBeGreaterThan(0);
    const byName = new Map(params.map(([n, v]) => [n, grads[v.name]]));
    for (const n of want) expect(tf.tidy(() => tf.max(tf.abs(byName.get(n)!)).dataSync()[0]), n).toBeGreaterThan(0);
    tf.dispose([value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([batch.qpos, ...Object.values(batch.inputs.vision), ...Object.values(batch.inputs.language), action, isPad]);
    p.dispose();
  });

  it('the instruction changes the predicted chunk, through the token and (once trained) through FiLM', () => {
    const p = mtAct();
    const a = inputs([1, 1]);
    const b = inputs([1, 9]); // sample 1 gets another instruction
    const diff = (): Float32Array => {
      const ca = p.predictChunk(a.batch);
      const cb = p.predictChunk(b.batch);
      const d = tf.max(tf.abs(tf.sub(ca, cb)), [1, 2]);
      const out = d.dataSync() as Float32Array;
      tf.dispose([ca, cb, d]);
      return out;
    };
    const d1 = diff();
    expect(d1[0]).toBe(0);
    expect(d1[1]).toBeGreaterThan(0);
    // FiLM alone: a non-zero FiLM makes the vision tokens depend on the instruction.
    const vision = p.encoders.find((e) => e.name === 'vision') as VisionResNetEncoder;
    const x = { ...a.batch };
    const cond1 = tf.tidy(() => tf.mul(tf.ones([2, D]), 0.5)) as tf.Tensor2D;
    const cond2 = tf.tidy(() => tf.mul(tf.ones([2, D]), -0.5)) as tf.Tensor2D;
    const same = (): boolean => {
      const t1 = vision.encode(x, { training: false, conditioning: cond1 });
      const t2 = vision.encode(x, { training: false, conditioning: cond2 });
      const eq = tf.util.arraysEqual(t1.tokens.dataSync(), t2.tokens.dataSync());
      tf.dispose([t1.tokens, t1.positions, t2.tokens, t2.positions]);
      return eq;
    };
    expect(same()).toBe(true); // identity-initialised
    for (const [i, [, v]] of vision.backbone_film!.namedParameters().entries()) {
      const t = tf.randomNormal(v.shape, 0, 0.3, 'float32', 50 + i);
      v.assign(t);
      t.dispose();
    }
    expect(same()).toBe(false);
    tf.dispose([cond1, cond2]);
    for (const s of [a, b]) tf.dispose([s.batch.qpos, ...Object.values(s.batch.inputs.vision), ...Object.values(s.batch.inputs.language), s.action, s.isPad]);
    p.dispose();
  });
});
