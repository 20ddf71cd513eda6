import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Conv2d } from '../src/nn/conv2d.js';
import { Rng } from '../src/random/rng.js';
import { pseudoRandom, useCpuAndWasmRuntimes } from '../src/testing/index.js';

useCpuAndWasmRuntimes();

type Pad = number | [[number, number], [number, number], [number, number], [number, number]];

/** Loss and gradients (x, weight, bias) of a Conv2d, and of tfjs's own graph of the same convolution. */
function gradients(backend: 'cpu' | 'wasm', k: [number, number], s: [number, number], p: [number, number]): { ours: Float32Array[]; tfjs: Float32Array[] } {
  tf.setBackend(backend);
  return tf.tidy(() => {
    const conv = new Conv2d(5, 6, k, { stride: s, padding: p, rng: new Rng(4) });
    const x = tf.tensor4d(pseudoRandom(2 * 9 * 8 * 5, 7), [2, 9, 8, 5]);
    const shape = conv.forward(x).shape;
    const target = tf.tensor(pseudoRandom(shape.reduce((a, b) => a * b, 1), 8), shape);
    const pad: Pad = p[0] === p[1] ? p[0] : [[0, 0], [p[0], p[0]], [p[1], p[1]], [0, 0]];
    const reference = (xin: tf.Tensor, w: tf.Tensor, b: tf.Tensor): tf.Tensor =>
      tf.add(tf.conv2d(xin as tf.Tensor4D, tf.transpose(w, [2, 3, 1, 0]) as tf.Tensor4D, s, pad, 'NHWC'), b);
    const loss = (y: tf.Tensor): tf.Scalar => tf.sum(tf.mul(tf.square(y), target)) as tf.Scalar;
    const read = (ts: tf.Tensor[]): Float32Array[] => ts.map((t) => Float32Array.from(t.dataSync()));
    const [gx, gw, gb] = tf.grads((xin: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => loss(reference(xin, w, b)))([x, conv.weight, conv.bias!]);
    const o = tf.variableGrads(() => loss(conv.forward(x)), [conv.weight, conv.bias!]);
    const oxg = tf.grad((xin: tf.Tensor) => loss(conv.forward(xin as tf.Tensor4D)))(x);
    const result = { ours: read([oxg, o.grads[conv.weight.name]!, o.grads[conv.bias!.name]!]), tfjs: read([gx!, gw!, gb!]) };
    conv.dispose();
    return result as unknown as tf.TensorContainer;
  }) as unknown as { ours: Float32Array[]; tfjs: Float32Array[] };
}

describe('Conv2d gradient (saves the weight, not its transposed copy)', () => {
  const cases: { k: [number, number]; s: [number, number]; p: [number, number] }[] = [
    { k: [3, 3], s: [1, 1], p: [1, 1] },
    { k: [3, 3], s: [2, 2], p: [1, 1] },
    { k: [1, 1], s: [2, 2], p: [0, 0] },
    { k: [7, 7], s: [2, 2], p: [3, 3] },
    { k: [5, 3], s: [2, 1], p: [2, 0] },
  ];
  for (const backend of ['cpu', 'wasm'] as const) {
    for (const { k, s, p } of cases) {
      it(`equals tfjs's conv2d-of-transpose gradients bit for bit: kernel ${k}, stride ${s}, padding ${p} (${backend})`, () => {
        const { ours, tfjs } = gradients(backend, k, s, p);
        ['x', 'weight', 'bias'].forEach((name, i) => {
          expect(tfjs[i]!.some((v) => v !== 0), `${name} gradient is all zeros`).toBe(true);
          expect(ours[i], name).toEqual(tfjs[i]);
        });
      });
    }
  }
});

describe('Conv2d gradient of the input: computed only when asked for', () => {
  for (const backend of ['cpu', 'wasm'] as const) {
    it(`an image input (no trained variable before it) costs no Conv2DBackpropInput; an input that is asked for gets one (${backend})`, async () => {
      tf.setBackend(backend);
      const conv = new Conv2d(3, 4, 3, { stride: 2, padding: 1, rng: new Rng(5) });
      const image = tf.tensor4d(pseudoRandom(2 * 8 * 8 * 3, 9), [2, 8, 8, 3]);
      const kernelsOf = async (f: () => tf.TensorContainer): Promise<string[]> => {
        const info = await tf.profile(() => {
          const out = f();
          tf.dispose(out);
        });
        return info.kernels.map((k) => k.name);
      };
      const weightsOnly = await kernelsOf(() => {
        const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(conv.forward(image))) as tf.Scalar, [conv.weight]);
        return [value, ...Object.values(grads)];
      });
      expect(weightsOnly).toContain('Conv2DBackpropFilter');
      expect(weightsOnly).not.toContain('Conv2DBackpropInput');
      const withInput = await kernelsOf(() => tf.grad((x: tf.Tensor) => tf.sum(tf.square(conv.forward(x as tf.Tensor4D))))(image));
      expect(withInput).toContain('Conv2DBackpropInput');
      expect(withInput).not.toContain('Conv2DBackpropFilter');
      image.dispose();
      conv.dispose();
    });
  }
});
