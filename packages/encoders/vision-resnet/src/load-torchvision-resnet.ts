// Lives in cvae-core next to the ResNet block; re-exported here so this package's API is unchanged.
export { loadTorchvisionResNet } from '@actfusion/cvae-core/io';
