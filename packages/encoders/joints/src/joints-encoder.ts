import * as tf from '@tensorflow/tfjs-core';
import { inject, injectable } from 'tsyringe';
import {
  Rng,
  type EncodeContext,
  type ModalityEncoder,
  type FeatureBatch,
  type ObservationBatch,
  type PolicyConfig,
  type TokenSet,
} from '@actfusion/cvae-core';
import { exportLinear, type OnnxEncoderContext, type OnnxExportableEncoder, type OnnxTokens } from '@actfusion/cvae-core/io';
import { Linear, Module } from '@actfusion/cvae-core/nn';
import { TOKENS, type ObservationSpec } from '@actfusion/contracts';
import { OBSERVATION_STATE, requireFeature, type FeatureSpec } from '@actfusion/contracts';

/**
 * The joint state (qpos, [B, S]) as one token: `encoder_robot_state_input_proj` (Linear S -> D).
 *
 * Names follow LeRobot: the projection lives at the top level of the model (`parameterPrefix`
 * is empty), and the token's learned position is row 1 of the policy's
 * `encoder_1d_feature_pos_embed` (`learnedPositions`), so a LeRobot checkpoint maps one to one.
 */
@injectable()
export class JointsEncoder extends Module implements ModalityEncoder, OnnxExportableEncoder {
  readonly name = 'joints';
  /** `observation.state`: shared, so cvae-core's collate normalises it into `batch.qpos`. */
  readonly features: readonly FeatureSpec[];
  readonly parameterPrefix = '';
  readonly learnedPositions = true;
  readonly encoder_robot_state_input_proj: Linear;

  constructor(
    @inject(TOKENS.ObservationSpec) readonly spec: ObservationSpec,
    @inject(TOKENS.PolicyConfig) readonly config: PolicyConfig,
    @inject(TOKENS.InitRng) rng: Rng,
  ) {
    super();
    if (!(spec.stateDim > 0)) throw new Error(`JointsEncoder: spec.stateDim must be positive, got ${spec.stateDim}`);
    this.features = [requireFeature(spec, OBSERVATION_STATE, 'JointsEncoder')];
    this.encoder_robot_state_input_proj = this.registerModule(
      'encoder_robot_state_input_proj',
      new Linear(spec.stateDim, config.dimModel, { rng }),
    );
  }

  tokenCount(): number {
    return 1;
  }

  /** Nothing of its own: the joint state is shared and arrives normalised as `batch.qpos`. */
  featurise(): FeatureBatch {
    return {};
  }

  encode(batch: ObservationBatch, _ctx: EncodeContext): TokenSet {
    const q = batch.qpos;
    if (q.rank !== 2 || q.shape[1] !== this.spec.stateDim) {
      throw new Error(`JointsEncoder: batch.qpos has shape [${q.shape}], expected [B, ${this.spec.stateDim}]`);
    }
    return tf.tidy(() => ({
      tokens: tf.expandDims(this.encoder_robot_state_input_proj.forward(q), 1) as tf.Tensor3D,
      positions: tf.zeros([1, this.config.dimModel]) as tf.Tensor2D,
    }));
  }

  /** ONNX: `observation.state` -> Linear -> one token [B, 1, D] at position 0 (the policy adds the learned row). */
  exportOnnx(ctx: OnnxEncoderContext): OnnxTokens {
    const g = ctx.graph;
    const D = this.config.dimModel;
    const h = g.scope('encoder_robot_state_input_proj', () => exportLinear(g, this.encoder_robot_state_input_proj, ctx.state()));
    return { tokens: g.op('Reshape', [h, g.int64([0, 1, D])], {}, 'tokens'), count: 1, positions: new Float32Array(D) };
  }
}
