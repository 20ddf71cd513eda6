import * as tf from '@tensorflow/tfjs-core';
import type { ObservationSpec } from '@actfusion/contracts';
import { Embedding } from '../nn/embedding.js';
import { Linear } from '../nn/linear.js';
import { Module } from '../nn/module.js';
import { sinusoidalPositionEmbedding1d } from '../nn/sinusoidal-position-embedding.js';
import { ActEncoder } from '../policy/act-encoder.js';
import type { PolicyConfig } from '../policy/policy-config.js';
import { Rng, sampleStream } from '../random/rng.js';

/** The posterior q(z | qpos, action chunk): mean and log-variance, [B, L] each. */
export interface StylePosterior {
  readonly mu: tf.Tensor2D;
  readonly logvar: tf.Tensor2D;
}

/**
 * ACT's CVAE ("style") encoder, with LeRobot's parameter names at the model's top level:
 * tokens `[CLS | vae_encoder_robot_state_input_proj(qpos) | vae_encoder_action_input_proj(a_t..t+k-1)]`
 * plus the fixed 1-D sinusoid buffer `vae_encoder_pos_enc` [1, k+2, D], a key padding mask from
 * `isPad` (CLS and the state token never masked), `vae_encoder.layers.N`, then
 * `vae_encoder_latent_output_proj` (D -> 2L) on the CLS output: mu = [:L], logvar = [L:].
 * Without a state feature (stateDim 0) the state token is left out (k+1 positions), as in LeRobot.
 */
export class StyleEncoder extends Module {
  readonly vae_encoder: ActEncoder;
  readonly vae_encoder_cls_embed: Embedding;
  readonly vae_encoder_robot_state_input_proj: Linear | null;
  readonly vae_encoder_action_input_proj: Linear;
  readonly vae_encoder_latent_output_proj: Linear;
  readonly vae_encoder_pos_enc: tf.Variable;

  constructor(
    readonly config: PolicyConfig,
    readonly spec: ObservationSpec,
    rng: Rng,
  ) {
    super();
    const D = config.dimModel;
    this.vae_encoder = this.registerModule(
      'vae_encoder',
      new ActEncoder({
        nLayers: config.nVaeEncoderLayers,
        dimModel: D,
        nHeads: config.nHeads,
        dimFeedforward: config.dimFeedforward,
        dropout: config.dropout,
        activation: config.feedforwardActivation,
        preNorm: config.preNorm,
        rng,
      }),
    );
    this.vae_encoder_cls_embed = this.registerModule('vae_encoder_cls_embed', new Embedding(1, D, { rng }));
    this.vae_encoder_robot_state_input_proj =
      spec.stateDim > 0
        ? this.registerModule('vae_encoder_robot_state_input_proj', new Linear(spec.stateDim, D, { rng }))
        : null;
    this.vae_encoder_action_input_proj = this.registerModule(
      'vae_encoder_action_input_proj',
      new Linear(spec.actionDim, D, { rng }),
    );
    this.vae_encoder_latent_output_proj = this.registerModule(
      'vae_encoder_latent_output_proj',
      new Linear(D, 2 * config.latentDim, { rng }),
    );
    const n = config.chunkSize + (spec.stateDim > 0 ? 2 : 1);
    this.vae_encoder_pos_enc = this.registerBuffer(
      'vae_encoder_pos_enc',
      tf.tidy(() => tf.expandDims(sinusoidalPositionEmbedding1d(n, D), 0)),
    );
  }

  /** qpos [B, S], action [B, k, A] (normalised), isPad [B, k] (1 = padded step). */
  encode(qpos: tf.Tensor2D, action: tf.Tensor3D, isPad: tf.Tensor2D, rng?: Rng): StylePosterior {
    const [B, k, A] = action.shape;
    const { chunkSize, latentDim: L, dimModel: D } = this.config;
    if (k !== chunkSize || A !== this.spec.actionDim) {
      throw new Error(`StyleEncoder: action has shape [${action.shape}], expected [B, ${chunkSize}, ${this.spec.actionDim}]`);
    }
    if (isPad.shape[0] !== B || isPad.shape[1] !== k) {
      throw new Error(`StyleEncoder: isPad has shape [${isPad.shape}], expected [${B}, ${k}]`);
    }
    return tf.tidy(() => {
      const parts: tf.Tensor3D[] = [tf.broadcastTo(tf.reshape(this.vae_encoder_cls_embed.weight, [1, 1, D]), [B, 1, D])];
      if (this.vae_encoder_robot_state_input_proj) {
        parts.push(tf.expandDims(this.vae_encoder_robot_state_input_proj.forward(qpos), 1) as tf.Tensor3D);
      }
      parts.push(this.vae_encoder_action_input_proj.forward(action));
      const tokens = tf.concat(parts, 1);
      const fixed = parts.length - 1;
      const mask = tf.concat([tf.zeros([B, fixed], 'bool'), tf.notEqual(isPad, 0)], 1) as tf.Tensor2D;
      const pos = tf.squeeze(this.vae_encoder_pos_enc, [0]) as tf.Tensor2D;
      const out = this.vae_encoder.forward(tokens, pos, { keyPaddingMask: mask, rng });
      const cls = tf.squeeze(tf.slice(out, [0, 0, 0], [B, 1, D]), [1]) as tf.Tensor2D;
      const stats = this.vae_encoder_latent_output_proj.forward(cls);
      return {
        mu: tf.slice(stats, [0, 0], [B, L]) as tf.Tensor2D,
        logvar: tf.slice(stats, [0, L], [B, L]) as tf.Tensor2D,
      };
    });
  }
}

/**
 * Reparameterisation z = mu + exp(logvar / 2) * eps, eps ~ N(0, I) (same on every backend). One
 * seed is taken from `rng`; row i of eps is drawn from sample `rng.sampleOffset + i`'s own stream
 * (`sampleStream`), so the noise of a sample does not depend on how the batch is split.
 */
export function reparameterize(mu: tf.Tensor2D, logvar: tf.Tensor2D, rng: Rng): tf.Tensor2D {
  const [B, L] = mu.shape;
  const eps = new Float32Array(mu.size);
  const seed = rng.opSeed();
  for (let b = 0; b < B; b++) {
    const stream = new Rng(sampleStream(seed, rng.sampleOffset + b));
    for (let j = 0; j < L; j++) eps[b * L + j] = stream.normal();
  }
  return tf.tidy(() => tf.add(mu, tf.mul(tf.exp(tf.mul(logvar, 0.5)), tf.tensor2d(eps, mu.shape))));
}
