import * as tf from '@tensorflow/tfjs-core';
import { Conv2d, FrozenBatchNorm2d, kaimingNormal, MaxPool2d, Module, ModuleList, Rng } from '@actfusion/cvae-core';

/** torchvision's `BasicBlock` with frozen batch norm; stride sits in conv1 (and the downsample). */
export class BasicBlock extends Module {
  readonly conv1: Conv2d;
  readonly bn1: FrozenBatchNorm2d;
  readonly conv2: Conv2d;
  readonly bn2: FrozenBatchNorm2d;
  readonly downsample: Downsample | null;

  constructor(inChannels: number, channels: number, stride: number, rng: Rng) {
    super();
    this.conv1 = this.registerModule('conv1', convKaiming(inChannels, channels, 3, stride, 1, rng));
    this.bn1 = this.registerModule('bn1', new FrozenBatchNorm2d(channels));
    this.conv2 = this.registerModule('conv2', convKaiming(channels, channels, 3, 1, 1, rng));
    this.bn2 = this.registerModule('bn2', new FrozenBatchNorm2d(channels));
    this.downsample =
      stride !== 1 || inChannels !== channels
        ? this.registerModule('downsample', new Downsample(inChannels, channels, stride, rng))
        : null;
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const y = this.bn2.forward(this.conv2.forward(tf.relu(this.bn1.forward(this.conv1.forward(x)))));
      const identity = this.downsample ? this.downsample.forward(x) : x;
      return tf.relu(tf.add(y, identity));
    });
  }
}

/** `downsample` = Sequential(1x1 conv with stride (`0`), FrozenBatchNorm (`1`)). */
export class Downsample extends ModuleList {
  constructor(inChannels: number, channels: number, stride: number, rng: Rng) {
    super([convKaiming(inChannels, channels, 1, stride, 0, rng), new FrozenBatchNorm2d(channels)]);
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => (this.at(1) as FrozenBatchNorm2d).forward((this.at(0) as Conv2d).forward(x)));
  }
}

export type ResNetDepth = 18 | 34;
const BLOCKS: Record<ResNetDepth, readonly number[]> = { 18: [2, 2, 2, 2], 34: [3, 4, 6, 3] };

/**
 * torchvision ResNet18/34 up to layer4 (no avgpool, no fc), NHWC in, NHWC out: [B, H/32, W/32, 8w].
 * `width` is torchvision's 64 by default; smaller widths scale every stage (w, 2w, 4w, 8w) for small
 * models. Names match torchvision (`conv1`, `bn1`, `layer1.0.conv1`, `layer2.0.downsample.0`, ...);
 * batch norm is frozen (statistics and affine terms are buffers); convolution weights train.
 */
export class ResNet extends Module {
  readonly conv1: Conv2d;
  readonly bn1: FrozenBatchNorm2d;
  readonly layers: ModuleList<BasicBlock>[] = [];
  readonly outChannels: number;
  private readonly maxpool = new MaxPool2d(3, 2, 1);

  constructor(
    readonly depth: ResNetDepth = 18,
    readonly width = 64,
    rng: Rng = new Rng(0),
  ) {
    super();
    const blocks = BLOCKS[depth];
    if (!blocks) throw new Error(`ResNet: depth must be 18 or 34, got ${String(depth)}`);
    if (!(Number.isInteger(width) && width > 0)) throw new Error(`ResNet: width must be a positive integer, got ${width}`);
    this.conv1 = this.registerModule('conv1', convKaiming(3, width, 7, 2, 3, rng));
    this.bn1 = this.registerModule('bn1', new FrozenBatchNorm2d(width));
    let cin = width;
    blocks.forEach((n, i) => {
      const c = width * 2 ** i;
      const stage = new ModuleList<BasicBlock>();
      for (let b = 0; b < n; b++) stage.push(new BasicBlock(b === 0 ? cin : c, c, b === 0 && i > 0 ? 2 : 1, rng));
      this.layers.push(this.registerModule(`layer${i + 1}`, stage));
      cin = c;
    });
    this.outChannels = cin;
  }

  /** x [B, H, W, 3] (normalised) -> layer4 features [B, ceil(H/32), ceil(W/32), outChannels]. */
  forward(x: tf.Tensor4D): tf.Tensor4D {
    if (x.rank !== 4 || x.shape[3] !== 3) throw new Error(`ResNet: input has shape [${x.shape}], expected [B, H, W, 3]`);
    return tf.tidy(() => {
      let y = this.maxpool.forward(tf.relu(this.bn1.forward(this.conv1.forward(x))));
      for (const stage of this.layers) for (const block of stage) y = block.forward(y);
      return y;
    });
  }
}

/** Bias-free conv with torchvision's init: kaiming_normal_(mode='fan_out', nonlinearity='relu'). */
function convKaiming(cin: number, cout: number, k: number, stride: number, padding: number, rng: Rng): Conv2d {
  const conv = new Conv2d(cin, cout, k, { stride, padding, bias: false, rng });
  const w = kaimingNormal(conv.weight.shape, rng, 'fan_out');
  conv.weight.assign(w);
  w.dispose();
  return conv;
}
