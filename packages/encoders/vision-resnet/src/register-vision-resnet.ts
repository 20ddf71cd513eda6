import { Lifecycle, type DependencyContainer } from 'tsyringe';
import { TOKENS } from '@actfusion/contracts';
import { VisionResNetEncoder } from './vision-resnet-encoder.js';
import { VISION_RESNET_OPTIONS, type VisionResNetOptions } from './vision-resnet-options.js';

/** Adds the ResNet image encoder to the experiment's modality encoders (call in config order). */
export function registerVisionResNet(container: DependencyContainer, options: VisionResNetOptions = {}): void {
  container.register(VISION_RESNET_OPTIONS, { useValue: options });
  container.register(VisionResNetEncoder, { useClass: VisionResNetEncoder }, { lifecycle: Lifecycle.ContainerScoped });
  container.register(TOKENS.ModalityEncoder, { useToken: VisionResNetEncoder });
}
