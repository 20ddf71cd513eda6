import * as tf from '@tensorflow/tfjs-core';
import { inject, injectable } from 'tsyringe';
import {
  Rng,
  type EncodeContext,
  type ModalityEncoder,
  batchInput,
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
  sinePositions,
  type OnnxEncoderContext,
  type OnnxExportableEncoder,
  type OnnxTokens,
} from '@actfusion/cvae-core/io';
import { ACTSinusoidalPositionEmbedding2d, Conv2d, featureMapTokens, imagenetNormalize, Module } from '@actfusion/cvae-core/nn';
import { TOKENS, type ObservationSpec } from '@actfusion/contracts';
import { IMAGES_PREFIX, featureOf, featuresOfKind, imageKey, keySuffix, type FeatureSpec, type Observation } from '@actfusion/contracts';
import { VISION_RESNET_OPTIONS, type VisionResNetOptions } from './vision-resnet-options.js';
import { ResNetFilmGenerator } from './resnet-film.js';
import { exportConvBn, exportResNet, exportResNetFilm } from './resnet-onnx-export.js';
import { ResNet, resnetFeatureSize } from './resnet.js';

/**
 * ACT's image path: ONE ResNet (`backbone`) shared by all cameras, its layer4 features through
 * the 1x1 projection `encoder_img_feat_input_proj` to dimModel, 2-D sine positions, tokens
 * camera-major (all of camera 1's (h w) tokens, then camera 2's, ...) as LeRobot orders them.
 * Names are LeRobot's at the model's top level (`parameterPrefix` '').
 */
@injectable()
export class VisionResNetEncoder extends Module implements ModalityEncoder, OnnxExportableEncoder {
  readonly name = 'vision';
  readonly parameterPrefix = '';
  /** The camera features it reads (`observation.images.<camera>`, [H, W, 3]), in token order. */
  readonly features: readonly FeatureSpec[];
  readonly backbone: ResNet;
  readonly encoder_img_feat_input_proj: Conv2d;
  /** MT-ACT FiLM generator (`backbone_film.layerN`), when the `film` option is on. */
  readonly backbone_film: ResNetFilmGenerator | null;
  readonly normalize: 'imagenet' | 'none';
  private readonly sine: ACTSinusoidalPositionEmbedding2d;

  constructor(
    @inject(TOKENS.ObservationSpec) readonly spec: ObservationSpec,
    @inject(TOKENS.PolicyConfig) readonly config: PolicyConfig,
    @inject(VISION_RESNET_OPTIONS) options: VisionResNetOptions,
    @inject(TOKENS.InitRng) rng: Rng,
  ) {
    super();
    this.features = cameraFeatures(spec, options.cameras);
    if (config.dimModel % 2 !== 0) throw new Error(`VisionResNetEncoder: dimModel must be even for 2-D sine positions, got ${config.dimModel}`);
    this.normalize = options.normalize ?? 'imagenet';
    this.backbone = this.registerModule(
      'backbone',
      new ResNet(options.depth ?? 18, options.width ?? 64, rng, { ...(options.norm ? { norm: options.norm } : {}), ...(options.groups ? { groups: options.groups } : {}) }),
    );
    if (options.pretrained) {
      if ((options.norm ?? 'frozen-batch-norm') !== 'frozen-batch-norm') {
        throw new Error(`VisionResNetEncoder: pretrained weights (${options.pretrainedSource ?? 'given'}) need norm 'frozen-batch-norm', got '${options.norm}'`);
      }
      try {
        this.backbone.loadStateDict(options.pretrained, { source: options.pretrainedSource ?? 'pretrained weights' });
      } catch (err) {
        const built = `ResNet${options.depth ?? 18} at width ${options.width ?? 64}`;
        throw new Error(`${(err as Error).message} (the encoder builds a ${built}; the weights must be of the same depth and width)`, { cause: err });
      } finally {
        tf.dispose([...options.pretrained.values()]); // copied into the backbone; the encoder owned them
      }
    }
    this.encoder_img_feat_input_proj = this.registerModule(
      'encoder_img_feat_input_proj',
      new Conv2d(this.backbone.outChannels, config.dimModel, 1, { rng }),
    );
    const film = options.film ?? false;
    this.backbone_film = film
      ? this.registerModule(
          'backbone_film',
          new ResNetFilmGenerator(this.backbone, config.dimModel, film === true ? undefined : film.stages),
        )
      : null;
    this.sine = new ACTSinusoidalPositionEmbedding2d(config.dimModel / 2);
  }

  /** Tokens per camera: ceil(H/32) x ceil(W/32) (the ResNet's stride-32 feature map). */
  tokenCount(spec: ObservationSpec): number {
    return cameraFeatures(spec, this.features.map((f) => f.key)).reduce((n, f) => n + resnetFeatureSize(f.shape[0]!) * resnetFeatureSize(f.shape[1]!), 0);
  }

  /** Each camera's frames as [B, H, W, 3] float32 in [0, 1], by feature key. */
  featurise(observations: readonly Observation[]): FeatureBatch {
    const out: Record<string, ReturnType<typeof stackImageFeature>> = {};
    try {
      for (const f of this.features) out[f.key] = stackImageFeature(observations, f, 'VisionResNetEncoder');
    } catch (err) {
      tf.dispose(Object.values(out));
      throw err;
    }
    return out;
  }

  encode(batch: ObservationBatch, ctx: EncodeContext): TokenSet {
    if (this.backbone_film && !ctx.conditioning) {
      throw new Error('VisionResNetEncoder: film is on but the encode context has no conditioning (register a Conditioner such as the language encoder)');
    }
    return tf.tidy(() => {
      const film = this.backbone_film && ctx.conditioning ? this.backbone_film.forward(ctx.conditioning) : undefined;
      const tokens: tf.Tensor3D[] = [];
      const positions: tf.Tensor2D[] = [];
      for (const feature of this.features) {
        const img = batchInput(batch, this.name, feature.key) as tf.Tensor4D;
        const [eh, ew] = feature.shape;
        if (img.rank !== 4 || img.shape[1] !== eh || img.shape[2] !== ew || img.shape[3] !== 3) {
          throw new Error(`VisionResNetEncoder: input '${feature.key}' has shape [${img.shape}], expected [B, ${eh}, ${ew}, 3] (NHWC)`);
        }
        const x = this.normalize === 'imagenet' ? imagenetNormalize(img) : img;
        const f = this.encoder_img_feat_input_proj.forward(this.backbone.forward(x, film)); // [B, h, w, D]
        const cell = featureMapTokens(f, this.sine);
        tokens.push(cell.tokens);
        positions.push(cell.positions);
      }
      return { tokens: tf.concat(tokens, 1), positions: tf.concat(positions, 0) };
    });
  }

  /**
   * ONNX: each camera's `observation.images.<camera>` through the ResNet (frozen batch norms
   * folded into the convolutions, FiLM from the context's conditioning when on), the 1x1
   * projection and the 2-D sine positions as constants; cameras in token order.
   */
  exportOnnx(ctx: OnnxEncoderContext): OnnxTokens {
    const g = ctx.graph;
    const D = this.config.dimModel;
    if (this.backbone_film && !ctx.conditioning) {
      throw new Error('VisionResNetEncoder: film is on but the ONNX export context has no conditioning (register a Conditioner such as the language encoder)');
    }
    const film = this.backbone_film ? g.scope('backbone_film', () => exportResNetFilm(g, this.backbone_film!, this.backbone, ctx.conditioning!)) : undefined;
    const tokens: string[] = [];
    const positions: Float32Array[] = [];
    for (const feature of this.features) {
      const { key } = feature;
      const [h, w] = feature.shape as [number, number, number];
      const cam = keySuffix(key, IMAGES_PREFIX) ?? key;
      let x = ctx.image(key, h, w);
      if (this.normalize === 'imagenet') x = g.scope(cam, () => exportImagenetNormalize(g, x));
      const f = g.scope('backbone', () => exportResNet(g, this.backbone, x, film));
      const projected = exportConvBn(g, this.encoder_img_feat_input_proj, null, f, 'encoder_img_feat_input_proj');
      tokens.push(g.scope(cam, () => exportFeatureMapTokens(g, projected)));
      positions.push(sinePositions(this.sine, resnetFeatureSize(h), resnetFeatureSize(w)));
    }
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
}

/**
 * The image features named by `cameras` (camera names such as `top`, or feature keys such as
 * `observation.images.top`), default every `image` feature of the spec, in spec order.
 */
export function cameraFeatures(spec: ObservationSpec, cameras?: readonly string[]): FeatureSpec[] {
  const images = featuresOfKind(spec, 'image');
  const have = images.map((f) => f.key).join(', ') || 'none';
  if (cameras === undefined) {
    if (images.length === 0) throw new Error('VisionResNetEncoder: the observation spec has no image feature (no camera)');
    return images;
  }
  if (cameras.length === 0) throw new Error('VisionResNetEncoder: option cameras is empty');
  return cameras.map((c) => {
    const f = featureOf(spec, c) ?? featureOf(spec, imageKey(c));
    if (!f || f.kind !== 'image') throw new Error(`VisionResNetEncoder: camera '${c}' is not an image feature of the observation spec (has ${have})`);
    return f;
  });
}
