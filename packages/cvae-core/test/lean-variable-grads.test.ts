import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Conv2d } from '../src/nn/conv2d.js';
import { dropoutMask } from '../src/nn/dropout.js';
import { linear } from '../src/nn/linear-op.js';
import { Rng } from '../src/random/rng.js';
import { collate, disposeCollated } from '../src/training/collate.js';
import { leanVariableGrads } from '../src/training/lean-variable-grads.js';
import { Normalizer } from '../src/training/normalizer.js';
import { SyntheticChunkDataset } from '../src/testing/synthetic-chunk-dataset.js';
import { smallActPolicy } from './fixtures/act-test-parts.js';
import { pseudoRandom, useCpuAndWasmRuntimes } from '../src/testing/index.js';

useCpuAndWasmRuntimes();

type GradFn = (f: () => tf.Scalar, vars: tf.Variable[]) => { value: tf.Scalar; grads: tf.NamedTensorMap };
const tfjs: GradFn = (f, vars) => tf.variableGrads(f, vars);
const lean: GradFn = (f, vars) => leanVariableGrads(f, vars);

/** Loss and every parameter gradient of a real ActPolicy (dropout, CVAE, customGrad linears, attention) under `grad`. */
async function actGradients(backend: 'cpu' | 'wasm', grad: GradFn): Promise<{ loss: number; grads: Map<string, Float32Array>; leaked: number; variables: Map<string, string> }> {
  tf.setBackend(backend);
  const ds = new SyntheticChunkDataset({ episodes: 6, chunkSize: 5, minLength: 6, maxLength: 12, seed: 3 });
  const policy = smallActPolicy(ds.spec, { chunkSize: 5, latentDim: 4, dropout: 0.2 }, 1);
  policy.train();
  const samples = await ds.sampleBatch(4, new Rng(8));
  const normalizer = Normalizer.fromStats(await ds.stats());
  const params = policy.trainableParameters();
  const c = collate(samples, ds.spec, normalizer, policy.encoders);
  const before = tf.memory().numTensors;
  const { value, grads } = grad(() => policy.computeLoss(c.batch, c.action, c.isPad, new Rng(5)).loss, params.map(([, v]) => v));
  const out = new Map(params.filter(([, v]) => grads[v.name]).map(([n, v]) => [n, Float32Array.from(grads[v.name]!.dataSync())]));
  const variables = new Map(params.map(([n, v]) => [n, v.name]));
  const loss = value.dataSync()[0]!;
  tf.dispose([value, ...Object.values(grads)]);
  const leaked = tf.memory().numTensors - before;
  disposeCollated(c);
  policy.dispose();
  return { loss, grads: out, leaked, variables };
}

/** A deep stack of linear + relu layers: tfjs keeps every layer's activation gradient to the end of the backward pass. */
function deepLoss(ws: tf.Variable[], x: tf.Tensor): tf.Scalar {
  let h = x;
  for (const w of ws) h = tf.relu(linear(h, w, null));
  return tf.mean(tf.square(h)) as tf.Scalar;
}

/** Each weight enters through its mean: the backward pass saves next to nothing, and every weight gradient is a whole new tensor. */
function wideLoss(ws: tf.Variable[], x: tf.Tensor): tf.Scalar {
  let h = x;
  for (const w of ws) h = tf.mul(h, tf.add(1, tf.mean(w)));
  return tf.mean(tf.square(h)) as tf.Scalar;
}

/**
 * A small convolutional net with every pattern whose saved tensors are trimmed while recording: a
 * frozen batch norm (x·scale + shift, constants), Relu, −∞ padding and max pooling, a dropout mask,
 * division by a constant, a concat, a slice, a reshape, a product of two activations and a mean.
 */
function convNet(convs: Conv2d[], x: tf.Tensor4D): tf.Scalar {
  const scale = tf.tensor1d([0.9, 1.1, 0.8, 1.2]);
  const shift = tf.tensor1d([0.1, -0.1, 0.05, 0]);
  let h = tf.relu(tf.add(tf.mul(convs[0]!.forward(x), scale), shift)) as tf.Tensor4D;
  h = tf.maxPool(tf.pad(h, [[0, 0], [1, 1], [1, 1], [0, 0]], -Infinity), 3, 2, 'valid');
  const y = tf.relu(tf.add(tf.mul(convs[1]!.forward(h), scale), h)) as tf.Tensor4D;
  const both = tf.concat([tf.mul(y, dropoutMask(y.shape, 0.25, 7)), tf.div(h, 3)], 3);
  const cut = tf.slice(both, [0, 1, 1, 0], [-1, 2, 2, -1]);
  const flat = tf.reshape(cut, [cut.shape[0], -1]);
  return tf.mean(tf.mul(flat, tf.sigmoid(flat))) as tf.Scalar;
}

describe('leanVariableGrads', () => {
  it.each(['cpu', 'wasm'] as const)('gives tf.variableGrads\'s gradients bit for bit on a conv net with trimmed saves, holding less (%s)', async (backend) => {
    tf.setBackend(backend);
    const rng = new Rng(4);
    const convs = [new Conv2d(3, 4, 3, { padding: 1, rng }), new Conv2d(4, 4, 3, { padding: 1, rng })];
    const vars = convs.flatMap((c) => c.trainableParameters().map(([, v]) => v));
    const x = tf.tensor(pseudoRandom(2 * 12 * 12 * 3, 6), [2, 12, 12, 3]) as tf.Tensor4D;
    const run = async (grad: GradFn): Promise<{ peakBytes: number; loss: number; grads: Float32Array[]; leaked: number }> => {
      let grads: Float32Array[] = [];
      let loss = 0;
      const before = tf.memory().numTensors;
      const info = await tf.profile(() => {
        const r = grad(() => convNet(convs, x), vars);
        grads = vars.map((v) => Float32Array.from(r.grads[v.name]!.dataSync()));
        loss = r.value.dataSync()[0]!;
        tf.dispose([r.value, ...Object.values(r.grads)]);
      });
      return { peakBytes: info.peakBytes, loss, grads, leaked: tf.memory().numTensors - before };
    };
    const got = await run(lean);
    const ref = await run(tfjs);
    expect(got.loss).toBe(ref.loss);
    got.grads.forEach((g, i) => expect(g, vars[i]!.name).toEqual(ref.grads[i]));
    expect(got.leaked).toBe(0);
    expect(ref.leaked).toBe(0);
    // Measured 0.59x on cpu and wasm; without the trimming (only the freeing in the backward pass) 0.87-0.88x.
    expect(got.peakBytes).toBeLessThan(0.7 * ref.peakBytes);
    convs.forEach((c) => c.dispose());
    x.dispose();
  });

  it.each(['cpu', 'wasm'] as const)('gives tf.variableGrads\'s loss and gradients bit for bit on a real ActPolicy, leaking nothing (%s)', async (backend) => {
    // Lean first: the engine's state differs before its first tape (the first call must not fall back).
    const got = await actGradients(backend, lean);
    const ref = await actGradients(backend, tfjs);
    expect(got.loss).toBe(ref.loss);
    expect([...got.grads.keys()]).toEqual([...ref.grads.keys()]);
    expect(ref.grads.size).toBeGreaterThan(10);
    for (const [name, g] of ref.grads) expect(got.grads.get(name), name).toEqual(g);
    expect(ref.leaked).toBe(0);
    expect(got.leaked).toBe(0);
  });

  it('frees activation gradients and saved tensors during the backward pass: a lower peak than tfjs for the same gradients (wasm)', async () => {
    tf.setBackend('wasm');
    const ws = Array.from({ length: 12 }, (_, i) => tf.variable(tf.tensor(pseudoRandom(128 * 128, 10 + i).map((v) => 0.15 * v), [128, 128]), true, `deep_${i}`));
    const x = tf.tensor(pseudoRandom(256 * 128, 3), [256, 128]);
    const peak = async (grad: GradFn): Promise<{ peakBytes: number; grads: Float32Array[] }> => {
      let grads: Float32Array[] = [];
      const info = await tf.profile(() => {
        const r = grad(() => deepLoss(ws, x), ws);
        grads = ws.map((w) => Float32Array.from(r.grads[w.name]!.dataSync()));
        tf.dispose([r.value, ...Object.values(r.grads)]);
      });
      return { peakBytes: info.peakBytes, grads };
    };
    const got = await peak(lean);
    const ref = await peak(tfjs);
    got.grads.forEach((g, i) => expect(g, `layer ${i}`).toEqual(ref.grads[i]));
    // 12 layers of [256, 128] activations (128 KiB each): tfjs holds every saved input and every
    // activation gradient at once at the end of the backward pass; lean holds a few gradients at a
    // time, so its peak is the forward pass's.
    // Measured 0.69x (12.3 MB against 17.8 MB); without any freeing the two peaks are equal.
    expect(got.peakBytes).toBeLessThan(0.8 * ref.peakBytes);
    tf.dispose([...ws, x]);
  });

  it.each(['cpu', 'wasm'] as const)('hands each gradient over once complete: tf.variableGrads\'s values on a real ActPolicy, none left in the result, nothing leaked (%s)', async (backend) => {
    const ref = await actGradients(backend, tfjs);
    const handed = new Map<string, Float32Array>();
    let returned = -1;
    const streamed: GradFn = (f, vars) => {
      const r = leanVariableGrads(f, vars, {
        onGradient: (v, g) => {
          expect(handed.has(v.name), v.name).toBe(false);
          handed.set(v.name, Float32Array.from(g.dataSync()));
        },
      });
      returned = Object.keys(r.grads).length;
      return r;
    };
    const got = await actGradients(backend, streamed);
    expect(got.loss).toBe(ref.loss);
    expect(returned).toBe(0);
    expect(got.leaked).toBe(0);
    expect(handed.size).toBe(ref.grads.size);
    for (const [name, g] of ref.grads) expect(handed.get(got.variables.get(name)!), name).toEqual(g);
  });

  it('handing gradients over frees them during the backward pass: a lower peak when weights outweigh activations (wasm)', async () => {
    tf.setBackend('wasm');
    const ws = Array.from({ length: 8 }, (_, i) => tf.variable(tf.tensor(pseudoRandom(512 * 512, 30 + i).map((v) => 0.05 * v), [512, 512]), true, `wide_${i}`));
    const x = tf.tensor(pseudoRandom(4 * 512, 5), [4, 512]);
    const peak = async (stream: boolean): Promise<{ peakBytes: number; grads: Float32Array[] }> => {
      const got = new Map<string, Float32Array>();
      const info = await tf.profile(() => {
        const r = leanVariableGrads(() => wideLoss(ws, x), ws, stream ? { onGradient: (v, g) => got.set(v.name, Float32Array.from(g.dataSync())) } : {});
        for (const w of ws) if (r.grads[w.name]) got.set(w.name, Float32Array.from(r.grads[w.name]!.dataSync()));
        tf.dispose([r.value, ...Object.values(r.grads)]);
      });
      return { peakBytes: info.peakBytes, grads: ws.map((w) => got.get(w.name)!) };
    };
    const held = await peak(false);
    const handed = await peak(true);
    // Bit for bit (compared as bytes: toEqual on 8 x 262,144 floats is slow).
    handed.grads.forEach((g, i) => expect(Buffer.from(g.buffer).equals(Buffer.from(held.grads[i]!.buffer)), `layer ${i}`).toBe(true));
    // 8 gradients of 1 MiB: held to the end of the pass they add 8 MiB; handed over, one or two at a time.
    // Measured 10.5 MB against 3.2 MB above the weights.
    expect(held.peakBytes - handed.peakBytes).toBeGreaterThan(5 * 1048576);
    tf.dispose([...ws, x]);
  });

  it('falls back to tf.variableGrads inside another gradient and rejects a non-scalar', () => {
    tf.setBackend('cpu');
    const w = tf.variable(tf.scalar(3), true, 'lean_w');
    // d/dw of (d/dw w^3) = 6w: the inner call runs while a tape is recording.
    const outer = tf.grad((v: tf.Tensor) => {
      const inner = leanVariableGrads(() => tf.mul(tf.mul(w, w), w) as tf.Scalar, [w]);
      return tf.mul(inner.grads[w.name]!, v);
    });
    expect(outer(tf.scalar(1)).dataSync()[0]).toBe(27);
    expect(() => leanVariableGrads(() => tf.mul(w, tf.ones([2])) as unknown as tf.Scalar, [w])).toThrow(/must return a scalar tensor, got rank 1/);
    w.dispose();
  });
});
