/** DI token of the language encoder's options. */
export const LANGUAGE_ENCODER_OPTIONS = Symbol.for('actfusion.LanguageEncoderOptions');

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
}
