import * as tf from '@tensorflow/tfjs-core';
import { isConditioner } from '../../contracts/modality-encoder.js';
import type { ActPolicy } from '../../policy/act-policy.js';
import type { Normalizer } from '../../training/normalizer.js';
import { CVAE_CORE_VERSION } from '../../version.js';
import type { OnnxModel } from './onnx-model.js';
import { OnnxGraphBuilder, attr } from './onnx-graph-builder.js';
import { isOnnxExportableDecoder, isOnnxExportableEncoder, type OnnxEncoderContext } from './onnx-exportable.js';
import { exportEncoderLayer, exportLayerNorm, exportLinear, valuesOf } from './transformer-export.js';

/** The opset actfusion's graphs use (17: LayerNormalization). */
export const ACT_ONNX_OPSET = 17;
/** The dynamic batch dimension's name. */
export const ONNX_BATCH_DIM = 'batch';

/**
 * How images enter the graph:
 * - `uint8-hwc` (default): camera bytes as `Robot.observe()` gives them, uint8 [B, H, W, 3]; the
 *   graph scales them to [0, 1];
 * - `float-chw`: float32 [B, 3, H, W], the bytes already scaled to [0, 1] (or, for a checkpoint
 *   without statistics whose encoder does not normalise, the values the network takes: LeRobot's
 *   preprocessed layout and the PyTorch peer's `parity.json`).
 * Per-camera statistics (`imageNormalization`) apply after that, in both layouts.
 */
export type OnnxImageInput = 'uint8-hwc' | 'float-chw';

export interface ActOnnxExportOptions {
  /** With it, `observation.state` is normalised in the graph and `action` unnormalised to robot units. */
  readonly normalizer?: Normalizer | null;
  readonly imageInput?: OnnxImageInput;
  /**
   * Image statistics the encoders do not apply themselves, by feature key
   * (`observation.images.top`): per channel `(x - shift) / scale`, MIN_MAX then `* 2 - 1`.
   */
  readonly imageNormalization?: ReadonlyMap<string, OnnxFeatureAffine>;
  /** `metadata_props` to add (e.g. the checkpoint it came from). */
  readonly metadata?: Readonly<Record<string, string>>;
}

/** One feature's affine normalisation (LeRobot's normaliser reduced to shift and scale). */
export interface OnnxFeatureAffine {
  readonly mode: 'MEAN_STD' | 'MIN_MAX' | 'IDENTITY';
  readonly shift: Float32Array;
  readonly scale: Float32Array;
}

/**
 * The inference graph of an `ActPolicy` (eval mode, z = 0) as an ONNX model, built from the
 * policy's own modules: inputs named by feature key (`observation.state`,
 * `observation.images.<camera>`, and whatever keys the encoders ask for), output `action`
 * [batch, k, A], dynamic batch. Every encoder and the decoder must implement the ONNX export
 * contract (`OnnxExportableEncoder`, `OnnxExportableDecoder`); the error names the one that does not.
 */
export function exportActPolicyOnnx(policy: ActPolicy, options: ActOnnxExportOptions = {}): OnnxModel {
  const { config, spec } = policy;
  const D = config.dimModel;
  const normalizer = options.normalizer ?? null;
  const imageInput = options.imageInput ?? 'uint8-hwc';
  const g = new OnnxGraphBuilder();
  const features = new Map<string, string>();
  const B = ONNX_BATCH_DIM;

  const feature = (key: string, make: () => string): string => {
    let v = features.get(key);
    if (v === undefined) {
      v = make();
      features.set(key, v);
    }
    return v;
  };
  const base: Omit<OnnxEncoderContext, 'conditioning'> = {
    graph: g,
    dimModel: D,
    state: () =>
      feature('observation.state', () => {
        const x = g.input('observation.state', 'float32', [B, spec.stateDim], normalizer ? 'joint state in robot units' : 'joint state, normalised');
        return normalizer ? g.scope('normalize_state', () => normalizeAffine(g, normalizer.qpos, x)) : x;
      }),
    image: (key, h, w) =>
      feature(key, () => {
        let x: string;
        if (imageInput === 'float-chw') x = g.input(key, 'float32', [B, 3, h, w], 'float32 NCHW in [0, 1]');
        else {
          const bytes = g.input(key, 'uint8', [B, h, w, 3], 'uint8 HWC camera bytes');
          x = g.scope(key, () => g.op('Div', [g.op('Cast', [g.op('Transpose', [bytes], { perm: attr.ints([0, 3, 1, 2]) })], { to: attr.int(1) }), g.scalar(255)], {}, 'to_unit'));
        }
        const stats = options.imageNormalization?.get(key);
        return stats ? g.scope(`${key}.normalize`, () => normalizeAffine(g, stats, x, [1, 3, 1, 1])) : x;
      }),
    tensor: (key, shape) => feature(key, () => g.input(key, 'float32', [B, ...shape])),
  };

  const encoders = policy.encoders.map((e) => {
    if (!isOnnxExportableEncoder(e)) throw new Error(`ONNX export: encoder '${e.name}' (${e.constructor.name}) has no exportOnnx(ctx)`);
    return e;
  });
  const decoder = policy.decoder;
  if (!isOnnxExportableDecoder(decoder)) throw new Error(`ONNX export: the action decoder (${decoder.constructor.name}) has no exportOnnx(...)`);

  const conditioner = encoders.find(isConditioner);
  let conditioning: string | undefined;
  if (conditioner) {
    if (!conditioner.exportConditionOnnx) throw new Error(`ONNX export: conditioner '${conditioner.name}' has no exportConditionOnnx(ctx)`);
    conditioning = g.scope(`${conditioner.name}.condition`, () => conditioner.exportConditionOnnx!(base));
  }
  const ctx: OnnxEncoderContext = { ...base, ...(conditioning ? { conditioning } : {}) };

  const pos1d = valuesOf(policy.encoder_1d_feature_pos_embed.weight);
  const tokens: string[] = [];
  const positions: Float32Array[] = [pos1d.slice(0, D)];
  let row = 1;
  for (const e of encoders) {
    const out = g.scope(e.name, () => e.exportOnnx(ctx));
    if (out.positions.length !== out.count * D) {
      throw new Error(`ONNX export: encoder '${e.name}' gave ${out.positions.length} position values for ${out.count} tokens of width ${D}`);
    }
    const p = out.positions.slice();
    if (e.learnedPositions) {
      for (let i = 0; i < out.count * D; i++) p[i]! += pos1d[row * D + i]!;
      row += out.count;
    }
    tokens.push(out.tokens);
    positions.push(p);
  }
  const N = positions.reduce((s, p) => s + p.length, 0) / D;
  const allPos = new Float32Array(N * D);
  positions.reduce((at, p) => (allPos.set(p, at), at + p.length), 0);

  // z = 0, so the latent token is encoder_latent_input_proj's bias, repeated over the batch.
  const anyInput = g.inputNames()[0];
  if (anyInput === undefined) throw new Error('ONNX export: the encoders declared no input');
  const batch = g.op('Slice', [g.op('Shape', [anyInput]), g.int64([0]), g.int64([1])], {}, 'batch_size');
  const latentBias = policy.encoder_latent_input_proj.bias;
  const latent = g.constant('latent_token', latentBias ? valuesOf(latentBias) : new Float32Array(D), [1, 1, D]);
  const latentB = g.op('Expand', [latent, g.op('Concat', [batch, g.int64([1, D])], { axis: attr.int(0) })], {}, 'latent_tokens');
  const x = g.op('Concat', [latentB, ...tokens], { axis: attr.int(1) }, 'fusion_tokens');
  const pos = g.constant('fusion_positions', allPos, [N, D]);

  let memory = x;
  policy.encoder.layers.items.forEach((layer, i) => {
    memory = g.scope(`encoder.layers.${i}`, () => exportEncoderLayer(g, layer, memory, pos));
  });
  if (policy.encoder.norm) memory = g.scope('encoder.norm', () => exportLayerNorm(g, policy.encoder.norm!, memory));
  const decoded = g.scope('decoder', () => decoder.exportOnnx(g, memory, pos, config.chunkSize));
  let action = g.scope('action_head', () => exportLinear(g, policy.action_head, decoded));
  if (normalizer) action = g.scope('unnormalize_action', () => unnormalizeAffine(g, normalizer.action, action));
  g.output(action, 'action', 'float32', [B, config.chunkSize, spec.actionDim], normalizer ? 'action chunk in robot units' : 'action chunk, normalised');

  return {
    graph: g.build('actfusion_act_policy', 'ACT policy (eval mode, z = 0) exported by actfusion'),
    opset: ACT_ONNX_OPSET,
    producerName: 'actfusion',
    producerVersion: CVAE_CORE_VERSION,
    metadata: {
      chunk_size: String(config.chunkSize),
      action_dim: String(spec.actionDim),
      image_input: imageInput,
      normalized_io: normalizer ? 'raw observations in, robot units out' : 'network units in and out',
      tfjs_version: tf.version_core,
      ...options.metadata,
    },
  };
}

function normalizeAffine(g: OnnxGraphBuilder, f: OnnxFeatureAffine, x: string, dims: readonly number[] = [f.shift.length]): string {
  if (f.mode === 'IDENTITY') return x;
  const y = g.op('Div', [g.op('Sub', [x, g.constant('shift', f.shift, dims)]), g.constant('scale', f.scale, dims)]);
  return f.mode === 'MIN_MAX' ? g.op('Sub', [g.op('Mul', [y, g.scalar(2)]), g.scalar(1)]) : y;
}

function unnormalizeAffine(g: OnnxGraphBuilder, f: OnnxFeatureAffine, x: string): string {
  if (f.mode === 'IDENTITY') return x;
  const y = f.mode === 'MIN_MAX' ? g.op('Div', [g.op('Add', [x, g.scalar(1)]), g.scalar(2)]) : x;
  const dims = [f.shift.length];
  return g.op('Add', [g.op('Mul', [y, g.constant('scale', f.scale, dims)]), g.constant('shift', f.shift, dims)]);
}
