/**
 * Wall-clock timings of cvae-core's network blocks at ACT's sizes (D 512, 8 heads, FF 3200,
 * 302 encoder tokens = one 480x640 camera, 100 queries), safetensors I/O and one AdamW step.
 * Not a test: run it with
 *   cd packages/cvae-core && npx vitest bench --run bench/blocks.bench.ts
 * BACKEND=cpu|wasm (default wasm).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, bench, describe } from 'vitest';
import { readSafetensors, writeSafetensors } from '../src/io/safetensors.js';
import { TransformerDecoderLayer } from '../src/nn/transformer-decoder-layer.js';
import { TransformerEncoderLayer } from '../src/nn/transformer-encoder-layer.js';
import { AdamW } from '../src/optim/adamw.js';
import { Rng } from '../src/random/rng.js';
import { createRuntime, type TensorRuntime } from '../src/runtime/create-runtime.js';

const backend = (process.env.BACKEND ?? 'wasm') as 'wasm' | 'cpu';
let runtime: TensorRuntime;
let dir = '';
const D = 512;
let enc: TransformerEncoderLayer;
let dec: TransformerDecoderLayer;
let x: tf.Tensor3D, pos: tf.Tensor2D, q: tf.Tensor3D, qpos: tf.Tensor2D;
let opt: AdamW;
let grads: Map<string, tf.Tensor>;

beforeAll(async () => {
  runtime = await createRuntime({ backend, seed: 0 });
  dir = await mkdtemp(join(tmpdir(), 'bench-blocks-'));
  const rng = new Rng(0);
  enc = new TransformerEncoderLayer({ dimModel: D, nHeads: 8, dimFeedforward: 3200, rng }).eval();
  dec = new TransformerDecoderLayer({ dimModel: D, nHeads: 8, dimFeedforward: 3200, rng }).eval();
  x = tf.randomNormal([1, 302, D], 0, 1, 'float32', 1);
  pos = tf.randomNormal([302, D], 0, 1, 'float32', 2);
  q = tf.zeros([1, 100, D]);
  qpos = tf.randomNormal([100, D], 0, 1, 'float32', 3);
  const params = enc.trainableParameters();
  opt = new AdamW([{ name: 'default', params, lr: 1e-5 }], { weightDecay: 1e-4 });
  grads = new Map(params.map(([n, v]) => [n, tf.onesLike(v)]));
  await writeSafetensors(join(dir, 'enc.safetensors'), enc.stateDict());
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  runtime.dispose();
});

describe(`blocks on ${backend}`, () => {
  bench('encoder layer forward, 302 tokens (1.40 GMAC)', () => {
    enc.forward(x, { pos }).dataSync();
  }, { iterations: 5, time: 0 });
  bench('decoder layer forward, 100 queries x 302 memory', () => {
    dec.forward(q, x, { decoderPos: qpos, encoderPos: pos }).dataSync();
  }, { iterations: 5, time: 0 });
  bench('encoder layer forward + backward (variableGrads)', () => {
    const { value, grads: g } = tf.variableGrads(() => tf.mean(tf.square(enc.forward(x, { pos }))) as tf.Scalar);
    value.dataSync();
    tf.dispose([value, ...Object.values(g)]);
  }, { iterations: 3, time: 0 });
  bench('AdamW step over one encoder layer (4.33 M parameters)', () => {
    opt.step(grads);
    enc.linear1.weight.dataSync();
  }, { iterations: 5, time: 0 });
  bench('safetensors write + read, one encoder layer (17.3 MB)', async () => {
    await writeSafetensors(join(dir, 'w.safetensors'), enc.stateDict());
    const { tensors } = await readSafetensors(join(dir, 'w.safetensors'));
    tf.dispose([...tensors.values()]);
  }, { iterations: 5, time: 0 });
});
