// The ResNet is a shared block of cvae-core (DESIGN.md); re-exported here so this package's API is unchanged.
export { BasicBlock, Downsample, ResNet, type ResNetDepth } from '@actfusion/cvae-core/nn';
