import * as tf from '@tensorflow/tfjs-core';
import { inject, injectable } from 'tsyringe';
import {
  Linear,
  Module,
  Rng,
  TOKENS,
  exportLinear,
  type EncodeContext,
  type OnnxEncoderContext,
  type OnnxExportableEncoder,
  type OnnxTokens,
  type ModalityEncoder,
  type ObservationBatch,
  type ObservationKey,
  type ObservationSpec,
  type PolicyConfig,
  type TokenSet,
} from '@actfusion/cvae-core';
import type { InstructionEmbeddings } from './instruction-embeddings.js';
import { LANGUAGE_ENCODER_OPTIONS, type LanguageEncoderOptions } from './language-encoder-options.js';

/**
 * The ONNX input of the instruction: its sentence embedding (the `InstructionEmbeddings` row of
 * the observation's `task`), float32 [B, E]. The string lookup stays outside the graph.
 */
export const TASK_EMBEDDING_KEY = 'task.embedding';

/** MT-ACT's embedding width (all-MiniLM-L6-v2). */
export const MINILM_EMBEDDING_DIM = 384;

/**
 * The instruction as ONE extra 1-D token of the fusion encoder (MT-ACT's task token): the
 * precomputed sentence embedding `batch.language` [B, E] through `proj_text_emb`
 * (Linear(E -> dimModel), MT-ACT's name, at the model's top level). Its position is learned: the
 * policy gives it a row of `encoder_1d_feature_pos_embed` (MT-ACT's `additional_pos_embed` row),
 * so `positions` here are zeros. No language model runs; see `InstructionEmbeddings`.
 */
@injectable()
export class LanguageTokenEncoder extends Module implements ModalityEncoder, OnnxExportableEncoder {
  readonly name: string = 'language';
  readonly parameterPrefix: string = '';
  readonly learnedPositions = true;
  readonly inputs: readonly ObservationKey[] = ['language'];
  readonly embeddingDim: number;
  readonly proj_text_emb: Linear;
  /** The experiment's instruction table: embeds `Observation.instruction` when the batch has no `language`. */
  readonly table: InstructionEmbeddings | undefined;

  constructor(
    @inject(TOKENS.ObservationSpec) readonly spec: ObservationSpec,
    @inject(TOKENS.PolicyConfig) readonly config: PolicyConfig,
    @inject(LANGUAGE_ENCODER_OPTIONS) options: LanguageEncoderOptions,
    @inject(TOKENS.InitRng) rng: Rng,
  ) {
    super();
    this.embeddingDim = options.embeddingDim ?? spec.languageDim ?? MINILM_EMBEDDING_DIM;
    if (!(Number.isInteger(this.embeddingDim) && this.embeddingDim > 0)) {
      throw new Error(`LanguageEncoder: embeddingDim must be a positive integer, got ${this.embeddingDim}`);
    }
    if (spec.languageDim !== undefined && spec.languageDim !== this.embeddingDim) {
      throw new Error(`LanguageEncoder: embeddingDim ${this.embeddingDim} differs from the observation spec's languageDim ${spec.languageDim}`);
    }
    this.proj_text_emb = this.registerModule('proj_text_emb', new Linear(this.embeddingDim, config.dimModel, { rng }));
    this.table = options.embeddings;
    if (this.table !== undefined && this.table.dim !== this.embeddingDim) {
      throw new Error(`LanguageEncoder: the instruction table ${this.table.source} is ${this.table.dim}-d, embeddingDim is ${this.embeddingDim}`);
    }
  }

  /**
   * The batch's sentence embeddings [B, E]: `batch.language` when the caller made them, else each
   * observation's `instruction` through the instruction table (an unknown instruction is an error
   * naming it and the known ones).
   */
  embed(batch: ObservationBatch): tf.Tensor2D {
    if (batch.language) return batch.language;
    if (this.table === undefined || batch.observations === undefined) {
      throw new Error(
        `${this.constructor.name}: batch.language is missing; expected [B, ${this.embeddingDim}] sentence embeddings, or observations with an instruction and an instruction table (options.embeddings)`,
      );
    }
    return this.table.embed(batch.observations.map((o) => o.instruction));
  }

  tokenCount(_spec: ObservationSpec): number {
    return 1;
  }

  /** The projected embedding [B, dimModel]. */
  project(batch: ObservationBatch): tf.Tensor2D {
    return tf.tidy(() => {
      const e = this.embed(batch);
      const B = batch.qpos.shape[0];
      if (e.rank !== 2 || e.shape[1] !== this.embeddingDim || e.shape[0] !== B) {
        throw new Error(`${this.constructor.name}: batch.language has shape [${e.shape}], expected [${B}, ${this.embeddingDim}]`);
      }
      return this.proj_text_emb.forward(e);
    });
  }

  encode(batch: ObservationBatch, _ctx: EncodeContext): TokenSet {
    return tf.tidy(() => {
      const p = this.project(batch);
      return { tokens: tf.expandDims(p, 1) as tf.Tensor3D, positions: tf.zeros([1, this.config.dimModel]) as tf.Tensor2D };
    });
  }

  /** ONNX: the projected embedding [B, D] of the `task.embedding` input. */
  exportProjectionOnnx(ctx: OnnxEncoderContext): string {
    const g = ctx.graph;
    return g.scope('proj_text_emb', () => exportLinear(g, this.proj_text_emb, ctx.tensor(TASK_EMBEDDING_KEY, [this.embeddingDim])));
  }

  /** ONNX: the instruction token [B, 1, D] at position 0 (the policy adds the learned row). */
  exportOnnx(ctx: OnnxEncoderContext): OnnxTokens {
    const g = ctx.graph;
    const D = this.config.dimModel;
    return { tokens: g.op('Reshape', [this.exportProjectionOnnx(ctx), g.int64([0, 1, D])], {}, 'tokens'), count: 1, positions: new Float32Array(D) };
  }
}
