// `@actfusion/cvae-core/nn`: the network building blocks (modules, layers, attention, position
// embeddings, convolutions; the ResNet is in @actfusion/encoder-vision-resnet) and the CVAE's parts (style encoder, fusion encoder, losses).
export { Module, ModuleList } from './module.js';
export {
  calculateGain,
  computeFans,
  defaultBias,
  kaimingNormal,
  kaimingUniform,
  normal,
  uniform,
  xavierUniform,
  xavierUniformInPlace,
} from './init.js';
export { activation, gelu, geluTanh, glu, relu, type ActivationName } from './activations.js';
export { Linear } from './linear.js';
export { LayerNorm } from './layer-norm.js';
export { Dropout, type ForwardOptions } from './dropout.js';
export { Embedding } from './embedding.js';
export { MultiheadAttention, type AttentionOptions } from './multihead-attention.js';
export { TransformerEncoderLayer, withPos, type TransformerLayerOptions } from './transformer-encoder-layer.js';
export { TransformerDecoderLayer, type DecoderLayerForwardOptions } from './transformer-decoder-layer.js';
export {
  ACTSinusoidalPositionEmbedding2d,
  createSinusoidalPosEmbedding,
  sinusoidalPositionEmbedding1d,
  sinusoidalPositionEmbedding2d,
} from './sinusoidal-position-embedding.js';
export { IMAGENET_MEAN, IMAGENET_STD, featureMapTokens, imagenetNormalize } from './image-feature-tokens.js';
export { Conv2d, type Conv2dOptions, type Pair } from './conv2d.js';
export { MaxPool2d } from './max-pool2d.js';
export { StyleEncoder, reparameterize, type StylePosterior } from '../cvae/style-encoder.js';
export { klDivergence } from '../cvae/kl-divergence.js';
export { ActEncoder, type ActEncoderOptions } from '../policy/act-encoder.js';
export { chunkReconstructionLoss, type ReconstructionLossOptions } from '../policy/chunk-reconstruction-loss.js';
