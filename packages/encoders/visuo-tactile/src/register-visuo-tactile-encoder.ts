import { Lifecycle, type DependencyContainer } from 'tsyringe';
import { TOKENS } from '@actfusion/contracts';
import { VisuoTactileEncoder } from './visuo-tactile-encoder.js';
import { VISUO_TACTILE_OPTIONS, type VisuoTactileOptions } from './visuo-tactile-options.js';

/**
 * Adds the visuo-tactile encoder to the experiment's modality encoders (call it in config order,
 * after the container holds `TOKENS.ObservationSpec`, `TOKENS.PolicyConfig` and `TOKENS.InitRng`).
 */
export function registerVisuoTactileEncoder(container: DependencyContainer, options: VisuoTactileOptions = {}): void {
  container.register(VISUO_TACTILE_OPTIONS, { useValue: options });
  container.register(VisuoTactileEncoder, { useClass: VisuoTactileEncoder }, { lifecycle: Lifecycle.ContainerScoped });
  container.register(TOKENS.ModalityEncoder, { useToken: VisuoTactileEncoder });
}
