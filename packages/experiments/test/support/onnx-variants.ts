import { container as rootContainer } from 'tsyringe';
import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-node';
import { OBSERVATION_STATE, TASK, featuresOfKind } from '@actfusion/contracts';
import { ActPolicy, assembleBatch, Normalizer, parsePolicyConfig, Rng, type PolicyConfigInput } from '@actfusion/cvae-core';
import { TOKENS, type ObservationSpec } from '@actfusion/contracts';
import { registerJointsEncoder } from '@actfusion/encoder-joints';
import { registerLanguageEncoder } from '@actfusion/encoder-language';
import { registerVisionResNet, type VisionResNetOptions } from '@actfusion/encoder-vision-resnet';
import { registerVisuoTactileEncoder, type VisuoTactileOptions } from '@actfusion/encoder-visuo-tactile';
import { registerTransformerDecoder } from '@actfusion/decoder-transformer';

/** One small policy variant for the export tests. */
export interface Variant {
  readonly name: string;
  readonly policy: PolicyConfigInput;
  readonly spec: ObservationSpec;
  readonly vision?: VisionResNetOptions;
  readonly language?: { film: boolean; dim: number };
  readonly tactile?: VisuoTactileOptions;
  readonly normalizer?: 'MEAN_STD' | 'MIN_MAX';
}

/** Build the variant's policy through DI (joints, then language, vision, tactile, the decoder), eval mode. */
export function buildVariant(v: Variant, seed = 3): ActPolicy {
  const c = rootContainer.createChildContainer();
  c.register(TOKENS.PolicyConfig, { useValue: parsePolicyConfig(v.policy) });
  c.register(TOKENS.ObservationSpec, { useValue: v.spec });
  c.register(TOKENS.InitRng, { useValue: new Rng(seed) });
  registerJointsEncoder(c);
  if (v.language) registerLanguageEncoder(c, { film: v.language.film, embeddingDim: v.language.dim });
  if (v.vision) registerVisionResNet(c, v.vision);
  if (v.tactile) registerVisuoTactileEncoder(c, v.tactile);
  registerTransformerDecoder(c);
  c.register(ActPolicy, { useClass: ActPolicy });
  let policy: ActPolicy | undefined;
  tf.tidy(() => void (policy = c.resolve(ActPolicy)));
  randomizeFrozenState(policy!, seed + 1);
  policy!.eval();
  return policy!;
}

/**
 * Give every frozen batch norm non-trivial statistics and affine terms, and every FiLM Linear
 * non-zero weights (both start as the identity), so folding and FiLM are really exercised.
 */
export function randomizeFrozenState(policy: ActPolicy, seed: number): void {
  const rng = new Rng(seed);
  const u = (n: number, lo: number, hi: number): Float32Array => Float32Array.from({ length: n }, () => lo + (hi - lo) * rng.next());
  for (const [name, v] of [...policy.namedBuffers(), ...policy.namedParameters()]) {
    let values: Float32Array | null = null;
    if (/\.(bn\d|downsample\.1)\.(weight|running_var)$/.test(name) || /^(backbone|tactile_backbones\.\d+)\.bn1\.(weight|running_var)$/.test(name)) values = u(v.size, 0.5, 1.5);
    else if (/\.(bn\d|downsample\.1)\.(bias|running_mean)$/.test(name) || /\.bn1\.(bias|running_mean)$/.test(name)) values = u(v.size, -0.2, 0.2);
    else if (name.startsWith('backbone_film.')) values = u(v.size, -0.1, 0.1);
    if (values) {
      const t = tf.tensor(values, v.shape);
      v.assign(t);
      t.dispose();
    }
  }
}

/** Raw observations of a variant: state in robot units, uint8 HWC images (cameras and tactile) and taxels by feature key, embeddings. */
export interface RawObservations {
  readonly batch: number;
  readonly state: Float32Array;
  /** Image features (`observation.images.*`, `observation.tactile.*`) by key, [B, H, W, 3] uint8. */
  readonly images: Record<string, Uint8Array>;
  /** Taxel features (`observation.taxels.*`) by key, [B, ...shape] float32. */
  readonly taxels: Record<string, Float32Array>;
  readonly language?: Float32Array;
}

const imageFeatures = (v: Variant) => featuresOfKind(v.spec, 'image', 'tactile-image');
const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

export function rawObservations(v: Variant, batch: number, seed = 11): RawObservations {
  const rng = new Rng(seed);
  const bytes = (n: number): Uint8Array => Uint8Array.from({ length: n }, () => Math.floor(rng.next() * 256));
  const floats = (n: number, scale: number): Float32Array => Float32Array.from({ length: n }, () => (rng.next() * 2 - 1) * scale);
  const images: Record<string, Uint8Array> = {};
  for (const f of imageFeatures(v)) images[f.key] = bytes(batch * size(f.shape));
  const taxels: Record<string, Float32Array> = {};
  for (const f of featuresOfKind(v.spec, 'taxels')) taxels[f.key] = floats(batch * size(f.shape), 2);
  return {
    batch,
    state: floats(batch * v.spec.stateDim, 3),
    images,
    taxels,
    ...(v.language ? { language: floats(batch * v.language.dim, 0.3) } : {}),
  };
}

/** The statistics the variant's normaliser uses (none: identity). */
export function variantNormalizer(v: Variant): Normalizer | null {
  if (!v.normalizer) return null;
  const rng = new Rng(5);
  const stats = (dim: number) => {
    const mean = Float32Array.from({ length: dim }, () => rng.next() - 0.5);
    const std = Float32Array.from({ length: dim }, () => 0.5 + rng.next());
    const min = Float32Array.from(mean, (m) => m - 2);
    const max = Float32Array.from(mean, (m, i) => m + 1 + std[i]!);
    return { mean, std, min, max };
  };
  return Normalizer.fromStats(
    { [OBSERVATION_STATE]: stats(v.spec.stateDim), action: stats(v.spec.actionDim) },
    { qposMode: v.normalizer, actionMode: v.normalizer },
  );
}

const toUnit = (b: Uint8Array): Float32Array => Float32Array.from(b, (x) => x / 255);

/** The tfjs policy's chunk for raw observations, as `predict` computes it: normalise, predict, unnormalise. */
export function tfjsChunk(policy: ActPolicy, v: Variant, raw: RawObservations, normalizer: Normalizer | null): Float32Array {
  const B = raw.batch;
  const spec = v.spec;
  return tf.tidy(() => {
    const tensors: Record<string, tf.Tensor> = {};
    for (const f of imageFeatures(v)) tensors[f.key] = tf.tensor4d(toUnit(raw.images[f.key]!), [B, f.shape[0]!, f.shape[1]!, 3]);
    for (const f of featuresOfKind(spec, 'taxels')) {
      const [h, w, c] = f.shape;
      tensors[f.key] = tf.tensor4d(raw.taxels[f.key]!, [B, h!, w!, c ?? 1]);
    }
    if (raw.language) tensors[TASK] = tf.tensor2d(raw.language, [B, v.language!.dim]);
    const qpos = normalizer ? normalizer.normalizeQpos(raw.state) : raw.state;
    let chunk: tf.Tensor = policy.predictChunk(assembleBatch(policy.encoders, tf.tensor2d(qpos, [B, spec.stateDim]), tensors));
    if (normalizer) chunk = normalizer.unnormalizeActionTensor(chunk);
    return chunk.dataSync() as Float32Array;
  }).slice();
}

/** The same observations as ONNX feeds (uint8 HWC images). */
export function onnxFeeds(v: Variant, raw: RawObservations): Record<string, ort.Tensor> {
  const B = raw.batch;
  const feeds: Record<string, ort.Tensor> = { 'observation.state': new ort.Tensor('float32', raw.state, [B, v.spec.stateDim]) };
  for (const f of imageFeatures(v)) feeds[f.key] = new ort.Tensor('uint8', raw.images[f.key]!, [B, f.shape[0]!, f.shape[1]!, 3]);
  for (const f of featuresOfKind(v.spec, 'taxels')) {
    const [h, w, c] = f.shape;
    feeds[f.key] = new ort.Tensor('float32', raw.taxels[f.key]!, [B, h!, w!, c ?? 1]);
  }
  if (raw.language) feeds['task.embedding'] = new ort.Tensor('float32', raw.language, [B, v.language!.dim]);
  return feeds;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`maxAbsDiff: lengths ${a.length} and ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
