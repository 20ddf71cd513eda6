import * as tf from '@tensorflow/tfjs-core';
import type { Pair } from './conv2d.js';
import { Module } from './module.js';

const pair = (v: Pair): [number, number] => (typeof v === 'number' ? [v, v] : [v[0], v[1]]);

/**
 * `torch.nn.MaxPool2d(kernel, stride, padding)` (dilation 1, ceil_mode False) on NHWC input.
 * Padding never wins a max (tfjs pools ignore padded positions, as PyTorch's −∞ padding); output
 * size ⌊(H + 2p − k)/s⌋ + 1, exactly PyTorch's, unlike tfjs 'same'. The padding is the pool's own
 * (no padded copy of the input, no Slice in the gradient). ResNet's stem is (3, 2, 1).
 */
export class MaxPool2d extends Module {
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];

  constructor(kernelSize: Pair, stride?: Pair, padding: Pair = 0) {
    super();
    this.kernelSize = pair(kernelSize);
    this.stride = pair(stride ?? kernelSize);
    this.padding = pair(padding);
    if (this.padding[0] * 2 > this.kernelSize[0] || this.padding[1] * 2 > this.kernelSize[1]) {
      throw new Error(`MaxPool2d: padding [${this.padding}] must be at most half the kernel [${this.kernelSize}] (PyTorch rule)`);
    }
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    if (x.rank !== 4) throw new Error(`MaxPool2d: input has shape [${x.shape}], expected NHWC [B, H, W, C]`);
    return tf.tidy(() => {
      const [ph, pw] = this.padding;
      const pad: number | tf.backend_util.ExplicitPadding = ph === pw ? ph : [[0, 0], [ph, ph], [pw, pw], [0, 0]];
      return tf.maxPool(x, this.kernelSize, this.stride, pad);
    });
  }
}
