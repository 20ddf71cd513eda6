import * as tf from '@tensorflow/tfjs-core';
import { inject, injectable } from 'tsyringe';
import {
  Rng,
  type EncodeContext,
  type ModalityEncoder,
  batchInput,
  type FeatureBatch,
  type ObservationBatch,
  type PolicyConfig,
  type TokenSet,
} from '@actfusion/cvae-core';
import { exportLinear, type OnnxEncoderContext, type OnnxExportableEncoder, type OnnxTokens } from '@actfusion/cvae-core/io';
import { Linear, Module } from '@actfusion/cvae-core/nn';
import { TOKENS, type ObservationSpec } from '@actfusion/contracts';
import { TASK, textFeature, type FeatureSpec, type Observation } from '@actfusion/contracts';
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
 * precomputed sentence embedding of the observation's `task` [B, E] (`featurise`, through the
 * `embeddings` table) through `proj_text_emb`
 * (Linear(E -> dimModel), MT-ACT's name, at the model's top level). Its position is learned: the
 * policy gives it a row of `encoder_1d_feature_pos_embed` (MT-ACT's `additional_pos_embed` row),
 * so `positions` here are zeros. No language model runs; see `InstructionEmbeddings`.
 */
@injectable()
export class LanguageTokenEncoder extends Module implements ModalityEncoder, OnnxExportableEncoder {
  readonly name: string = 'language';
  readonly parameterPrefix: string = '';
  readonly learnedPositions = true;
  /** The instruction, `task` (text). */
  readonly features: readonly FeatureSpec[] = [{ key: TASK, kind: 'text', shape: [] }];
  readonly embeddingDim: number;
  /** Instruction -> sentence embedding, used by `featurise` (the `embeddings` option). */
  readonly embeddings: InstructionEmbeddings | undefined;
  readonly proj_text_emb: Linear;

  constructor(
    @inject(TOKENS.ObservationSpec) readonly spec: ObservationSpec,
    @inject(TOKENS.PolicyConfig) readonly config: PolicyConfig,
    @inject(LANGUAGE_ENCODER_OPTIONS) options: LanguageEncoderOptions,
    @inject(TOKENS.InitRng) rng: Rng,
  ) {
    super();
    this.embeddings = options.embeddings;
    this.embeddingDim = options.embeddingDim ?? options.embeddings?.dim ?? MINILM_EMBEDDING_DIM;
    if (!(Number.isInteger(this.embeddingDim) && this.embeddingDim > 0)) {
      throw new Error(`LanguageEncoder: embeddingDim must be a positive integer, got ${this.embeddingDim}`);
    }
    if (options.embeddings && options.embeddings.dim !== this.embeddingDim) {
      throw new Error(`LanguageEncoder: embeddingDim ${this.embeddingDim} differs from the ${options.embeddings.dim}-d embeddings of ${options.embeddings.source}`);
    }
    this.proj_text_emb = this.registerModule('proj_text_emb', new Linear(this.embeddingDim, config.dimModel, { rng }));
  }

  tokenCount(_spec: ObservationSpec): number {
    return 1;
  }

  /**
   * Each observation's `task` through the embeddings table: `{ task: [B, embeddingDim] }`. An
   * observation without an instruction, or with one the table does not know, is an error naming it.
   */
  featurise(observations: readonly Observation[]): FeatureBatch {
    const table = this.embeddings;
    if (!table) {
      throw new Error(`${this.constructor.name}: no instruction embeddings to featurise '${TASK}' with; give the encoder an embeddings table (option 'embeddings', an InstructionEmbeddings)`);
    }
    return { [TASK]: table.embed(observations.map((o, i) => textFeature(o, TASK, this.constructor.name, i))) };
  }

  /** The projected embedding [B, dimModel]. */
  project(batch: ObservationBatch): tf.Tensor2D {
    const e = batchInput(batch, this.name, TASK) as tf.Tensor2D;
    const B = batch.qpos.shape[0];
    if (e.rank !== 2 || e.shape[1] !== this.embeddingDim || e.shape[0] !== B) {
      throw new Error(`${this.constructor.name}: input '${TASK}' has shape [${e.shape}], expected [${B}, ${this.embeddingDim}]`);
    }
    return this.proj_text_emb.forward(e);
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
