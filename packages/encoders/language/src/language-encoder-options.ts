import type { InstructionEmbeddings } from './instruction-embeddings.js';

/** DI token of the language encoder's options. */
export const LANGUAGE_ENCODER_OPTIONS = Symbol.for('actfusion.LanguageEncoderOptions');

/**
 * DI token of the experiment's `InstructionEmbeddings` (registered when the options carry a table),
 * so whoever builds batches can turn `Observation.instruction` into `ObservationBatch.language`.
 */
export const INSTRUCTION_EMBEDDINGS = Symbol.for('actfusion.InstructionEmbeddings');

export interface LanguageEncoderOptions {
  /**
   * Width of the precomputed sentence embedding in `ObservationBatch.language` (MT-ACT: 384, the
   * L2-normalised all-MiniLM-L6-v2 vector). Default: the observation spec's `languageDim`, else 384.
   */
  readonly embeddingDim?: number;
  /**
   * `true` (default, MT-ACT): the projected embedding is also the conditioning vector the policy
   * hands to the other encoders (FiLM in the vision ResNet). `false`: the instruction is only a
   * token, and no encoder receives conditioning from it.
   */
  readonly film?: boolean;
  /**
   * The instruction -> embedding table of the experiment. When given, it is registered under
   * `INSTRUCTION_EMBEDDINGS` and its `dim` is the embedding width (it must agree with `embeddingDim`).
   */
  readonly embeddings?: InstructionEmbeddings;
}
