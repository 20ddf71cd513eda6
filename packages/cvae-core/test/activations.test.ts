import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { activation, gelu, geluTanh, glu, relu } from '../src/nn/activations.js';
import { expectClose, useCpuBackend } from '../src/testing/index.js';

useCpuBackend();

describe('activations', () => {
  const xs = [-3, -1, -0.5, 0, 0.5, 1, 3];
  it('relu', () => expectClose(relu(tf.tensor1d(xs)).dataSync(), xs.map((x) => Math.max(0, x))));
  it('gelu is the exact erf form (values from torch.nn.functional.gelu)', () => {
    // torch: F.gelu(torch.tensor([-3,-1,-0.5,0,0.5,1,3.]))
    expectClose(gelu(tf.tensor1d(xs)).dataSync(), [-0.0040496, -0.1586553, -0.1542687, 0, 0.3457313, 0.8413447, 2.9959504], 1e-5);
  });
  it('gelu tanh approximation', () => {
    const e = xs.map((x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))));
    expectClose(geluTanh(tf.tensor1d(xs)).dataSync(), e);
  });
  it('glu halves the last axis', () => {
    const y = glu(tf.tensor2d([[1, 2, 0, 100]]));
    expect(y.shape).toEqual([1, 2]);
    expectClose(y.dataSync(), [0.5, 2]);
  });
  it('activation() resolves names and rejects unknown ones', () => {
    expect(activation('relu')).toBe(relu);
    expect(() => activation('swish' as never)).toThrow(/unknown name 'swish'/);
  });
});
