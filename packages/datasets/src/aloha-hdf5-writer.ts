import { rm } from 'node:fs/promises';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { keySuffix, TACTILE_PREFIX, TAXELS_PREFIX, type ImageFrame } from '@actfusion/contracts';
import { commitTemporary, temporaryPathFor } from '@actfusion/atomic-file';
import type { EpisodeData } from './episode.js';
import { loadHdf5, type H5Dataset, type H5File } from './hdf5-runtime.js';

export interface AlohaEpisodeLayout {
  readonly stateDim: number;
  readonly actionDim: number;
  /** Camera name -> [height, width]; frames are stored uint8 (T, H, W, 3), one frame per chunk. */
  readonly cameras: Readonly<Record<string, readonly [number, number]>>;
  /** ACT's root attribute `sim` (changes the action alignment of ACT's loader). */
  readonly sim: boolean;
  /**
   * Whether steps carry qvel. ACT's loader always reads /observations/qvel, so without it the
   * dataset is written as zeros and the root attribute `qvel_recorded` = 0 tells readers so.
   */
  readonly withQvel?: boolean;
  readonly withEffort?: boolean;
  /** Extra root attributes (rate, robot name, ...). ACT's loader ignores them. */
  readonly attributes?: Readonly<Record<string, string | number>>;
  /** The episode's task instruction, stored as the root string attribute `instruction`. */
  readonly instruction?: string;
  /** Tactile sensor -> [height, width] of its tactile image: `/observations/tactile/<sensor>` uint8 (T, H, W, 3). */
  readonly tactile?: Readonly<Record<string, readonly [number, number]>>;
  /** Tactile sensor -> [rows, cols] of its taxel array: `/observations/taxels/<sensor>` float32 (T, rows, cols). */
  readonly taxels?: Readonly<Record<string, readonly [number, number]>>;
}

/** One control step as appended to an episode being written. */
export interface AlohaStep {
  readonly qpos: Float32Array;
  readonly qvel?: Float32Array;
  readonly effort?: Float32Array;
  readonly action: Float32Array;
  readonly images: Readonly<Record<string, ImageFrame>>;
  /** Tactile images by sensor (every sensor of the layout's `tactile`). */
  readonly tactile?: Readonly<Record<string, ImageFrame>>;
  /** Taxel arrays by sensor, rows * cols values row-major (every sensor of the layout's `taxels`). */
  readonly taxels?: Readonly<Record<string, Float32Array>>;
}

/**
 * Writes one episode in ACT's HDF5 layout, frame by frame (camera frames go straight to the file,
 * so memory stays at one frame per camera), into a temporary file that `finish()` renames to the
 * final path. Until then the final path is untouched, so an interrupted recording loses nothing
 * already written.
 *
 * Layout (as ACT's record_sim_episodes.py): root attribute `sim` (uint8 1/0: h5wasm cannot write
 * h5py's enum bool; `bool()` of it is the same), `/observations/qpos|qvel|effort` and `/action`
 * float32 (T, dim), `/observations/images/<cam>` uint8 (T, H, W, 3) chunked (1, H, W, 3).
 * Beyond ACT (its loader ignores them): root string attribute `instruction`,
 * `/observations/tactile/<sensor>` uint8 (T, H, W, 3) chunked per frame like the cameras, and
 * `/observations/taxels/<sensor>` float32 (T, rows, cols).
 */
export class AlohaEpisodeWriter {
  private readonly qpos: number[] = [];
  private readonly qvel: number[] = [];
  private readonly effort: number[] = [];
  private readonly action: number[] = [];
  private readonly taxels = new Map<string, number[]>();
  private steps = 0;
  private done = false;

  private constructor(
    readonly finalPath: string,
    private readonly tmpPath: string,
    private readonly h5: H5File,
    private readonly layout: AlohaEpisodeLayout,
    private readonly images: ReadonlyMap<string, H5Dataset>,
    private readonly tactile: ReadonlyMap<string, H5Dataset>,
  ) {
    for (const sensor of Object.keys(layout.taxels ?? {})) this.taxels.set(sensor, []);
  }

  static async create(finalPath: string, layout: AlohaEpisodeLayout): Promise<AlohaEpisodeWriter> {
    const h5mod = await loadHdf5();
    mkdirSync(dirname(finalPath), { recursive: true });
    const tmp = temporaryPathFor(finalPath);
    const h5 = new h5mod.File(tmp, 'w');
    try {
      h5.create_attribute('sim', layout.sim ? 1 : 0, null, '<B');
      for (const [name, value] of Object.entries(layout.attributes ?? {})) {
        // `sim` is written above; `instruction` once, from layout.instruction when both give it.
        if (name === 'sim' || (name === 'instruction' && layout.instruction !== undefined)) continue;
        h5.create_attribute(name, value, null, typeof value === 'number' ? (Number.isInteger(value) ? '<i8' : '<d') : null);
      }
      if (layout.instruction !== undefined) h5.create_attribute('instruction', layout.instruction);
      const obs = h5.create_group('observations');
      const frames = (groupName: string, specs: Readonly<Record<string, readonly [number, number]>>) => {
        const group = obs.create_group(groupName);
        const out = new Map<string, H5Dataset>();
        for (const [name, [height, width]] of Object.entries(specs)) {
          out.set(name, group.create_dataset({ name, data: new Uint8Array(0), shape: [0, height, width, 3], maxshape: [null, height, width, 3], chunks: [1, height, width, 3], dtype: '<B' }));
        }
        return out;
      };
      const images = frames('images', layout.cameras);
      const tactile = layout.tactile && Object.keys(layout.tactile).length > 0 ? frames('tactile', layout.tactile) : new Map<string, H5Dataset>();
      return new AlohaEpisodeWriter(finalPath, tmp, h5, layout, images, tactile);
    } catch (err) {
      h5.close();
      await rm(tmp, { force: true });
      throw err;
    }
  }

  get length(): number {
    return this.steps;
  }

  append(step: AlohaStep): void {
    if (this.done) throw new Error(`${this.finalPath}: episode already finished or aborted`);
    const { stateDim, actionDim } = this.layout;
    checkLength('qpos', step.qpos, stateDim);
    checkLength('action', step.action, actionDim);
    if (this.layout.withQvel) checkLength('qvel', step.qvel, stateDim);
    if (this.layout.withEffort) checkLength('effort', step.effort, stateDim);
    const writeFrame = (kind: string, ds: H5Dataset, frame: ImageFrame | undefined, [h, w]: readonly [number, number]) => {
      if (!frame || frame.height !== h || frame.width !== w || frame.data.length !== h * w * 3) {
        throw new Error(`${this.finalPath}: step ${this.steps}: ${kind} must be ${h}x${w}x3 uint8, got ${frame ? `${frame.height}x${frame.width} (${frame.data.length} bytes)` : 'nothing'}`);
      }
      ds.resize([this.steps + 1, h, w, 3]);
      ds.write_slice([[this.steps, this.steps + 1]], frame.data);
    };
    for (const [sensor, [rows, cols]] of Object.entries(this.layout.taxels ?? {})) checkLength(`taxels ${sensor}`, step.taxels?.[sensor], rows * cols);
    for (const [cam, ds] of this.images) writeFrame(`camera ${cam}`, ds, step.images[cam], this.layout.cameras[cam]!);
    for (const [sensor, ds] of this.tactile) writeFrame(`tactile image ${sensor}`, ds, step.tactile?.[sensor], this.layout.tactile![sensor]!);
    for (const [sensor, values] of this.taxels) pushAll(values, step.taxels![sensor]!);
    pushAll(this.qpos, step.qpos);
    pushAll(this.action, step.action);
    if (this.layout.withQvel) pushAll(this.qvel, step.qvel!);
    if (this.layout.withEffort) pushAll(this.effort, step.effort!);
    this.steps++;
  }

  /** Write the low-dimensional arrays, close, and move the file into place. Returns the final path. */
  async finish(): Promise<string> {
    if (this.done) throw new Error(`${this.finalPath}: episode already finished or aborted`);
    this.done = true;
    const { stateDim, actionDim } = this.layout;
    try {
      const obs = this.h5.get('observations') as unknown as H5File;
      const matrix = (parent: H5File, name: string, values: number[], dim: number) =>
        parent.create_dataset({ name, data: Float32Array.from(values), shape: [this.steps, dim], dtype: '<f' });
      matrix(obs, 'qpos', this.qpos, stateDim);
      if (this.layout.withQvel) matrix(obs, 'qvel', this.qvel, stateDim);
      else {
        obs.create_dataset({ name: 'qvel', data: new Float32Array(this.steps * stateDim), shape: [this.steps, stateDim], dtype: '<f' });
        this.h5.create_attribute('qvel_recorded', 0, null, '<B');
      }
      if (this.layout.withEffort) matrix(obs, 'effort', this.effort, stateDim);
      matrix(this.h5, 'action', this.action, actionDim);
      if (this.taxels.size > 0) {
        const group = obs.create_group('taxels');
        for (const [sensor, values] of this.taxels) {
          const [rows, cols] = this.layout.taxels![sensor]!;
          group.create_dataset({ name: sensor, data: Float32Array.from(values), shape: [this.steps, rows, cols], dtype: '<f' });
        }
      }
      this.h5.close();
    } catch (err) {
      this.h5.close();
      await rm(this.tmpPath, { force: true });
      throw err;
    }
    await commitTemporary(this.tmpPath, this.finalPath);
    return this.finalPath;
  }

  /** Drop the temporary file; the final path is left as it was. */
  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    this.h5.close();
    await rm(this.tmpPath, { force: true });
  }
}

/** Write a whole in-memory episode in ACT's layout, atomically. */
export async function writeAlohaEpisode(
  finalPath: string,
  episode: EpisodeData,
  options: { sim: boolean; attributes?: Readonly<Record<string, string | number>> },
): Promise<string> {
  const cameras: Record<string, readonly [number, number]> = {};
  for (const [cam, frames] of Object.entries(episode.images)) {
    const f = frames[0];
    if (!f) throw new Error(`${finalPath}: camera ${cam} has no frames`);
    cameras[cam] = [f.height, f.width];
  }
  const tactile: Record<string, readonly [number, number]> = {};
  const taxels: Record<string, readonly [number, number]> = {};
  const featureFrames = Object.entries(episode.features ?? {}).map(([key, f]) => {
    const sensor = keySuffix(key, TACTILE_PREFIX) ?? keySuffix(key, TAXELS_PREFIX);
    if (sensor === undefined || (f.spec.kind !== 'tactile-image' && f.spec.kind !== 'taxels')) {
      throw new Error(`${finalPath}: feature ${key} (${f.spec.kind}) has no place in ALOHA HDF5 (tactile images under observation.tactile.<sensor>, taxels under observation.taxels.<sensor>)`);
    }
    const [a, b] = f.spec.shape;
    if (f.spec.kind === 'taxels') taxels[sensor] = f.spec.shape.length === 1 ? [1, a!] : [a!, b!];
    else tactile[sensor] = [a!, b!];
    return { sensor, kind: f.spec.kind, frames: f.frames };
  });
  const writer = await AlohaEpisodeWriter.create(finalPath, {
    stateDim: episode.stateDim,
    actionDim: episode.actionDim,
    cameras,
    sim: options.sim,
    withQvel: episode.qvel !== undefined,
    withEffort: episode.effort !== undefined,
    ...(options.attributes ? { attributes: options.attributes } : {}),
    ...(episode.instruction !== undefined ? { instruction: episode.instruction } : {}),
    tactile,
    taxels,
  });
  try {
    const { stateDim: s, actionDim: a } = episode;
    for (let t = 0; t < episode.length; t++) {
      const images: Record<string, ImageFrame> = {};
      for (const [cam, frames] of Object.entries(episode.images)) {
        const f = frames[t];
        if (!f) throw new Error(`${finalPath}: camera ${cam} has ${frames.length} frames, expected ${episode.length}`);
        images[cam] = f;
      }
      const stepTactile: Record<string, ImageFrame> = {};
      const stepTaxels: Record<string, Float32Array> = {};
      for (const f of featureFrames) {
        const v = f.frames[t];
        if (f.kind === 'taxels' && v instanceof Float32Array) stepTaxels[f.sensor] = v;
        else if (f.kind === 'tactile-image' && v && !(v instanceof Float32Array)) stepTactile[f.sensor] = v;
        else throw new Error(`${finalPath}: ${f.kind} ${f.sensor}: frame ${t} missing or of the wrong type`);
      }
      writer.append({
        tactile: stepTactile,
        taxels: stepTaxels,
        qpos: episode.qpos.subarray(t * s, (t + 1) * s),
        action: episode.action.subarray(t * a, (t + 1) * a),
        ...(episode.qvel ? { qvel: episode.qvel.subarray(t * s, (t + 1) * s) } : {}),
        ...(episode.effort ? { effort: episode.effort.subarray(t * s, (t + 1) * s) } : {}),
        images,
      });
    }
  } catch (err) {
    await writer.abort();
    throw err;
  }
  return writer.finish();
}

function checkLength(name: string, v: Float32Array | undefined, dim: number): void {
  if (!v || v.length !== dim) throw new Error(`${name}: expected ${dim} values, got ${v ? v.length : 'none'}`);
}

function pushAll(target: number[], values: Float32Array): void {
  for (let i = 0; i < values.length; i++) target.push(values[i]!);
}
