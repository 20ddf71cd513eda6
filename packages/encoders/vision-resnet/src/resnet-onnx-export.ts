import { attr, exportAffine, transposedRows, valuesOf, type OnnxGraphBuilder } from '@actfusion/cvae-core/io';
import type { Conv2d } from '@actfusion/cvae-core/nn';
import { FrozenBatchNorm2d } from './frozen-batch-norm2d.js';
import type { GroupNorm2d } from './group-norm2d.js';
import type { ResNetFilmGenerator } from './resnet-film.js';
import type { BasicBlock, Norm2d, ResNet } from './resnet.js';

/**
 * ONNX export of the ResNet (conv + frozen batch norm folded, group norm, basic blocks, MT-ACT FiLM). Inside the graph images are NCHW (ONNX's and ONNX
 * Runtime's native layout); the tfjs modules run NHWC, with the same weights (PyTorch layout).
 */

/** FiLM terms of one block as graph values [B, C, 1, 1]: `(1 + gamma)` and `beta`. */
export interface OnnxFilmTerms {
  readonly onePlusGamma: string;
  readonly beta: string;
}

/**
 * `Conv2d` followed by an optional `FrozenBatchNorm2d`, as ONE ONNX Conv: the frozen statistics
 * are folded into the kernel and bias (`W' = W·scale[o]`, `b' = b·scale + bias − mean·scale`,
 * `scale = weight/√(var + eps)`), computed in float64 and rounded once.
 */
export function exportConvBn(g: OnnxGraphBuilder, conv: Conv2d, bn: FrozenBatchNorm2d | null, x: string, hint = 'conv'): string {
  const [kh, kw] = conv.kernelSize;
  const per = conv.inChannels * kh * kw;
  const w = valuesOf(conv.weight);
  const b = conv.bias ? valuesOf(conv.bias) : new Float32Array(conv.outChannels);
  const weight = new Float32Array(w.length);
  const bias = new Float32Array(conv.outChannels);
  const stats = bn
    ? { gamma: valuesOf(bn.weight), beta: valuesOf(bn.bias), mean: valuesOf(bn.runningMean), variance: valuesOf(bn.runningVar) }
    : null;
  for (let o = 0; o < conv.outChannels; o++) {
    const scale = stats ? stats.gamma[o]! / Math.sqrt(stats.variance[o]! + bn!.eps) : 1;
    const shift = stats ? stats.beta[o]! - stats.mean[o]! * scale : 0;
    for (let j = 0; j < per; j++) weight[o * per + j] = w[o * per + j]! * scale;
    bias[o] = b[o]! * scale + shift;
  }
  const [ph, pw] = conv.padding;
  return g.op(
    'Conv',
    [x, g.constant(`${hint}.weight`, weight, [conv.outChannels, conv.inChannels, kh, kw]), g.constant(`${hint}.bias`, bias, [conv.outChannels])],
    {
      kernel_shape: attr.ints([kh, kw]),
      strides: attr.ints([...conv.stride]),
      pads: attr.ints([ph, pw, ph, pw]),
      dilations: attr.ints([...conv.dilation]),
    },
    hint,
  );
}

/**
 * `Conv2d` then the ResNet's norm: a frozen batch norm folds into the Conv (`exportConvBn`); a
 * group norm follows it as Reshape [B, G, -1] -> InstanceNormalization -> Reshape back ->
 * per-channel affine (ONNX's own GroupNormalization is opset 18 and not in every runtime).
 */
export function exportConvNorm(g: OnnxGraphBuilder, conv: Conv2d, norm: Norm2d | null, x: string, hint = 'conv'): string {
  if (norm === null || norm instanceof FrozenBatchNorm2d) return exportConvBn(g, conv, norm, x, hint);
  return exportGroupNorm(g, norm, exportConvBn(g, conv, null, x, hint), `${hint}.gn`);
}

function exportGroupNorm(g: OnnxGraphBuilder, gn: GroupNorm2d, x: string, hint: string): string {
  const grouped = g.op('Reshape', [x, g.int64([0, gn.numGroups, -1])]);
  const normed = g.op(
    'InstanceNormalization',
    [grouped, g.constant(`${hint}.ones`, new Float32Array(gn.numGroups).fill(1), [gn.numGroups]), g.constant(`${hint}.zeros`, new Float32Array(gn.numGroups), [gn.numGroups])],
    { epsilon: attr.float(gn.eps) },
    hint,
  );
  const back = g.op('Reshape', [normed, g.op('Shape', [x])]);
  const c = gn.numChannels;
  return g.op('Add', [g.op('Mul', [back, g.constant(`${hint}.weight`, valuesOf(gn.weight), [1, c, 1, 1])]), g.constant(`${hint}.bias`, valuesOf(gn.bias), [1, c, 1, 1])]);
}

/** torchvision's `BasicBlock` (frozen BN folded), with MT-ACT FiLM after bn2 when `film` is given. */
export function exportBasicBlock(g: OnnxGraphBuilder, block: BasicBlock, x: string, film?: OnnxFilmTerms): string {
  let y = g.op('Relu', [exportConvNorm(g, block.conv1, block.bn1, x, 'conv1')]);
  y = exportConvNorm(g, block.conv2, block.bn2, y, 'conv2');
  if (film) y = g.op('Add', [g.op('Mul', [y, film.onePlusGamma]), film.beta], {}, 'film');
  const identity = block.downsample
    ? g.scope('downsample', () => exportConvNorm(g, block.downsample!.at(0) as Conv2d, block.downsample!.at(1) as Norm2d, x, '0'))
    : x;
  return g.op('Relu', [g.op('Add', [y, identity], {}, 'residual')]);
}

/** A `ResNet` up to layer4: x [B, 3, H, W] -> [B, C, H/32, W/32]; `film[i][b]` modulates block b of layer{i+1}. */
export function exportResNet(g: OnnxGraphBuilder, net: ResNet, x: string, film?: readonly (readonly OnnxFilmTerms[] | undefined)[]): string {
  let y = g.op('Relu', [exportConvNorm(g, net.conv1, net.bn1, x, 'conv1')]);
  y = g.op('MaxPool', [y], { kernel_shape: attr.ints([3, 3]), strides: attr.ints([2, 2]), pads: attr.ints([1, 1, 1, 1]) }, 'maxpool');
  net.layers.forEach((stage, i) => {
    stage.items.forEach((block, b) => {
      y = g.scope(`layer${i + 1}.${b}`, () => exportBasicBlock(g, block, y, film?.[i]?.[b]));
    });
  });
  return y;
}

/**
 * MT-ACT's FiLM generator: per FiLM'd stage and block, `(1 + gamma)` and `beta` as [B, C, 1, 1],
 * each one MatMul over the rows of `backbone_film.layerN` that make it (the +1 folded into the bias).
 */
export function exportResNetFilm(g: OnnxGraphBuilder, gen: ResNetFilmGenerator, net: ResNet, conditioning: string): (OnnxFilmTerms[] | undefined)[] {
  const film: (OnnxFilmTerms[] | undefined)[] = [];
  const toNchw = g.int64([0, -1, 1, 1]);
  for (const s of gen.stages) {
    const linear = gen.stageLinear(s);
    const planes = net.stageChannels(s - 1);
    const w = valuesOf(linear.weight);
    const b = valuesOf(linear.bias!);
    const terms: OnnxFilmTerms[] = [];
    for (let k = 0; k < net.layers[s - 1]!.items.length; k++) {
      const part = (which: 0 | 1, plus: number): string => {
        const from = (k * 2 + which) * planes;
        const wt = transposedRows(w, linear.outFeatures, linear.inFeatures, from, from + planes);
        const bias = b.slice(from, from + planes).map((v) => v + plus);
        const hint = `layer${s}.${k}.${which === 0 ? 'one_plus_gamma' : 'beta'}`;
        return g.op('Reshape', [exportAffine(g, conditioning, wt, bias, linear.inFeatures, planes, hint), toNchw]);
      };
      terms.push({ onePlusGamma: part(0, 1), beta: part(1, 0) });
    }
    film[s - 1] = terms;
  }
  return film;
}
