import * as tf from '@tensorflow/tfjs-core';
import { inject, injectable } from 'tsyringe';
import {
  Rng,
  type EncodeContext,
  type ModalityEncoder,
  batchInput,
  stackFloatFeature,
  stackImageFeature,
  type FeatureBatch,
  type ObservationBatch,
  type PolicyConfig,
  type TokenSet,
} from '@actfusion/cvae-core';
import {
  attr,
  exportFeatureMapTokens,
  exportImagenetNormalize,
  exportLinear,
  sinePositions,
  valuesOf,
  type OnnxEncoderContext,
  type OnnxExportableEncoder,
  type OnnxTokens,
} from '@actfusion/cvae-core/io';
import {
  ACTSinusoidalPositionEmbedding2d,
  featureMapTokens,
  imagenetNormalize,
  Conv2d,
  Embedding,
  Module,
  ModuleList,
} from '@actfusion/cvae-core/nn';
import { exportConvBn, exportResNet, ResNet, resnetFeatureSize } from '@actfusion/encoder-vision-resnet';
import { TOKENS, type ObservationSpec } from '@actfusion/contracts';
import {
  TACTILE_PREFIX,
    featureOf,
  featuresOfKind,
  keySuffix,
  tactileKey,
  taxelsKey,
  type FeatureSpec,
  type Observation,
} from '@actfusion/contracts';
import { TaxelMlp } from './taxel-mlp.js';
import { VISUO_TACTILE_OPTIONS, type VisuoTactileOptions } from './visuo-tactile-options.js';

/**
 * The FreeTacMan / TactileACT fusion pattern: each tactile image goes through its OWN ResNet
 * (`tactile_backbones.i`, separate weights from the RGB `backbone`; one per sensor or one shared),
 * its own 1x1 projection `encoder_tactile_feat_input_proj` to dimModel, 2-D sine positions, and
 * its flattened (h w) feature cells become tokens appended to the fusion sequence (sensor-major).
 * Sensors without images (taxel grids) become one token each through a `TaxelMlp`
 * (`tactile_taxel_mlps.j`) with a learned position (`tactile_taxel_pos_embed`). Tokens: image
 * sensors in order, then taxel sensors in order. Names are at the model's top level.
 */
@injectable()
export class VisuoTactileEncoder extends Module implements ModalityEncoder, OnnxExportableEncoder {
  readonly name = 'tactile';
  readonly parameterPrefix = '';
  /** Tactile images (`observation.tactile.<sensor>`), then taxel arrays (`observation.taxels.<sensor>`). */
  readonly features: readonly FeatureSpec[];
  /** Sensors read as tactile images, in token order. */
  readonly sensors: readonly string[];
  /** Sensors read as taxel arrays, in token order. */
  readonly taxels: readonly string[];
  private readonly imageFeatures: readonly FeatureSpec[];
  private readonly taxelFeatures: readonly FeatureSpec[];
  private readonly taxelScale: number;
  readonly tactile_backbones: ModuleList<ResNet> | null;
  readonly encoder_tactile_feat_input_proj: Conv2d | null;
  readonly tactile_taxel_mlps: ModuleList<TaxelMlp> | null;
  readonly tactile_taxel_pos_embed: Embedding | null;
  readonly normalize: 'imagenet' | 'none';
  readonly sharedBackbone: boolean;
  readonly taxelChannels: number;
  private readonly sine: ACTSinusoidalPositionEmbedding2d;

  constructor(
    @inject(TOKENS.ObservationSpec) readonly spec: ObservationSpec,
    @inject(TOKENS.PolicyConfig) readonly config: PolicyConfig,
    @inject(VISUO_TACTILE_OPTIONS) options: VisuoTactileOptions,
    @inject(TOKENS.InitRng) rng: Rng,
  ) {
    super();
    const tactileImages = featuresOfKind(spec, 'tactile-image');
    const have = [...tactileImages, ...featuresOfKind(spec, 'taxels')].map((f) => f.key).join(', ') || 'none';
    this.taxels = options.taxels ?? [];
    this.sensors = options.sensors ?? tactileImages.map((f) => keySuffix(f.key, TACTILE_PREFIX) ?? f.key);
    if (this.sensors.length + this.taxels.length === 0) {
      throw new Error(`VisuoTactileEncoder: no tactile sensor to encode (the observation spec's tactile features: ${have})`);
    }
    // A sensor may be read both ways (its tactile image and its taxels are two features), but once each.
    for (const [what, list] of [['sensors', this.sensors], ['taxels', this.taxels]] as const) {
      if (new Set(list).size !== list.length) throw new Error(`VisuoTactileEncoder: a sensor is listed twice in ${what} [${list.join(', ')}]`);
    }
    const find = (key: string, kind: string): FeatureSpec => {
      const f = featureOf(spec, key);
      if (!f || f.kind !== kind) throw new Error(`VisuoTactileEncoder: '${key}' is not a ${kind} feature of the observation spec (tactile features: ${have})`);
      return f;
    };
    this.imageFeatures = this.sensors.map((s) => find(tactileKey(s), 'tactile-image'));
    this.taxelFeatures = this.taxels.map((s) => find(taxelsKey(s), 'taxels'));
    this.features = [...this.imageFeatures, ...this.taxelFeatures];
    if (config.dimModel % 2 !== 0) throw new Error(`VisuoTactileEncoder: dimModel must be even for 2-D sine positions, got ${config.dimModel}`);
    this.normalize = options.normalize ?? 'imagenet';
    this.sharedBackbone = options.sharedBackbone ?? false;
    this.taxelChannels = options.taxelChannels ?? this.taxelFeatures[0]?.shape[2] ?? 1;
    if (!(Number.isInteger(this.taxelChannels) && this.taxelChannels > 0)) {
      throw new Error(`VisuoTactileEncoder: taxelChannels must be a positive integer, got ${this.taxelChannels}`);
    }
    for (const f of this.taxelFeatures) {
      if (f.shape.length < 2 || f.shape.length > 3 || (f.shape[2] ?? 1) !== this.taxelChannels) {
        throw new Error(`VisuoTactileEncoder: taxel feature '${f.key}' has shape [${f.shape}], expected [rows, cols] or [rows, cols, ${this.taxelChannels}]`);
      }
    }
    this.taxelScale = options.taxelScale ?? 1;
    if (!(this.taxelScale > 0)) throw new Error(`VisuoTactileEncoder: taxelScale must be positive, got ${this.taxelScale}`);
    const D = config.dimModel;
    if (this.sensors.length > 0) {
      const n = this.sharedBackbone ? 1 : this.sensors.length;
      const backbones = Array.from({ length: n }, () => new ResNet(options.depth ?? 18, options.width ?? 64, rng));
      this.tactile_backbones = this.registerModule('tactile_backbones', new ModuleList(backbones));
      this.encoder_tactile_feat_input_proj = this.registerModule(
        'encoder_tactile_feat_input_proj',
        new Conv2d(backbones[0]!.outChannels, D, 1, { rng }),
      );
    } else {
      this.tactile_backbones = null;
      this.encoder_tactile_feat_input_proj = null;
    }
    if (this.taxels.length > 0) {
      const hidden = options.taxelHidden ?? 128;
      this.tactile_taxel_mlps = this.registerModule(
        'tactile_taxel_mlps',
        new ModuleList(
          this.taxelFeatures.map((f) => new TaxelMlp(f.shape[0]!, f.shape[1]!, this.taxelChannels, hidden, D, rng)),
        ),
      );
      this.tactile_taxel_pos_embed = this.registerModule('tactile_taxel_pos_embed', new Embedding(this.taxels.length, D, { rng }));
    } else {
      this.tactile_taxel_mlps = null;
      this.tactile_taxel_pos_embed = null;
    }
    this.sine = new ACTSinusoidalPositionEmbedding2d(D / 2);
  }

  /** Image sensors: ceil(H/32) x ceil(W/32) tokens each; taxel sensors: one token each. */
  tokenCount(spec: ObservationSpec): number {
    const image = this.imageFeatures.reduce((n, f) => {
      const [h, w] = (featureOf(spec, f.key) ?? f).shape;
      return n + resnetFeatureSize(h!) * resnetFeatureSize(w!);
    }, 0);
    return image + this.taxels.length;
  }

  /**
   * Tactile images as [B, H, W, 3] in [0, 1]; taxel arrays as [B, rows, cols, taxelChannels],
   * divided by `taxelScale`. By feature key.
   */
  featurise(observations: readonly Observation[]): FeatureBatch {
    const out: Record<string, tf.Tensor> = {};
    try {
      for (const f of this.imageFeatures) out[f.key] = stackImageFeature(observations, f, 'VisuoTactileEncoder');
      for (const f of this.taxelFeatures) {
        const t = stackFloatFeature(observations, f, 'VisuoTactileEncoder', this.taxelScale);
        out[f.key] = tf.reshape(t, [observations.length, f.shape[0]!, f.shape[1]!, this.taxelChannels]);
        t.dispose();
      }
    } catch (err) {
      tf.dispose(Object.values(out));
      throw err;
    }
    return out;
  }

  encode(batch: ObservationBatch, _ctx: EncodeContext): TokenSet {
    const D = this.config.dimModel;
    return tf.tidy(() => {
      const tokens: tf.Tensor3D[] = [];
      const positions: tf.Tensor2D[] = [];
      this.imageFeatures.forEach((feature, i) => {
        const img = this.input(batch, feature, 3, 'an image');
        const x = this.normalize === 'imagenet' ? imagenetNormalize(img) : img;
        const backbone = this.tactile_backbones!.at(this.sharedBackbone ? 0 : i);
        const f = this.encoder_tactile_feat_input_proj!.forward(backbone.forward(x)); // [B, h, w, D]
        const cell = featureMapTokens(f, this.sine);
        tokens.push(cell.tokens);
        positions.push(cell.positions);
      });
      this.taxelFeatures.forEach((f, j) => {
        const grid = this.input(batch, f, this.taxelChannels, 'a taxel grid');
        tokens.push(tf.expandDims(this.tactile_taxel_mlps!.at(j).forward(grid), 1) as tf.Tensor3D);
        positions.push(tf.slice(this.tactile_taxel_pos_embed!.weight, [j, 0], [1, D]) as tf.Tensor2D);
      });
      return { tokens: tf.concat(tokens, 1), positions: tf.concat(positions, 0) };
    });
  }

  /**
   * ONNX: tactile images (`observation.tactile.<sensor>`) through their ResNet (batch norms
   * folded), the 1x1 projection and sine positions; taxel grids (`observation.taxels.<sensor>`,
   * float32 [B, rows, cols, C]) through their MLP with the learned position. Same token order.
   */
  exportOnnx(ctx: OnnxEncoderContext): OnnxTokens {
    const g = ctx.graph;
    const D = this.config.dimModel;
    const tokens: string[] = [];
    const positions: Float32Array[] = [];
    this.imageFeatures.forEach((feature, i) => {
      const s = this.sensors[i]!;
      const [h, w] = feature.shape as [number, number, number];
      let x = ctx.image(feature.key, h, w);
      if (this.normalize === 'imagenet') x = g.scope(s, () => exportImagenetNormalize(g, x));
      const b = this.sharedBackbone ? 0 : i;
      const f = g.scope(`tactile_backbones.${b}`, () => exportResNet(g, this.tactile_backbones!.at(b), x));
      const projected = exportConvBn(g, this.encoder_tactile_feat_input_proj!, null, f, 'encoder_tactile_feat_input_proj');
      tokens.push(g.scope(s, () => exportFeatureMapTokens(g, projected)));
      positions.push(sinePositions(this.sine, resnetFeatureSize(h), resnetFeatureSize(w)));
    });
    const taxelPos = this.tactile_taxel_pos_embed ? valuesOf(this.tactile_taxel_pos_embed.weight) : null;
    this.taxelFeatures.forEach((feature, j) => {
      const [rows, cols] = feature.shape as [number, number];
      const grid = ctx.tensor(feature.key, [rows!, cols!, this.taxelChannels]);
      const mlp = this.tactile_taxel_mlps!.at(j);
      const token = g.scope(`tactile_taxel_mlps.${j}`, () => {
        const flat = g.op('Reshape', [grid, g.int64([0, -1])], {}, 'flatten');
        const hidden = g.op('Relu', [g.scope('fc1', () => exportLinear(g, mlp.fc1, flat))]);
        return g.op('Reshape', [g.scope('fc2', () => exportLinear(g, mlp.fc2, hidden)), g.int64([0, 1, D])], {}, 'token');
      });
      tokens.push(token);
      positions.push(taxelPos!.slice(j * D, (j + 1) * D));
    });
    const all = new Float32Array(positions.reduce((n, p) => n + p.length, 0));
    positions.reduce((at, p) => (all.set(p, at), at + p.length), 0);
    return {
      tokens: tokens.length === 1 ? tokens[0]! : g.op('Concat', tokens, { axis: attr.int(1) }, 'tokens'),
      count: all.length / D,
      positions: all,
    };
  }

  override dispose(): void {
    this.sine.dispose();
    super.dispose();
  }

  private input(batch: ObservationBatch, feature: FeatureSpec, channels: number, what: string): tf.Tensor4D {
    const t = batchInput(batch, this.name, feature.key) as tf.Tensor4D;
    const [h, w] = feature.shape;
    const B = batch.qpos.shape[0];
    if (t.rank !== 4 || t.shape[0] !== B || t.shape[1] !== h || t.shape[2] !== w || t.shape[3] !== channels) {
      throw new Error(`VisuoTactileEncoder: input '${feature.key}' has shape [${t.shape}], expected [${B}, ${h}, ${w}, ${channels}] (${what}, NHWC)`);
    }
    return t;
  }
}
