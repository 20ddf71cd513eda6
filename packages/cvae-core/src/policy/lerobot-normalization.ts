import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';
import { readSafetensors } from '../io/safetensors.js';
import type { NormalizerJson } from '../training/normalizer.js';

/**
 * One feature's normalisation as LeRobot's normaliser applies it, reduced to an affine map:
 * MEAN_STD `y = (x - shift) / scale` (shift = mean, scale = std + eps); MIN_MAX (also QUANTILES
 * and QUANTILE10, which are MIN_MAX over q01..q99 or q10..q90) `y = 2 (x - shift) / scale - 1`
 * (shift = min, scale = max - min, eps where that is 0). Per dimension for state and action, per
 * channel (3 values) for images.
 */
export interface FeatureNormalization {
  /** LeRobot feature key: `observation.state`, `observation.images.top`, `action`. */
  readonly key: string;
  /** LeRobot feature type: STATE, VISUAL, ACTION, ENV. */
  readonly type: string;
  readonly mode: 'MEAN_STD' | 'MIN_MAX';
  readonly shift: Float32Array;
  readonly scale: Float32Array;
}

/** What a checkpoint says about normalising inputs and unnormalising actions. */
export interface CheckpointNormalization {
  /** `processor`: current LeRobot pre/post-processor files; `legacy`: buffers in model.safetensors. */
  readonly layout: 'processor' | 'legacy';
  /** Files the statistics came from (for messages). */
  readonly sources: readonly string[];
  /** Normalised inputs by feature key; a key that is absent goes in as it is (IDENTITY). */
  readonly inputs: ReadonlyMap<string, FeatureNormalization>;
  /** The action's map (its inverse unnormalises the chunk); null = IDENTITY. */
  readonly action: FeatureNormalization | null;
}

type Feature = { type: string; shape: number[] };
type StatsByKey = Map<string, Map<string, Float32Array>>;

export const PREPROCESSOR_FILE = 'policy_preprocessor.json';
export const POSTPROCESSOR_FILE = 'policy_postprocessor.json';
/** LeRobot's default `eps` of the normaliser steps (and of the legacy Normalize modules). */
export const LEROBOT_NORM_EPS = 1e-8;
const MODES = ['MEAN_STD', 'MIN_MAX', 'QUANTILES', 'QUANTILE10', 'IDENTITY'];

/**
 * Reduce one feature's statistics to its affine map, as LeRobot's `_apply_transform` computes it.
 * Errors name `source` (the statistics file) and the feature.
 */
export function featureNormalization(
  source: string,
  key: string,
  feature: Feature,
  mode: string,
  stats: ReadonlyMap<string, Float32Array> | undefined,
  eps: number,
): FeatureNormalization | null {
  if (!MODES.includes(mode)) {
    throw new Error(`${source}: feature '${key}' uses normalisation mode '${mode}', which actfusion cannot apply (expected one of ${MODES.join(', ')})`);
  }
  // LeRobot passes a feature through when its mode is IDENTITY or it has no statistics at all.
  if (mode === 'IDENTITY' || stats === undefined || stats.size === 0) return null;
  const [lowName, highName] = ({ MEAN_STD: ['mean', 'std'], MIN_MAX: ['min', 'max'], QUANTILES: ['q01', 'q99'], QUANTILE10: ['q10', 'q90'] } as const)[
    mode as 'MEAN_STD'
  ];
  const need = (name: string): Float32Array => {
    const v = stats.get(name);
    if (!v) throw new Error(`${source}: feature '${key}' is normalised ${mode} but has no '${name}' statistic (has ${[...stats.keys()].join(', ') || 'none'})`);
    const bad = v.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) throw new Error(`${source}: feature '${key}' statistic '${name}' holds ${v[bad]} at index ${bad} (never filled with dataset statistics?)`);
    return v;
  };
  const low = need(lowName);
  const high = need(highName);
  const width = feature.type === 'VISUAL' ? 3 : feature.shape.reduce((a, b) => a * b, 1);
  for (const [name, v] of [
    [lowName, low],
    [highName, high],
  ] as const) {
    if (v.length !== width) {
      const what = feature.type === 'VISUAL' ? 'one value per colour channel ([3, 1, 1])' : `${width} values (shape [${feature.shape}])`;
      throw new Error(`${source}: feature '${key}' statistic '${name}' has ${v.length} values; actfusion can apply ${what}`);
    }
  }
  if (mode === 'MEAN_STD') {
    return { key, type: feature.type, mode: 'MEAN_STD', shift: Float32Array.from(low), scale: high.map((s) => s + eps) };
  }
  const scale = high.map((h, i) => (h - low[i]! === 0 ? eps : h - low[i]!));
  const neg = scale.findIndex((s) => !(s > 0));
  if (neg >= 0) throw new Error(`${source}: feature '${key}' has ${highName} < ${lowName} at index ${neg}`);
  return { key, type: feature.type, mode: 'MIN_MAX', shift: Float32Array.from(low), scale };
}

async function readJson(path: string): Promise<unknown | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Error(`${path}: cannot read: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${path}: not valid JSON: ${(err as Error).message}`);
  }
}

function tensorsToStats(tensors: Map<string, tf.Tensor>, strip: (name: string) => string | null): StatsByKey {
  const out: StatsByKey = new Map();
  for (const [name, t] of tensors) {
    const flat = strip(name);
    if (flat === null) continue;
    const dot = flat.lastIndexOf('.');
    if (dot <= 0) continue;
    const key = flat.slice(0, dot);
    const stat = flat.slice(dot + 1);
    if (!out.has(key)) out.set(key, new Map());
    out.get(key)!.set(stat, Float32Array.from(t.dataSync() as Float32Array));
  }
  return out;
}

interface NormalizerStep {
  features: Record<string, Feature>;
  normMap: Record<string, string>;
  eps: number;
  stats: StatsByKey;
  source: string;
}

/** The normaliser step (`registry_name`) of one pipeline file and its statistics; null if it has none. */
async function readNormalizerStep(dir: string, file: string, registryName: string): Promise<NormalizerStep | null> {
  const path = join(dir, file);
  const json = (await readJson(path)) as { steps?: unknown } | null;
  if (json === null) return null;
  if (!json || !Array.isArray(json.steps)) throw new Error(`${path}: field 'steps' must be an array of processor steps`);
  const index = json.steps.findIndex((s: { registry_name?: unknown; class?: unknown }) => s?.registry_name === registryName || (typeof s?.class === 'string' && s.class.endsWith(registryName === 'normalizer_processor' ? '.NormalizerProcessorStep' : '.UnnormalizerProcessorStep')));
  if (index < 0) return null;
  const step = json.steps[index] as { config?: { features?: unknown; norm_map?: unknown; eps?: unknown }; state_file?: unknown };
  const at = `${path}: steps[${index}] (${registryName})`;
  const features = step.config?.features;
  if (!features || typeof features !== 'object') throw new Error(`${at}: config.features must be an object of {type, shape}`);
  for (const [key, f] of Object.entries(features as Record<string, Feature>)) {
    if (typeof f?.type !== 'string' || !Array.isArray(f.shape)) throw new Error(`${at}: config.features.${key} must be {type, shape}`);
  }
  const normMap = (step.config?.norm_map ?? {}) as Record<string, string>;
  const eps = typeof step.config?.eps === 'number' ? step.config.eps : LEROBOT_NORM_EPS;
  let stats: StatsByKey = new Map();
  let source = path;
  if (step.state_file !== undefined) {
    if (typeof step.state_file !== 'string') throw new Error(`${at}: state_file must be a file name`);
    source = join(dir, step.state_file);
    let tensors: Map<string, tf.Tensor>;
    try {
      ({ tensors } = await readSafetensors(source));
    } catch (err) {
      throw new Error(`${at}: cannot read its state_file: ${(err as Error).message}`);
    }
    try {
      stats = tensorsToStats(tensors, (n) => n);
    } finally {
      for (const t of tensors.values()) t.dispose();
    }
  }
  return { features: features as Record<string, Feature>, normMap, eps, stats, source };
}

/**
 * Read a current LeRobot checkpoint's normalisation: the `normalizer_processor` step of
 * `policy_preprocessor.json` (inputs) and the `unnormalizer_processor` step of
 * `policy_postprocessor.json` (the action), each with its `..._step_<i>_....safetensors`
 * statistics (`<feature>.<stat>` tensors). Null when the folder has no `policy_preprocessor.json`.
 */
export async function readProcessorNormalization(dir: string): Promise<CheckpointNormalization | null> {
  const pre = await readNormalizerStep(dir, PREPROCESSOR_FILE, 'normalizer_processor');
  const post = await readNormalizerStep(dir, POSTPROCESSOR_FILE, 'unnormalizer_processor');
  if (pre === null && post === null) {
    const hasPre = (await readJson(join(dir, PREPROCESSOR_FILE))) !== null;
    if (!hasPre) return null;
  }
  const inputs = new Map<string, FeatureNormalization>();
  for (const [key, f] of Object.entries(pre?.features ?? {})) {
    if (f.type === 'ACTION') continue;
    const n = featureNormalization(pre!.source, key, f, pre!.normMap[f.type] ?? 'IDENTITY', pre!.stats.get(key), pre!.eps);
    if (n) inputs.set(key, n);
  }
  let action: FeatureNormalization | null = null;
  const a = post?.features['action'];
  if (post && a) action = featureNormalization(post.source, 'action', a, post.normMap[a.type] ?? 'IDENTITY', post.stats.get('action'), post.eps);
  return { layout: 'processor', sources: [pre?.source, post?.source].filter((s): s is string => s !== undefined), inputs, action };
}

const LEGACY_PREFIXES = ['normalize_inputs.', 'normalize_targets.', 'unnormalize_outputs.'];

/** True for the names of LeRobot's legacy normalisation buffers inside `model.safetensors`. */
export function isLegacyNormalizationBuffer(name: string): boolean {
  return LEGACY_PREFIXES.some((p) => name.startsWith(p));
}

/**
 * The normalisation of an older LeRobot checkpoint, from the buffers of its `Normalize` /
 * `Unnormalize` modules inside `model.safetensors` (`normalize_inputs.buffer_observation_state.mean`,
 * `unnormalize_outputs.buffer_action.std`, ...), with the modes of `config.json`'s
 * `normalization_mapping` (default MEAN_STD for every type, as LeRobot's ACT config).
 */
export function legacyNormalization(
  buffers: Map<string, tf.Tensor>,
  features: { inputs: Record<string, Feature>; outputs: Record<string, Feature> },
  normalizationMapping: Record<string, string> | undefined,
  source: string,
): CheckpointNormalization {
  const mapping = normalizationMapping ?? { VISUAL: 'MEAN_STD', STATE: 'MEAN_STD', ACTION: 'MEAN_STD' };
  const statsOf = (prefix: string) => tensorsToStats(buffers, (n) => (n.startsWith(`${prefix}buffer_`) ? n.slice(prefix.length + 7) : null));
  const inputStats = statsOf('normalize_inputs.');
  const outputStats = statsOf('unnormalize_outputs.');
  const inputs = new Map<string, FeatureNormalization>();
  for (const [key, f] of Object.entries(features.inputs)) {
    const n = featureNormalization(source, key, f, mapping[f.type] ?? 'IDENTITY', inputStats.get(key.replaceAll('.', '_')), LEROBOT_NORM_EPS);
    if (n) inputs.set(key, n);
  }
  const a = features.outputs['action'];
  const action = a ? featureNormalization(source, 'action', a, mapping[a.type] ?? 'IDENTITY', outputStats.get('action'), LEROBOT_NORM_EPS) : null;
  return { layout: 'legacy', sources: [source], inputs, action };
}

/**
 * State and action maps as cvae-core's `Normalizer` takes them (IDENTITY where the checkpoint has
 * none). `stateKey` is the LeRobot key of the state feature.
 */
export function normalizerJsonOf(n: CheckpointNormalization, stateDim: number, actionDim: number, stateKey = 'observation.state'): NormalizerJson {
  const side = (f: FeatureNormalization | null | undefined, dim: number, name: string) => {
    if (!f) return { mode: 'IDENTITY' as const, shift: new Array<number>(dim).fill(0), scale: new Array<number>(dim).fill(1) };
    if (f.shift.length !== dim) {
      throw new Error(`${n.sources.join(', ')}: feature '${f.key}' has ${f.shift.length} statistics, the policy's ${name} has ${dim} values`);
    }
    return { mode: f.mode, shift: [...f.shift], scale: [...f.scale] };
  };
  return { qpos: side(n.inputs.get(stateKey), stateDim, 'state'), action: side(n.action, actionDim, 'action') };
}
