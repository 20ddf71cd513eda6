import type * as tf from '@tensorflow/tfjs-core';
import { injectable } from 'tsyringe';
import type { Conditioner, ObservationBatch } from '@actfusion/cvae-core';
import type { OnnxEncoderContext } from '@actfusion/cvae-core/io';
import { LanguageTokenEncoder } from './language-token-encoder.js';

/**
 * MT-ACT's language encoder: the instruction token of `LanguageTokenEncoder` AND a `Conditioner`.
 * The policy runs it first and hands `condition(batch)` (the same `proj_text_emb` output,
 * [B, dimModel]) to every encoder as `ctx.conditioning`; the vision encoder's `film` option turns
 * it into FiLM terms inside the ResNet (layers 2-4).
 */
@injectable()
export class LanguageEncoder extends LanguageTokenEncoder implements Conditioner {
  condition(batch: ObservationBatch): tf.Tensor2D {
    return this.project(batch);
  }

  /** ONNX: the conditioning vector [B, D] (the same projection as the token). */
  exportConditionOnnx(ctx: OnnxEncoderContext): string {
    return this.exportProjectionOnnx(ctx);
  }
}
