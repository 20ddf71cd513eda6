export {
  BasicBlock,
  Downsample,
  RESNET_BLOCKS,
  ResNet,
  makeNorm2d,
  resnetFeatureSize,
  type FilmTerms,
  type Norm2d,
  type ResNetDepth,
  type ResNetFilm,
  type ResNetNorm,
  type ResNetNormOptions,
} from './resnet.js';
export { ResNetFilmGenerator } from './resnet-film.js';
export { FrozenBatchNorm2d } from './frozen-batch-norm2d.js';
export { GroupNorm2d } from './group-norm2d.js';
export { loadTorchvisionResNet } from './load-torchvision-resnet.js';
export {
  exportBasicBlock,
  exportConvBn,
  exportConvNorm,
  exportResNet,
  exportResNetFilm,
  type OnnxFilmTerms,
} from './resnet-onnx-export.js';
export { VisionResNetEncoder, cameraFeatures } from './vision-resnet-encoder.js';
export { VISION_RESNET_OPTIONS, type VisionResNetOptions } from './vision-resnet-options.js';
export { registerVisionResNet } from './register-vision-resnet.js';
