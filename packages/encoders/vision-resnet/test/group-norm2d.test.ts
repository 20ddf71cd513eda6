import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { GroupNorm2d } from '../src/group-norm2d.js';
import { ResNet } from '../src/resnet.js';
import { Rng } from '@actfusion/cvae-core';
import { useCpuAndWasmRuntimes } from '@actfusion/cvae-core/testing';

/** torch.nn.GroupNorm by hand, on NHWC data (plain JS, float64). */
function referenceGroupNorm(x: Float32Array, [b, h, w, c]: number[], groups: number, weight: number[], bias: number[], eps = 1e-5): Float64Array {
  const out = new Float64Array(x.length);
  const per = c / groups;
  for (let n = 0; n < b; n++) {
    for (let g = 0; g < groups; g++) {
      const idx: number[] = [];
      for (let i = 0; i < h * w; i++) for (let k = 0; k < per; k++) idx.push(((n * h * w + i) * c) + g * per + k);
      const mean = idx.reduce((s, j) => s + x[j]!, 0) / idx.length;
      const variance = idx.reduce((s, j) => s + (x[j]! - mean) ** 2, 0) / idx.length;
      for (const j of idx) out[j] = ((x[j]! - mean) / Math.sqrt(variance + eps)) * weight[j % c]! + bias[j % c]!;
    }
  }
  return out;
}

useCpuAndWasmRuntimes();

describe.each(['cpu', 'wasm'])('GroupNorm2d on %s', (backend) => {
  const setup = async () => void (await tf.setBackend(backend));
  it('matches torch.nn.GroupNorm computed by hand, with trained affine terms', async () => {
    await setup();
    const rng = new Rng(5);
    const shape = [2, 3, 4, 8];
    const x = Float32Array.from({ length: 2 * 3 * 4 * 8 }, () => rng.normal() * 3 + 1);
    const gn = new GroupNorm2d(4, 8);
    const weight = Array.from({ length: 8 }, (_, i) => 0.5 + i / 8);
    const bias = Array.from({ length: 8 }, (_, i) => i / 10 - 0.3);
    gn.weight.assign(tf.tensor1d(weight));
    gn.bias.assign(tf.tensor1d(bias));
    const y = gn.forward(tf.tensor4d(x, shape as [number, number, number, number]));
    const ref = referenceGroupNorm(x, shape, 4, weight, bias);
    const got = await y.data();
    let err = 0;
    for (let i = 0; i < ref.length; i++) err = Math.max(err, Math.abs(got[i]! - ref[i]!));
    expect(err).toBeLessThan(1e-4);
    expect(gn.parameterCount()).toBe(16); // weight and bias train (a frozen batch norm has none)
    tf.dispose(y);
  });

  it('gradients agree with finite differences (input and affine terms)', async () => {
    await setup();
    const gn = new GroupNorm2d(2, 4);
    gn.weight.assign(tf.tensor1d([0.7, 1.2, -0.4, 0.9]));
    const x = tf.variable(tf.randomNormal([1, 2, 3, 4], 0, 1, 'float32', 9));
    const r = tf.randomNormal([1, 2, 3, 4], 0, 1, 'float32', 10);
    const loss = () => tf.sum(tf.mul(gn.forward(x), r)) as tf.Scalar;
    const { grads } = tf.variableGrads(loss, [x, gn.weight]);
    const gx = await grads[x.name]!.data();
    const gw = await grads[gn.weight.name]!.data();
    const h = 1e-2;
    const numeric = (v: tf.Variable, i: number): number => {
      const base = v.dataSync().slice();
      const at = (d: number): number => {
        const p = base.slice();
        p[i] = base[i]! + d;
        v.assign(tf.tensor(p, v.shape));
        return loss().dataSync()[0]!;
      };
      const g = (at(h) - at(-h)) / (2 * h);
      v.assign(tf.tensor(base, v.shape));
      return g;
    };
    for (const i of [0, 5, 13, 22]) expect(gx[i]).toBeCloseTo(numeric(x, i), 1);
    for (const i of [0, 3]) expect(gw[i]).toBeCloseTo(numeric(gn.weight, i), 1);
    tf.dispose([x, r, ...Object.values(grads)]);
  });

  it('refuses groups that do not divide the channels', () => {
    expect(() => new GroupNorm2d(3, 8)).toThrow(/3 groups must divide 8 channels/);
  });

  it('a ResNet with group norm keeps torchvision names and trains its norms', async () => {
    await setup();
    const frozen = new ResNet(18, 8, new Rng(1));
    const grouped = new ResNet(18, 8, new Rng(1), { norm: 'group-norm', groups: 4 });
    const names = (m: ResNet) => [...m.namedParameters(), ...m.namedBuffers()].map(([n]) => n).filter((n) => /bn|downsample\.1/.test(n));
    expect(names(grouped).every((n) => /\.(weight|bias)$/.test(n))).toBe(true);
    expect(names(grouped)).toContain('layer2.0.downsample.1.weight');
    expect(names(frozen)).toContain('layer2.0.downsample.1.running_mean');
    // The convolutions are the same; the group norms add their affine terms to the trained parameters.
    const normParams = [...grouped.namedParameters()].filter(([n]) => /bn|downsample\.1/.test(n)).reduce((s, [, v]) => s + v.size, 0);
    expect(grouped.parameterCount()).toBe(frozen.parameterCount() + normParams);
    const y = grouped.forward(tf.randomNormal([2, 32, 32, 3], 0, 1, 'float32', 3) as tf.Tensor4D);
    expect(y.shape).toEqual([2, 1, 1, 64]);
    const data = await y.data();
    expect(data.every(Number.isFinite)).toBe(true);
    tf.dispose(y);
    frozen.dispose();
    grouped.dispose();
  });
});
