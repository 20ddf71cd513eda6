import 'reflect-metadata';
import * as tf from '@tensorflow/tfjs-core';
import { container } from 'tsyringe';
import { describe, expect, it } from 'vitest';
import { ActPolicy,  Normalizer, parsePolicyConfig, Rng } from '@actfusion/cvae-core';
import { AdamW, collateObservations, disposeCollated } from '@actfusion/cvae-core/training';
import { TOKENS, type ObservationSpec } from '@actfusion/contracts';
import { observationSpec } from '@actfusion/contracts';
import { registerTransformerDecoder } from '@actfusion/decoder-transformer';
import { registerJointsEncoder } from '@actfusion/encoder-joints';
import { registerVisionResNet, type VisionResNetEncoder } from '@actfusion/encoder-vision-resnet';
import { registerLanguageEncoder } from '../src/register-language-encoder.js';
import { InstructionEmbeddings } from '../src/instruction-embeddings.js';
import { unitVector } from './helpers.js';
import { useRuntime } from '@actfusion/cvae-core/testing';

const D = 16;
const E = 384;
const k = 2;
const spec: ObservationSpec = observationSpec({ stateDim: 2, actionDim: 2, cameras: { top: [32, 32] }, task: true });

useRuntime({ backend: 'wasm', seed: 1 });

describe('MT-ACT learns to follow the instruction (wasm backend)', () => {
  it('two instructions on identical observations: the trained policy (z = 0) acts per instruction, and FiLM trained', () => {
    const c = container.createChildContainer();
    c.register(TOKENS.ObservationSpec, { useValue: spec });
    c.register(TOKENS.PolicyConfig, {
      useValue: parsePolicyConfig({ dimModel: D, nHeads: 2, dimFeedforward: 32, nEncoderLayers: 1, latentDim: 4, chunkSize: k, dropout: 0, useVae: false }),
    });
    c.register(TOKENS.InitRng, { useValue: new Rng(11) });
    const table = InstructionEmbeddings.fromRecord({ 'move left': unitVector(E, 1), 'move right': unitVector(E, 2) });
    registerJointsEncoder(c);
    registerLanguageEncoder(c, { embeddings: table });
    registerVisionResNet(c, { width: 4, film: true });
    registerTransformerDecoder(c);
    c.register(ActPolicy, { useClass: ActPolicy });
    const policy = c.resolve(ActPolicy);

    const instructions = ['move left', 'move right', 'move left', 'move right'];
    // Raw observations, featurised by the encoders themselves (the language encoder looks each task up).
    const gray = { height: 32, width: 32, data: new Uint8Array(32 * 32 * 3).fill(128) };
    const observations = instructions.map((task) => ({ 'observation.state': new Float32Array(2), 'observation.images.top': gray, task }));
    const batch = collateObservations(observations, spec, Normalizer.identity(2, 2), policy.encoders);
    expect(Object.keys(batch.inputs)).toEqual(['joints', 'language', 'vision']);
    const target = tf.tensor3d(instructions.map((s) => Array.from({ length: k }, () => (s === 'move left' ? [-0.8, 0.3] : [0.8, -0.3]))));
    const isPad = tf.zeros([4, k]) as tf.Tensor2D;
    const params = policy.trainableParameters();
    const opt = new AdamW([{ name: 'all', params, lr: 3e-3 }], { weightDecay: 0 });
    let afterFirst = 0;
    let first = 0;
    let last = 0;
    for (let step = 0; step < 80; step++) {
      const { value, grads } = tf.variableGrads(() => policy.computeLoss(batch, target, isPad, new Rng(step)).loss, params.map(([, v]) => v));
      const l = value.dataSync()[0]!;
      if (step === 0) first = l;
      last = l;
      opt.step(new Map(params.filter(([, v]) => grads[v.name]).map(([n, v]) => [n, grads[v.name]!])));
      tf.dispose([value, ...Object.values(grads)]);
      if (step === 0) afterFirst = tf.memory().numTensors; // AdamW moments and the sine table now exist
    }
    expect(tf.memory().numTensors).toBe(afterFirst);
    expect(first).toBeGreaterThan(0.5);
    expect(last).toBeLessThan(0.1);
    const chunk = policy.predictChunk(batch);
    const got = chunk.arraySync() as number[][][];
    for (const [i, s] of instructions.entries()) {
      const want = s === 'move left' ? [-0.8, 0.3] : [0.8, -0.3];
      for (const a of got[i]!) a.forEach((x, j) => expect(Math.abs(x - want[j]!)).toBeLessThan(0.25));
    }
    // FiLM left the identity: its Linears moved away from zero.
    const vision = policy.encoders.find((e) => e.name === 'vision') as VisionResNetEncoder;
    const filmNorm = tf.tidy(() => tf.add(...(vision.backbone_film!.namedParameters().map(([, v]) => tf.sum(tf.abs(v))) as [tf.Tensor, tf.Tensor])).dataSync()[0]!);
    expect(filmNorm).toBeGreaterThan(0);
    tf.dispose([chunk, target, isPad]);
    disposeCollated(batch);
    policy.dispose();
  });
});
