import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../random/rng.js';
import { defaultBias, kaimingUniform } from './init.js';
import { Module } from './module.js';

export type Pair = number | readonly [number, number];

export interface Conv2dOptions {
  stride?: Pair;
  /** Zero padding on each side, PyTorch style (symmetric, explicit). */
  padding?: Pair;
  dilation?: Pair;
  bias?: boolean;
  rng?: Rng;
}

const pair = (v: Pair): [number, number] => (typeof v === 'number' ? [v, v] : [v[0], v[1]]);

/**
 * `torch.nn.Conv2d(in, out, kernel, stride, padding, dilation, bias)` (groups = 1) on NHWC
 * activations [B, H, W, C].
 *
 * Layout: the `weight` parameter is stored in PyTorch's layout [out, in, kh, kw], so
 * `stateDict()` / `loadStateDict()` see exactly torchvision's and LeRobot's names and shapes and a
 * safetensors checkpoint loads without conversion; `forward` transposes it to tfjs's
 * [kh, kw, in, out] (the transpose is part of the graph, so gradients reach the stored layout).
 * Output size as PyTorch: ⌊(H + 2p − d·(k−1) − 1)/s⌋ + 1. Init is PyTorch's default
 * (kaiming_uniform a=√5, bias U(±1/√fan_in)). Dilation > 1 needs stride 1 (tfjs), and tfjs has
 * no gradient for dilated convolutions.
 */
export class Conv2d extends Module {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable | null;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly dilation: [number, number];

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: Pair,
    options: Conv2dOptions = {},
  ) {
    super();
    this.kernelSize = pair(kernelSize);
    this.stride = pair(options.stride ?? 1);
    this.padding = pair(options.padding ?? 0);
    this.dilation = pair(options.dilation ?? 1);
    if ((this.dilation[0] > 1 || this.dilation[1] > 1) && (this.stride[0] > 1 || this.stride[1] > 1)) {
      throw new Error(`Conv2d: dilation [${this.dilation}] with stride [${this.stride}] is not supported by tfjs`);
    }
    const rng = options.rng ?? new Rng(0);
    const shape = [outChannels, inChannels, ...this.kernelSize];
    this.weight = this.registerParameter('weight', kaimingUniform(shape, rng));
    this.bias = options.bias === false ? null : this.registerParameter('bias', defaultBias(outChannels, shape, rng));
  }

  /** x [B, H, W, in] → [B, H', W', out]. */
  forward(x: tf.Tensor4D): tf.Tensor4D {
    if (x.rank !== 4 || x.shape[3] !== this.inChannels) {
      throw new Error(`Conv2d: input has shape [${x.shape}], expected NHWC [B, H, W, ${this.inChannels}]`);
    }
    return tf.tidy(() => {
      const [ph, pw] = this.padding;
      const pad: ConvPad = ph === pw ? ph : [[0, 0], [ph, ph], [pw, pw], [0, 0]];
      let y: tf.Tensor4D;
      if (this.dilation[0] === 1 && this.dilation[1] === 1) {
        y = conv2dSavingWeight(this.stride, pad)(x, this.weight) as tf.Tensor4D;
      } else {
        y = tf.conv2d(x, tf.transpose(this.weight, [2, 3, 1, 0]) as tf.Tensor4D, this.stride, pad, 'NHWC', this.dilation);
      }
      if (this.bias) y = tf.add(y, this.bias);
      return y;
    });
  }
}

type ConvPad = number | [[number, number], [number, number], [number, number], [number, number]];

/** tfjs-core 4.22's engine entry for an op with its own gradient (what `tf.customGrad` calls; not public API). */
interface KernelFuncEngine {
  runKernelFunc(params: {
    forwardFunc: (backend: unknown, save: tf.GradSaveFunc) => tf.Tensor;
    backwardsFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => Record<string, () => tf.Tensor>;
    inputs: tf.NamedTensorMap;
  }): tf.Tensor;
}

/**
 * `conv2d(x, transpose(w, [2, 3, 1, 0]))` whose gradient saves x and the weight w [out, in, kh, kw]
 * (the variable itself, no copy) and transposes it again when the gradient runs. tfjs's own graph
 * saves the transposed filter for the backward pass, and the wasm backend keeps XNNPACK's packed
 * copy of a filter while the filter lives: two copies of every convolution weight held from the
 * forward pass to its gradient (about 90 MB for a ResNet18 in each training thread). The gradients
 * are the same kernels on the same inputs as tfjs's Conv2D and Transpose gradients, so the values
 * are identical. Each input's gradient is computed only when asked for (as a registered kernel's
 * gradient, unlike `tf.customGrad`'s, which computes all of them): the backward pass asks only for
 * inputs that depend on a trained variable, so a first layer fed with images never computes the
 * input gradient (the ResNet stem's: ~90 ms of CPU per act-paper step of 4 samples at 480x640).
 */
function conv2dSavingWeight(stride: [number, number], pad: ConvPad): (x: tf.Tensor, w: tf.Tensor) => tf.Tensor {
  const attrs = { strides: stride, pad, dataFormat: 'NHWC', dimRoundingMode: undefined };
  return (x, w) =>
    (tf.engine() as unknown as KernelFuncEngine).runKernelFunc({
      inputs: { x, w },
      forwardFunc: (_backend, save) => {
        save([x, w]);
        return tf.conv2d(x as tf.Tensor4D, tf.transpose(w, [2, 3, 1, 0]) as tf.Tensor4D, stride, pad, 'NHWC');
      },
      backwardsFunc: (dy, saved) => {
        const [xs, ws] = saved as [tf.Tensor4D, tf.Tensor4D];
        return {
          x: () => {
            const filter = tf.transpose(ws, [2, 3, 1, 0]) as tf.Tensor4D;
            const dx = tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, { ...attrs, inputShape: xs.shape } as unknown as tf.NamedAttrMap) as tf.Tensor;
            // Each weight-sized temporary goes as soon as it is used.
            filter.dispose();
            return dx;
          },
          w: () => {
            const filterShape = [ws.shape[2], ws.shape[3], ws.shape[1], ws.shape[0]];
            const dFilter = tf.engine().runKernel('Conv2DBackpropFilter', { x: xs, dy }, { ...attrs, filterShape } as unknown as tf.NamedAttrMap) as tf.Tensor;
            const dw = tf.transpose(dFilter, [3, 2, 0, 1]);
            dFilter.dispose();
            return dw;
          },
        };
      },
    });
}
