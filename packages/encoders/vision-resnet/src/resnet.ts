import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@actfusion/cvae-core';
import { Conv2d, kaimingNormal, MaxPool2d, Module, ModuleList } from '@actfusion/cvae-core/nn';
import { FrozenBatchNorm2d } from './frozen-batch-norm2d.js';
import { GroupNorm2d } from './group-norm2d.js';

/**
 * The backbone's normalisation. `frozen-batch-norm` (ACT, LeRobot): statistics and affine terms are
 * fixed buffers, right when starting from ImageNet weights, the identity when training from scratch.
 * `group-norm`: `GroupNorm(groups, C)` that trains (same names, `bn1`, `downsample.1`, ...).
 */
export type ResNetNorm = 'frozen-batch-norm' | 'group-norm';

export interface ResNetNormOptions {
  readonly norm?: ResNetNorm;
  /** Groups of `group-norm` (default 8; capped at the channels of a stage). */
  readonly groups?: number;
}

/** The normalisation layers a ResNet is built with. */
export type Norm2d = FrozenBatchNorm2d | GroupNorm2d;

export function makeNorm2d(channels: number, options: ResNetNormOptions = {}): Norm2d {
  const norm = options.norm ?? 'frozen-batch-norm';
  if (norm === 'group-norm') return new GroupNorm2d(Math.min(options.groups ?? 8, channels), channels);
  if (norm !== 'frozen-batch-norm') throw new Error(`ResNet: norm must be 'frozen-batch-norm' or 'group-norm', got '${String(norm)}'`);
  return new FrozenBatchNorm2d(channels);
}

/** FiLM terms of one residual block: `out = (1 + gamma) * out + beta`, each [B, planes]. */
export interface FilmTerms {
  readonly gamma: tf.Tensor2D;
  readonly beta: tf.Tensor2D;
}

/**
 * FiLM terms for a whole ResNet: index i is stage `layer{i+1}`; each stage lists its blocks'
 * terms in order, or is `undefined` (no FiLM in that stage). MT-ACT FiLMs layer2..layer4.
 */
export type ResNetFilm = readonly (readonly FilmTerms[] | undefined)[];

/**
 * torchvision's `BasicBlock` with frozen batch norm; stride sits in conv1 (and the downsample).
 * With `film`, MT-ACT's FiLM is applied after bn2 and before the residual add.
 */
export class BasicBlock extends Module {
  readonly conv1: Conv2d;
  readonly bn1: Norm2d;
  readonly conv2: Conv2d;
  readonly bn2: Norm2d;
  readonly downsample: Downsample | null;

  constructor(
    inChannels: number,
    readonly channels: number,
    stride: number,
    rng: Rng,
    norm: ResNetNormOptions = {},
  ) {
    super();
    this.conv1 = this.registerModule('conv1', convKaiming(inChannels, channels, 3, stride, 1, rng));
    this.bn1 = this.registerModule('bn1', makeNorm2d(channels, norm));
    this.conv2 = this.registerModule('conv2', convKaiming(channels, channels, 3, 1, 1, rng));
    this.bn2 = this.registerModule('bn2', makeNorm2d(channels, norm));
    this.downsample =
      stride !== 1 || inChannels !== channels
        ? this.registerModule('downsample', new Downsample(inChannels, channels, stride, rng, norm))
        : null;
  }

  forward(x: tf.Tensor4D, film?: FilmTerms): tf.Tensor4D {
    return tf.tidy(() => {
      let y = this.bn2.forward(this.conv2.forward(tf.relu(this.bn1.forward(this.conv1.forward(x)))));
      if (film) {
        const [b, , , c] = y.shape;
        for (const [k, t] of [['gamma', film.gamma], ['beta', film.beta]] as const) {
          if (t.rank !== 2 || t.shape[0] !== b || t.shape[1] !== c) {
            throw new Error(`BasicBlock: FiLM ${k} has shape [${t.shape}], expected [${b}, ${c}]`);
          }
        }
        const g = tf.reshape(film.gamma, [b, 1, 1, c]);
        const be = tf.reshape(film.beta, [b, 1, 1, c]);
        y = tf.add(tf.mul(y, tf.add(g, 1)), be);
      }
      const identity = this.downsample ? this.downsample.forward(x) : x;
      return tf.relu(tf.add(y, identity));
    });
  }
}

/** `downsample` = Sequential(1x1 conv with stride (`0`), the norm (`1`)). */
export class Downsample extends ModuleList {
  constructor(inChannels: number, channels: number, stride: number, rng: Rng, norm: ResNetNormOptions = {}) {
    super([convKaiming(inChannels, channels, 1, stride, 0, rng), makeNorm2d(channels, norm)]);
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => (this.at(1) as Norm2d).forward((this.at(0) as Conv2d).forward(x)));
  }
}

export type ResNetDepth = 18 | 34;
/** Residual blocks per stage (layer1..layer4). */
export const RESNET_BLOCKS: Readonly<Record<ResNetDepth, readonly number[]>> = { 18: [2, 2, 2, 2], 34: [3, 4, 6, 3] };

/**
 * torchvision ResNet18/34 up to layer4 (no avgpool, no fc), NHWC in, NHWC out: [B, H/32, W/32, 8w].
 * `width` is torchvision's 64 by default; smaller widths scale every stage (w, 2w, 4w, 8w) for small
 * models. Names match torchvision (`conv1`, `bn1`, `layer1.0.conv1`, `layer2.0.downsample.0`, ...);
 * batch norm is frozen (statistics and affine terms are buffers) unless `norm: 'group-norm'`;
 * convolution weights train.
 * A shared block of cvae-core: the vision and the visuo-tactile encoders both build on it.
 */
export class ResNet extends Module {
  readonly conv1: Conv2d;
  readonly bn1: Norm2d;
  readonly layers: ModuleList<BasicBlock>[] = [];
  readonly outChannels: number;
  private readonly maxpool = new MaxPool2d(3, 2, 1);

  constructor(
    readonly depth: ResNetDepth = 18,
    readonly width = 64,
    rng: Rng = new Rng(0),
    readonly normOptions: ResNetNormOptions = {},
  ) {
    super();
    const blocks = RESNET_BLOCKS[depth];
    if (!blocks) throw new Error(`ResNet: depth must be 18 or 34, got ${String(depth)}`);
    if (!(Number.isInteger(width) && width > 0)) throw new Error(`ResNet: width must be a positive integer, got ${width}`);
    this.conv1 = this.registerModule('conv1', convKaiming(3, width, 7, 2, 3, rng));
    this.bn1 = this.registerModule('bn1', makeNorm2d(width, normOptions));
    let cin = width;
    blocks.forEach((n, i) => {
      const c = width * 2 ** i;
      const stage = new ModuleList<BasicBlock>();
      for (let b = 0; b < n; b++) stage.push(new BasicBlock(b === 0 ? cin : c, c, b === 0 && i > 0 ? 2 : 1, rng, normOptions));
      this.layers.push(this.registerModule(`layer${i + 1}`, stage));
      cin = c;
    });
    this.outChannels = cin;
  }

  /** Channels of stage i (0-based: layer1 = 0). */
  stageChannels(i: number): number {
    return this.width * 2 ** i;
  }

  /**
   * x [B, H, W, 3] (normalised) -> layer4 features [B, ceil(H/32), ceil(W/32), outChannels].
   * `film` (optional) modulates the blocks of the stages it names (see `ResNetFilm`).
   */
  forward(x: tf.Tensor4D, film?: ResNetFilm): tf.Tensor4D {
    if (x.rank !== 4 || x.shape[3] !== 3) throw new Error(`ResNet: input has shape [${x.shape}], expected [B, H, W, 3]`);
    if (film && film.length > this.layers.length) throw new Error(`ResNet: FiLM names ${film.length} stages, the network has ${this.layers.length}`);
    return tf.tidy(() => {
      let y = this.maxpool.forward(tf.relu(this.bn1.forward(this.conv1.forward(x))));
      this.layers.forEach((stage, i) => {
        const terms = film?.[i];
        if (terms && terms.length !== stage.items.length) {
          throw new Error(`ResNet: FiLM for layer${i + 1} has ${terms.length} blocks, expected ${stage.items.length}`);
        }
        stage.items.forEach((block, b) => (y = block.forward(y, terms?.[b])));
      });
      return y;
    });
  }
}

/** Side of the stride-32 feature map for an input side `n` (conv1, maxpool, three stride-2 stages). */
export function resnetFeatureSize(n: number): number {
  let s = n;
  for (let i = 0; i < 5; i++) s = Math.floor((s - 1) / 2) + 1;
  return s;
}

/** Bias-free conv with torchvision's init: kaiming_normal_(mode='fan_out', nonlinearity='relu'). */
function convKaiming(cin: number, cout: number, k: number, stride: number, padding: number, rng: Rng): Conv2d {
  const conv = new Conv2d(cin, cout, k, { stride, padding, bias: false, rng });
  const w = kaimingNormal(conv.weight.shape, rng, 'fan_out');
  conv.weight.assign(w);
  w.dispose();
  return conv;
}
