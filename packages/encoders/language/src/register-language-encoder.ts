import { Lifecycle, type DependencyContainer } from 'tsyringe';
import { TOKENS } from '@actfusion/cvae-core';
import { LanguageEncoder } from './language-encoder.js';
import { LANGUAGE_ENCODER_OPTIONS, type LanguageEncoderOptions } from './language-encoder-options.js';
import { LanguageTokenEncoder } from './language-token-encoder.js';

/**
 * Adds the language encoder to the experiment's modality encoders (call it in config order, after
 * the container holds `TOKENS.ObservationSpec`, `TOKENS.PolicyConfig` and `TOKENS.InitRng`).
 * With `film` (default) it is a `Conditioner` (`LanguageEncoder`), else a token only.
 */
export function registerLanguageEncoder(container: DependencyContainer, options: LanguageEncoderOptions = {}): void {
  container.register(LANGUAGE_ENCODER_OPTIONS, { useValue: options });
  const cls = (options.film ?? true) ? LanguageEncoder : LanguageTokenEncoder;
  container.register(cls, { useClass: cls }, { lifecycle: Lifecycle.ContainerScoped });
  container.register(TOKENS.ModalityEncoder, { useToken: cls });
}
