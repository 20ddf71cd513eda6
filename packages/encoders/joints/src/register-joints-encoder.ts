import { Lifecycle, type DependencyContainer } from 'tsyringe';
import { TOKENS } from '@actfusion/contracts';
import { JointsEncoder } from './joints-encoder.js';

/**
 * Adds the joint-state encoder to the experiment's modality encoders (call it in config order,
 * after the container holds `TOKENS.ObservationSpec`, `TOKENS.PolicyConfig` and `TOKENS.InitRng`).
 */
export function registerJointsEncoder(container: DependencyContainer): void {
  container.register(JointsEncoder, { useClass: JointsEncoder }, { lifecycle: Lifecycle.ContainerScoped });
  container.register(TOKENS.ModalityEncoder, { useToken: JointsEncoder });
}
