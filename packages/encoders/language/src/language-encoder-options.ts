import type { InstructionEmbeddings } from './instruction-embeddings.js';

/** DI token of the language encoder's options. */
export const LANGUAGE_ENCODER_OPTIONS = Symbol.for('actfusion.LanguageEncoderOptions');

/**
 * DI token of the experiment's `InstructionEmbeddings` (registered when the options carry a table),
 * for whoever else needs the experiment's instruction vocabulary (the encoder featurises with it itself).
 */
export const INSTRUCTION_EMBEDDINGS = Symbol.for('actfusion.InstructionEmbeddings');

export interface LanguageEncoderOptions {
  /**
   * Width of the precomputed sentence embedding the encoder featurises `task` into (MT-ACT: 384,
   * the L2-normalised all-MiniLM-L6-v2 vector). Default: the `embeddings` table's width, else 384.
   */
  readonly embeddingDim?: number;
  /**
   * `true` (default, MT-ACT): the projected embedding is also the conditioning vector the policy
   * hands to the other encoders (FiLM in the vision ResNet). `false`: the instruction is only a
   * token, and no encoder receives conditioning from it.
   */
  readonly film?: boolean;
  /**
   * The instruction -> embedding table of the experiment: `featurise` turns each observation's
   * `task` into its row. When given, it is also registered under `INSTRUCTION_EMBEDDINGS` and its
   * `dim` is the embedding width (it must agree with `embeddingDim`). Without it, featurising fails.
   */
  readonly embeddings?: InstructionEmbeddings;
}
