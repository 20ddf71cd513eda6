import 'reflect-metadata';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { container } from 'tsyringe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { observationSpec } from '@actfusion/contracts';
import { createRuntime, parsePolicyConfig, Rng, type ModalityEncoder, type TensorRuntime } from '@actfusion/cvae-core';
import { writeSafetensors } from '@actfusion/cvae-core/io';
import { TOKENS } from '@actfusion/contracts';
import { loadTorchvisionResNet } from '../src/load-torchvision-resnet.js';
import { ResNet } from '../src/resnet.js';
import { registerVisionResNet } from '../src/register-vision-resnet.js';
import type { VisionResNetEncoder } from '../src/vision-resnet-encoder.js';

let runtime: TensorRuntime;
let dir: string;
beforeAll(async () => {
  runtime = await createRuntime({ backend: 'cpu', seed: 1 });
  dir = await mkdtemp(join(tmpdir(), 'vision-resnet-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  runtime.dispose();
});

describe('ResNet', () => {
  it('has torchvision resnet18/34 parameter counts up to layer4 (fc dropped, BN as buffers)', () => {
    const r18 = new ResNet(18, 64);
    // torchvision resnet18: 11,689,512 - fc 513,000 - frozen-BN affine 9,600 (act.md section 7).
    expect(r18.parameterCount()).toBe(11_166_912);
    r18.dispose();
    const r34 = new ResNet(34, 64);
    // torchvision resnet34: 21,797,672 - fc 513,000 - frozen-BN affine 17,024 (buffers here).
    expect(r34.parameterCount()).toBe(21_267_648);
    r34.dispose();
  });

  it('uses torchvision names, stride in conv1 of block 0, downsample.0 conv / downsample.1 frozen BN', () => {
    const r = new ResNet(18, 4);
    const names = [...r.stateDict().keys()];
    for (const n of ['conv1.weight', 'bn1.running_mean', 'layer1.0.conv1.weight', 'layer2.0.downsample.0.weight', 'layer2.0.downsample.1.running_var', 'layer4.1.bn2.bias']) {
      expect(names).toContain(n);
    }
    expect(names).not.toContain('layer1.0.downsample.0.weight');
    expect(r.namedParameters().map(([n]) => n).filter((n) => n.includes('bn'))).toEqual([]);
    const out = r.forward(tf.zeros([1, 64, 96, 3]) as tf.Tensor4D);
    expect(out.shape).toEqual([1, 2, 3, 32]);
    r.dispose();
  });

  it('loads torchvision-layout safetensors, ignoring fc.* and num_batches_tracked', async () => {
    const a = new ResNet(18, 4, new Rng(1));
    const b = new ResNet(18, 4, new Rng(2));
    const state = new Map<string, tf.Tensor>(a.stateDict());
    state.set('fc.weight', tf.zeros([10, 32]));
    state.set('fc.bias', tf.zeros([10]));
    state.set('bn1.num_batches_tracked', tf.scalar(0, 'int32'));
    const path = join(dir, 'resnet18.safetensors');
    await writeSafetensors(path, state);
    const x = tf.randomUniform([1, 32, 32, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    expect([...b.forward(x).dataSync()]).not.toEqual([...a.forward(x).dataSync()]);
    await loadTorchvisionResNet(b, path);
    expect([...b.forward(x).dataSync()]).toEqual([...a.forward(x).dataSync()]);
    const partial = new Map([...a.stateDict()].filter(([n]) => n !== 'layer3.1.conv2.weight'));
    await writeSafetensors(join(dir, 'partial.safetensors'), partial);
    await expect(loadTorchvisionResNet(b, join(dir, 'partial.safetensors'))).rejects.toThrow(/partial\.safetensors.*layer3\.1\.conv2\.weight/);
    a.dispose();
    b.dispose();
  });
});

describe('VisionResNetEncoder', () => {
  function build(normalize: 'imagenet' | 'none'): VisionResNetEncoder {
    const c = container.createChildContainer();
    c.register(TOKENS.ObservationSpec, { useValue: observationSpec({ stateDim: 2, actionDim: 2, cameras: { top: [64, 32], wrist: [32, 32] } }) });
    c.register(TOKENS.PolicyConfig, { useValue: parsePolicyConfig({ dimModel: 16, nHeads: 2 }) });
    c.register(TOKENS.InitRng, { useValue: new Rng(5) });
    registerVisionResNet(c, { width: 4, normalize });
    const [enc] = c.resolveAll<ModalityEncoder>(TOKENS.ModalityEncoder);
    return enc as VisionResNetEncoder;
  }

  it('one shared backbone, tokens camera-major with 2-D sine positions, ImageNet normalisation', () => {
    const enc = build('imagenet');
    expect(enc.tokenCount(enc.spec)).toBe(2 + 1);
    expect([...enc.stateDict().keys()].filter((n) => n.endsWith('conv1.weight') && !n.includes('layer'))).toEqual(['backbone.conv1.weight']);
    const top = tf.randomUniform([2, 64, 32, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const wrist = tf.randomUniform([2, 32, 32, 3], 0, 1, 'float32', 2) as tf.Tensor4D;
    const { tokens, positions } = enc.encode({ qpos: tf.zeros([2, 2]), inputs: { vision: { 'observation.images.top': top, 'observation.images.wrist': wrist } } }, { training: false });
    expect(tokens.shape).toEqual([2, 3, 16]);
    expect(positions.shape).toEqual([3, 16]);
    // Camera-major: the last token is the wrist camera's only token.
    const norm = (x: tf.Tensor4D): tf.Tensor4D => tf.div(tf.sub(x, [0.485, 0.456, 0.406]), [0.229, 0.224, 0.225]);
    const alone = enc.encoder_img_feat_input_proj.forward(enc.backbone.forward(norm(wrist)));
    const got = tf.slice(tokens, [0, 2, 0], [2, 1, 16]);
    expect(tf.max(tf.abs(tf.sub(tf.reshape(alone, [2, 1, 16]), got))).dataSync()[0]).toBeLessThan(1e-5);
    // normalize 'none' takes already-normalised images.
    const raw = build('none');
    raw.loadStateDict(enc.stateDict());
    const same = raw.encode({ qpos: tf.zeros([2, 2]), inputs: { vision: { 'observation.images.top': norm(top), 'observation.images.wrist': norm(wrist) } } }, { training: false });
    expect(tf.max(tf.abs(tf.sub(same.tokens, tokens))).dataSync()[0]).toBeLessThan(1e-5);
    enc.dispose();
    raw.dispose();
  });

  it('names a missing camera and a wrong image shape', () => {
    const enc = build('none');
    expect(() => enc.encode({ qpos: tf.zeros([1, 2]), inputs: { vision: { 'observation.images.top': tf.zeros([1, 64, 32, 3]) as tf.Tensor4D } } }, { training: false })).toThrow(
      /vision: the batch has no tensor 'observation.images.wrist' for this encoder \(has observation.images.top\)/,
    );
    expect(() =>
      enc.encode({ qpos: tf.zeros([1, 2]), inputs: { vision: { 'observation.images.top': tf.zeros([1, 3, 64, 32]) as tf.Tensor4D, 'observation.images.wrist': tf.zeros([1, 32, 32, 3]) as tf.Tensor4D } } }, { training: false }),
    ).toThrow(/input 'observation\.images\.top' has shape \[1,3,64,32\], expected \[B, 64, 32, 3\]/);
    enc.dispose();
  });

  it('declares the camera features it reads and featurises raw frames itself, by key', () => {
    const enc = build('none');
    expect(enc.features).toEqual([
      { key: 'observation.images.top', kind: 'image', shape: [64, 32, 3] },
      { key: 'observation.images.wrist', kind: 'image', shape: [32, 32, 3] },
    ]);
    const frame = (h: number, w: number, v: number) => ({ height: h, width: w, data: new Uint8Array(h * w * 3).fill(v) });
    const obs = {
      'observation.state': new Float32Array(2),
      'observation.images.top': frame(64, 32, 255),
      'observation.images.wrist': frame(32, 32, 51),
    };
    const before = tf.memory().numTensors;
    const part = enc.featurise([obs, obs]);
    expect(Object.keys(part)).toEqual(['observation.images.top', 'observation.images.wrist']);
    expect(part['observation.images.top']!.shape).toEqual([2, 64, 32, 3]);
    expect(tf.tidy(() => tf.max(part['observation.images.wrist']!).dataSync()[0])).toBeCloseTo(0.2, 6);
    tf.dispose(Object.values(part));
    // The wrist frame is missing: the top tensor already made is disposed, the error names the key.
    expect(() => enc.featurise([{ 'observation.state': new Float32Array(2), 'observation.images.top': frame(64, 32, 0) }])).toThrow(
      /VisionResNetEncoder: sample 0 has no feature 'observation.images.wrist'/,
    );
    expect(tf.memory().numTensors).toBe(before);
    enc.dispose();
  });

  it('takes cameras by name or key, and names one the spec lacks', () => {
    const c = container.createChildContainer();
    c.register(TOKENS.ObservationSpec, { useValue: observationSpec({ stateDim: 2, actionDim: 2, cameras: { top: [32, 32], wrist: [32, 32] } }) });
    c.register(TOKENS.PolicyConfig, { useValue: parsePolicyConfig({ dimModel: 16, nHeads: 2 }) });
    c.register(TOKENS.InitRng, { useValue: new Rng(5) });
    registerVisionResNet(c, { width: 4, cameras: ['wrist', 'observation.images.top'] });
    const enc = c.resolveAll<ModalityEncoder>(TOKENS.ModalityEncoder)[0]!;
    expect(enc.features.map((f) => f.key)).toEqual(['observation.images.wrist', 'observation.images.top']);
    enc.dispose();
    const d = container.createChildContainer();
    d.register(TOKENS.ObservationSpec, { useValue: observationSpec({ stateDim: 2, actionDim: 2, cameras: { top: [32, 32] } }) });
    d.register(TOKENS.PolicyConfig, { useValue: parsePolicyConfig({ dimModel: 16, nHeads: 2 }) });
    d.register(TOKENS.InitRng, { useValue: new Rng(5) });
    registerVisionResNet(d, { width: 4, cameras: ['side'] });
    expect(() => d.resolveAll(TOKENS.ModalityEncoder)).toThrow(/camera 'side' is not an image feature of the observation spec \(has observation.images.top\)/);
  });
});
