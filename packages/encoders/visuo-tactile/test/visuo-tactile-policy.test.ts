import 'reflect-metadata';
import * as tf from '@tensorflow/tfjs-core';
import { container } from 'tsyringe';
import { describe, expect, it } from 'vitest';
import { ActPolicy,  parsePolicyConfig, Rng } from '@actfusion/cvae-core';
import { TOKENS, type ObservationSpec } from '@actfusion/contracts';
import { registerTransformerDecoder } from '@actfusion/decoder-transformer';
import { registerJointsEncoder } from '@actfusion/encoder-joints';
import { registerVisionResNet } from '@actfusion/encoder-vision-resnet';
import { observationSpec } from '@actfusion/contracts';
import { registerVisuoTactileEncoder } from '../src/register-visuo-tactile-encoder.js';
import { useRuntime } from '@actfusion/cvae-core/testing';

const D = 16;
const k = 4;
const spec: ObservationSpec = observationSpec({
  stateDim: 3,
  actionDim: 3,
  cameras: { top: [64, 64] },
  tactile: { left_finger: [32, 32], right_finger: [32, 32] },
  taxels: { palm: [4, 4] },
});
const RIGHT = 'observation.tactile.right_finger';

useRuntime();

/** Visuo-tactile ACT as parts, in a child container: joints + RGB ResNet + tactile ResNets/taxel MLP + DETR decoder. */
function visuoTactileAct(): ActPolicy {
  const c = container.createChildContainer();
  c.register(TOKENS.ObservationSpec, { useValue: spec });
  c.register(TOKENS.PolicyConfig, {
    useValue: parsePolicyConfig({ dimModel: D, nHeads: 2, dimFeedforward: 32, nEncoderLayers: 1, nVaeEncoderLayers: 1, latentDim: 4, chunkSize: k, dropout: 0 }),
  });
  c.register(TOKENS.InitRng, { useValue: new Rng(7) });
  registerJointsEncoder(c);
  registerVisionResNet(c, { width: 4 });
  registerVisuoTactileEncoder(c, { width: 4, taxels: ['palm'], taxelHidden: 8 });
  registerTransformerDecoder(c);
  c.register(ActPolicy, { useClass: ActPolicy });
  return c.resolve(ActPolicy);
}

function inputs(B: number) {
  return {
    batch: {
      qpos: tf.randomNormal([B, 3], 0, 1, 'float32', 1) as tf.Tensor2D,
      inputs: {
        joints: {},
        vision: { 'observation.images.top': tf.randomUniform([B, 64, 64, 3], 0, 1, 'float32', 2) as tf.Tensor4D },
        tactile: {
          'observation.tactile.left_finger': tf.randomUniform([B, 32, 32, 3], 0, 1, 'float32', 3) as tf.Tensor4D,
          [RIGHT]: tf.randomUniform([B, 32, 32, 3], 0, 1, 'float32', 4) as tf.Tensor4D,
          'observation.taxels.palm': tf.randomUniform([B, 4, 4, 1], 0, 2, 'float32', 5) as tf.Tensor4D,
        } as Record<string, tf.Tensor4D>,
      },
    },
    action: tf.randomNormal([B, k, 3], 0, 1, 'float32', 6) as tf.Tensor3D,
    isPad: tf.tensor2d(Array.from({ length: B }, () => [0, 0, 1, 1])),
  };
}

describe('ActPolicy with the visuo-tactile encoder', () => {
  it('keeps RGB and tactile weights apart under their own names, no name clash', () => {
    const p = visuoTactileAct();
    const names = p.namedParameters().map(([n]) => n);
    expect(names).toContain('backbone.conv1.weight');
    expect(names).toContain('tactile_backbones.0.conv1.weight');
    expect(names).toContain('tactile_backbones.1.conv1.weight');
    expect(names).toContain('encoder_img_feat_input_proj.weight');
    expect(names).toContain('encoder_tactile_feat_input_proj.weight');
    expect(names).toContain('tactile_taxel_mlps.0.fc1.weight');
    // Only the latent and the joint token use encoder_1d_feature_pos_embed.
    expect(p.namedParameters().find(([n]) => n === 'encoder_1d_feature_pos_embed.weight')![1].shape).toEqual([2, D]);
    p.dispose();
  });

  it('computes a finite loss; every trainable tensor gets a gradient; tactile input changes the chunk; no leaks', () => {
    const p = visuoTactileAct();
    const { batch, action, isPad } = inputs(2);
    p.predictChunk(batch).dispose(); // warm up the cached sine tables
    const params = p.trainableParameters();
    const before = tf.memory().numTensors;
    const { value, grads } = tf.variableGrads(() => p.computeLoss(batch, action, isPad, new Rng(5)).loss, params.map(([, v]) => v));
    expect(Number.isFinite(value.dataSync()[0]!)).toBe(true);
    expect(value.dataSync()[0]!).toBeGreaterThan(0);
    const missing = params.filter(([, v]) => !grads[v.name]).map(([n]) => n);
    expect(missing).toEqual([]);
    const tactileDead = params
      .filter(([n]) => n.startsWith('tactile_') || n.startsWith('encoder_tactile'))
      .filter(([, v]) => tf.tidy(() => tf.max(tf.abs(grads[v.name]!)).dataSync()[0]) === 0)
      .map(([n]) => n);
    expect(tactileDead).toEqual([]);
    tf.dispose([value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
    const zeroRight = tf.zerosLike(batch.inputs.tactile[RIGHT]!);
    const other = { ...batch, inputs: { ...batch.inputs, tactile: { ...batch.inputs.tactile, [RIGHT]: zeroRight } } };
    const c1 = p.predictChunk(batch);
    const c2 = p.predictChunk(other);
    expect(tf.util.arraysEqual(c1.dataSync(), c2.dataSync())).toBe(false);
    tf.dispose([c1, c2, zeroRight, batch.qpos, ...Object.values(batch.inputs.vision), ...Object.values(batch.inputs.tactile), action, isPad]);
    p.dispose();
  });
});
