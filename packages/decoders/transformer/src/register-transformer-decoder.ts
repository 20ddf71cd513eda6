import { Lifecycle, type DependencyContainer } from 'tsyringe';
import { TOKENS } from '@actfusion/contracts';
import { TransformerActionDecoder } from './transformer-decoder.js';

/**
 * Registers the DETR-style decoder as the experiment's `ActionDecoder`. Its sizes come from
 * `TOKENS.PolicyConfig` (`nDecoderLayers`, default 1, `chunkSize`, ...); weights from `TOKENS.InitRng`.
 */
export function registerTransformerDecoder(container: DependencyContainer): void {
  container.register(TransformerActionDecoder, { useClass: TransformerActionDecoder }, { lifecycle: Lifecycle.ContainerScoped });
  container.register(TOKENS.ActionDecoder, { useToken: TransformerActionDecoder });
}
