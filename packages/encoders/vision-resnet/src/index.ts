export { BasicBlock, Downsample, ResNet, type ResNetDepth } from './resnet.js';
export { VisionResNetEncoder, cameraFeatures } from './vision-resnet-encoder.js';
export { VISION_RESNET_OPTIONS, type VisionResNetOptions } from './vision-resnet-options.js';
export { loadTorchvisionResNet } from './load-torchvision-resnet.js';
export { registerVisionResNet } from './register-vision-resnet.js';
