import { OBSERVATION_STATE, OBSERVATION_VELOCITY, TASK, imageKey, tactileKey, taxelsKey } from './feature-keys.js';
import type { FeatureKind, FeatureSpec } from './feature-spec.js';

/**
 * The observation features a policy is built for (LeRobot's `input_features`) and its action
 * width. `features` lists every feature the robot or dataset provides, by key, in token order
 * within a kind; each encoder picks the ones it reads.
 */
export interface ObservationSpec {
  readonly stateDim: number;
  readonly actionDim: number;
  readonly features: readonly FeatureSpec[];
}

/** A shorthand for the usual features, expanded by `observationSpec`. */
export interface ObservationSpecInput {
  readonly stateDim: number;
  readonly actionDim: number;
  /** Joint names of `observation.state` (and `observation.velocity`). */
  readonly stateNames?: readonly string[];
  /** Adds `observation.velocity` ([stateDim]). */
  readonly velocity?: boolean;
  /** Camera name -> [height, width]: `observation.images.<camera>` [H, W, 3]. */
  readonly cameras?: Readonly<Record<string, readonly [number, number]>>;
  /** Tactile sensor name -> [height, width] of its tactile image: `observation.tactile.<sensor>` [H, W, 3]. */
  readonly tactile?: Readonly<Record<string, readonly [number, number]>>;
  /** Tactile sensor name -> taxel shape ([rows, cols] or [rows, cols, channels]): `observation.taxels.<sensor>`. */
  readonly taxels?: Readonly<Record<string, readonly number[]>>;
  /** Adds `task` (the instruction, text). */
  readonly task?: boolean;
  /** Further features, appended as given. */
  readonly extra?: readonly FeatureSpec[];
}

/** Build an `ObservationSpec`: `observation.state` first (none when stateDim is 0), then velocity, cameras, tactile images, taxels, task, extras. */
export function observationSpec(input: ObservationSpecInput): ObservationSpec {
  if (!(Number.isInteger(input.stateDim) && input.stateDim >= 0)) throw new Error(`observationSpec: stateDim must be a non-negative integer, got ${input.stateDim}`);
  if (!(Number.isInteger(input.actionDim) && input.actionDim > 0)) throw new Error(`observationSpec: actionDim must be a positive integer, got ${input.actionDim}`);
  const features: FeatureSpec[] = [];
  if (input.stateDim > 0) {
    features.push({ key: OBSERVATION_STATE, kind: 'state', shape: [input.stateDim], ...(input.stateNames ? { names: input.stateNames } : {}) });
  }
  if (input.velocity) {
    features.push({ key: OBSERVATION_VELOCITY, kind: 'velocity', shape: [input.stateDim], ...(input.stateNames ? { names: input.stateNames } : {}) });
  }
  for (const [cam, [h, w]] of Object.entries(input.cameras ?? {})) features.push({ key: imageKey(cam), kind: 'image', shape: [h, w, 3] });
  for (const [s, [h, w]] of Object.entries(input.tactile ?? {})) features.push({ key: tactileKey(s), kind: 'tactile-image', shape: [h, w, 3] });
  for (const [s, shape] of Object.entries(input.taxels ?? {})) features.push({ key: taxelsKey(s), kind: 'taxels', shape: [...shape] });
  if (input.task) features.push({ key: TASK, kind: 'text', shape: [] });
  features.push(...(input.extra ?? []));
  return withFeatures({ stateDim: input.stateDim, actionDim: input.actionDim, features: [] }, features);
}

/** The spec with `features` replaced (checked: unique keys, state width = stateDim). */
export function withFeatures(spec: ObservationSpec, features: readonly FeatureSpec[]): ObservationSpec {
  const seen = new Set<string>();
  for (const f of features) {
    if (seen.has(f.key)) throw new Error(`observation spec: feature '${f.key}' is listed twice`);
    seen.add(f.key);
    if (!Array.isArray(f.shape) || f.shape.some((d) => !(Number.isInteger(d) && d > 0))) {
      throw new Error(`observation spec: feature '${f.key}' has shape [${String(f.shape)}], expected positive integers`);
    }
  }
  const state = features.find((f) => f.key === OBSERVATION_STATE);
  if (state && state.shape[0] !== spec.stateDim) {
    throw new Error(`observation spec: '${OBSERVATION_STATE}' has shape [${state.shape}], expected [${spec.stateDim}] (stateDim)`);
  }
  return { stateDim: spec.stateDim, actionDim: spec.actionDim, features };
}

/** The feature with this key, if the spec has it. */
export function featureOf(spec: ObservationSpec, key: string): FeatureSpec | undefined {
  return spec.features.find((f) => f.key === key);
}

/** The feature with this key; an error naming `who`, the key and the spec's keys when it is missing. */
export function requireFeature(spec: ObservationSpec, key: string, who: string): FeatureSpec {
  const f = featureOf(spec, key);
  if (!f) throw new Error(`${who}: the observation spec has no feature '${key}' (has ${spec.features.map((x) => x.key).join(', ') || 'none'})`);
  return f;
}

/** Every feature of these kinds, in spec order. */
export function featuresOfKind(spec: ObservationSpec, ...kinds: FeatureKind[]): FeatureSpec[] {
  return spec.features.filter((f) => kinds.includes(f.kind));
}
