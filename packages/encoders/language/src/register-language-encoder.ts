import { Lifecycle, type DependencyContainer } from 'tsyringe';
import { TOKENS } from '@actfusion/contracts';
import { LanguageEncoder } from './language-encoder.js';
import { INSTRUCTION_EMBEDDINGS, LANGUAGE_ENCODER_OPTIONS, type LanguageEncoderOptions } from './language-encoder-options.js';
import { LanguageTokenEncoder } from './language-token-encoder.js';

/**
 * Adds the language encoder to the experiment's modality encoders (call it in config order, after
 * the container holds `TOKENS.ObservationSpec`, `TOKENS.PolicyConfig` and `TOKENS.InitRng`).
 * With `film` (default) it is a `Conditioner` (`LanguageEncoder`), else a token only. An
 * `embeddings` table is registered under `INSTRUCTION_EMBEDDINGS` and fixes the embedding width.
 */
export function registerLanguageEncoder(container: DependencyContainer, options: LanguageEncoderOptions = {}): void {
  const table = options.embeddings;
  if (table && options.embeddingDim !== undefined && options.embeddingDim !== table.dim) {
    throw new Error(`registerLanguageEncoder: embeddingDim ${options.embeddingDim} differs from the ${table.dim}-d embeddings of ${table.source}`);
  }
  container.register(LANGUAGE_ENCODER_OPTIONS, { useValue: table ? { ...options, embeddingDim: table.dim } : options });
  if (table) container.register(INSTRUCTION_EMBEDDINGS, { useValue: table });
  const cls = (options.film ?? true) ? LanguageEncoder : LanguageTokenEncoder;
  container.register(cls, { useClass: cls }, { lifecycle: Lifecycle.ContainerScoped });
  container.register(TOKENS.ModalityEncoder, { useToken: cls });
}
