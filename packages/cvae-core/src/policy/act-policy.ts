import * as tf from '@tensorflow/tfjs-core';
import { inject, injectAll, injectable } from 'tsyringe';
import type { ActionDecoder } from '../contracts/action-decoder.js';
import { isConditioner, type ModalityEncoder } from '../contracts/modality-encoder.js';
import type { ObservationBatch } from '../contracts/observation-batch.js';
import { featureOf, type ObservationSpec } from '@actfusion/contracts';
import { klDivergence } from '../cvae/kl-divergence.js';
import { reparameterize, StyleEncoder } from '../cvae/style-encoder.js';
import { Embedding } from '../nn/embedding.js';
import { xavierUniformInPlace } from '../nn/init.js';
import { Linear } from '../nn/linear.js';
import { Module } from '../nn/module.js';
import type { Rng } from '../random/rng.js';
import { TOKENS } from '@actfusion/contracts';
import { ActEncoder } from './act-encoder.js';
import type { ChunkLoss, ChunkPolicy } from './chunk-policy.js';
import { chunkReconstructionLoss } from './chunk-reconstruction-loss.js';
import type { PolicyConfig } from './policy-config.js';

/**
 * ACT assembled from interchangeable parts (LeRobot's `ACT` module, same parameter names):
 *
 * - `StyleEncoder` (the CVAE encoder, `vae_encoder*`), unless `useVae: false`;
 * - the latent token `encoder_latent_input_proj(z)`;
 * - the tokens of every `ModalityEncoder` from DI, in registration (config) order; a `Conditioner`
 *   (language) runs first and hands its vector to all encoders;
 * - learned 1-D positions `encoder_1d_feature_pos_embed` for the latent token and the tokens of
 *   encoders with `learnedPositions` (the joint state), the encoders' own positions for the rest;
 * - the fusion encoder `encoder.layers.N` (post-norm, or pre-norm with `encoder.norm`);
 * - the `ActionDecoder` from DI, then `action_head` (D -> A).
 *
 * Each part's parameters are mounted under its `parameterPrefix` (empty = the model's top level),
 * so `stateDict()` names equal a LeRobot `model.safetensors` minus the `model.` prefix.
 * See `ChunkPolicy` for the `computeLoss` / `predictChunk` contract.
 */
@injectable()
export class ActPolicy extends Module implements ChunkPolicy {
  readonly styleEncoder: StyleEncoder | null;
  readonly encoder_latent_input_proj: Linear;
  readonly encoder_1d_feature_pos_embed: Embedding;
  readonly encoder: ActEncoder;
  readonly action_head: Linear;
  private readonly mounted: [string, Module][] = [];

  constructor(
    @inject(TOKENS.PolicyConfig) readonly config: PolicyConfig,
    @inject(TOKENS.ObservationSpec) readonly spec: ObservationSpec,
    @injectAll(TOKENS.ModalityEncoder) readonly encoders: ModalityEncoder[],
    @inject(TOKENS.ActionDecoder) readonly decoder: ActionDecoder,
    @inject(TOKENS.InitRng) rng: Rng,
  ) {
    super();
    const D = config.dimModel;
    if (encoders.length === 0) throw new Error('ActPolicy: no ModalityEncoder is registered');
    const names = new Set<string>();
    for (const e of encoders) {
      if (names.has(e.name)) throw new Error(`ActPolicy: two modality encoders are named '${e.name}'`);
      names.add(e.name);
      checkEncoderFeatures(e, spec);
    }
    this.styleEncoder = config.useVae ? this.mount('', new StyleEncoder(config, spec, rng)) : null;
    for (const e of encoders) this.mount(e.parameterPrefix ?? e.name, e);
    const n1d = 1 + encoders.filter((e) => e.learnedPositions).reduce((s, e) => s + e.tokenCount(spec), 0);
    this.encoder = this.registerModule(
      'encoder',
      new ActEncoder({
        nLayers: config.nEncoderLayers,
        dimModel: D,
        nHeads: config.nHeads,
        dimFeedforward: config.dimFeedforward,
        dropout: config.dropout,
        activation: config.feedforwardActivation,
        preNorm: config.preNorm,
        rng,
      }),
    );
    this.mount('', decoder);
    this.encoder_latent_input_proj = this.registerModule('encoder_latent_input_proj', new Linear(config.latentDim, D, { rng }));
    this.encoder_1d_feature_pos_embed = this.registerModule('encoder_1d_feature_pos_embed', new Embedding(n1d, D, { rng }));
    this.action_head = this.registerModule('action_head', new Linear(D, spec.actionDim, { rng }));
    // ACT/LeRobot `_reset_parameters`: xavier_uniform_ on the main encoder's matrices (the
    // ActionDecoder does the same for its own layers).
    xavierUniformInPlace(this.encoder.namedParameters(), rng);
    const seen = new Set<string>();
    for (const [name] of [...this.namedParameters(), ...this.namedBuffers()]) {
      if (seen.has(name)) throw new Error(`ActPolicy: two parts both own a tensor named '${name}'`);
      seen.add(name);
    }
  }

  /** Training forward pass (see `ChunkPolicy.computeLoss`). */
  computeLoss(batch: ObservationBatch, action: tf.Tensor3D, isPad: tf.Tensor2D, rng: Rng): ChunkLoss {
    const { chunkSize, latentDim } = this.config;
    const [B, k, A] = action.shape;
    if (k !== chunkSize || A !== this.spec.actionDim) {
      throw new Error(`ActPolicy.computeLoss: action has shape [${action.shape}], expected [B, ${chunkSize}, ${this.spec.actionDim}]`);
    }
    if (isPad.rank !== 2 || isPad.shape[0] !== B || isPad.shape[1] !== k) {
      throw new Error(`ActPolicy.computeLoss: isPad has shape [${isPad.shape}], expected [${B}, ${k}]`);
    }
    return tf.tidy(() => {
      let z: tf.Tensor2D;
      let kl: tf.Scalar;
      if (this.styleEncoder && this.training) {
        const { mu, logvar } = this.styleEncoder.encode(batch.qpos, action, isPad, rng);
        z = reparameterize(mu, logvar, rng);
        kl = klDivergence(mu, logvar);
      } else {
        z = tf.zeros([B, latentDim]);
        kl = tf.scalar(0);
      }
      const predicted = this.forwardChunk(batch, z, rng);
      const l1 = chunkReconstructionLoss(predicted, action, isPad, {
        lossType: this.config.lossType,
        reduction: this.config.lossReduction,
      });
      const loss = tf.add(l1, tf.mul(kl, this.config.klWeight)) as tf.Scalar;
      return { loss, l1, kl };
    });
  }

  /** Inference: z = 0, no dropout; the normalised chunk [B, k, A]. */
  predictChunk(batch: ObservationBatch): tf.Tensor3D {
    const wasTraining = this.training;
    if (wasTraining) this.eval();
    try {
      return tf.tidy(() => this.forwardChunk(batch, tf.zeros([batch.qpos.shape[0], this.config.latentDim]), undefined));
    } finally {
      if (wasTraining) this.train();
    }
  }

  /** The policy body (LeRobot `ACT.forward` after the latent): tokens -> encoder -> decoder -> head. */
  forwardChunk(batch: ObservationBatch, z: tf.Tensor2D, rng: Rng | undefined): tf.Tensor3D {
    return tf.tidy(() => {
      const B = z.shape[0];
      const D = this.config.dimModel;
      const conditioner = this.encoders.find(isConditioner);
      const conditioning = conditioner ? conditioner.condition(batch) : undefined;
      const ctx = { training: this.training, ...(conditioning ? { conditioning } : {}) };
      const pos1d = this.encoder_1d_feature_pos_embed.weight;
      const tokens: tf.Tensor3D[] = [tf.expandDims(this.encoder_latent_input_proj.forward(z), 1) as tf.Tensor3D];
      const positions: tf.Tensor3D[] = [tf.broadcastTo(tf.slice(pos1d, [0, 0], [1, D]), [B, 1, D]) as tf.Tensor3D];
      let row = 1;
      for (const enc of this.encoders) {
        const ts = enc.encode(batch, ctx);
        const n = ts.tokens.shape[1];
        if (ts.tokens.shape[0] !== B || ts.tokens.shape[2] !== D) {
          throw new Error(`ActPolicy: encoder '${enc.name}' returned tokens [${ts.tokens.shape}], expected [${B}, N, ${D}]`);
        }
        let p: tf.Tensor = ts.positions;
        if (enc.learnedPositions) {
          p = tf.add(p, tf.slice(pos1d, [row, 0], [n, D]));
          row += n;
        }
        tokens.push(ts.tokens);
        positions.push(tf.broadcastTo(p.rank === 2 ? tf.expandDims(p, 0) : p, [B, n, D]) as tf.Tensor3D);
      }
      const x = tf.concat(tokens, 1);
      const pos = tf.concat(positions, 1);
      const memory = this.encoder.forward(x, pos, rng ? { rng } : {});
      const decoded = this.decoder.decode({ tokens: memory, positions: pos }, this.config.chunkSize, rng ? { rng } : {});
      return this.action_head.forward(decoded);
    });
  }

  override namedParameters(prefix = ''): [string, tf.Variable][] {
    const out = super.namedParameters(prefix);
    for (const [p, m] of this.mounted) out.push(...m.namedParameters(prefix + (p ? `${p}.` : '')));
    return out;
  }

  override namedBuffers(prefix = ''): [string, tf.Variable][] {
    const out = super.namedBuffers(prefix);
    for (const [p, m] of this.mounted) out.push(...m.namedBuffers(prefix + (p ? `${p}.` : '')));
    return out;
  }

  override train(mode = true): this {
    super.train(mode);
    for (const [, m] of this.mounted ?? []) m.train(mode);
    return this;
  }

  override dispose(): void {
    for (const [, m] of this.mounted) m.dispose();
    this.mounted.length = 0;
    super.dispose();
  }

  /** Attach a part whose parameter names start at `prefix` (empty: the model's top level). */
  private mount<M extends Module>(prefix: string, module: M): M {
    module.train(this.training);
    this.mounted.push([prefix, module]);
    return module;
  }
}

/** Every feature an encoder reads must be in the spec with the same kind and shape (caught before any batch). */
function checkEncoderFeatures(e: ModalityEncoder, spec: ObservationSpec): void {
  for (const f of e.features) {
    const have = featureOf(spec, f.key);
    if (!have) {
      throw new Error(`ActPolicy: encoder '${e.name}' reads feature '${f.key}', which the observation spec lacks (has ${spec.features.map((x) => x.key).join(', ') || 'none'})`);
    }
    if (have.kind !== f.kind || have.shape.length !== f.shape.length || have.shape.some((d, i) => d !== f.shape[i])) {
      throw new Error(`ActPolicy: encoder '${e.name}' reads '${f.key}' as ${f.kind} [${f.shape}], but the observation spec has ${have.kind} [${have.shape}]`);
    }
  }
}
