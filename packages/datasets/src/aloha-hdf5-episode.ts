import { IMAGES_PREFIX, imageKey, keySuffix, OBSERVATION_STATE, OBSERVATION_VELOCITY, tactileKey, TACTILE_PREFIX, TASK, taxelsKey, type FeatureSpec, type ImageFrame } from '@actfusion/contracts';
import jpeg from 'jpeg-js';
import { DatasetFormatError, describeError } from './dataset-error.js';
import type { Episode } from './episode.js';
import { loadHdf5, type H5Dataset, type H5File, type H5Group } from './hdf5-runtime.js';
import { asDataset, checkClaimedShape, checkDtype, checkFilters, checkSignature, groupDatasets, matrixShape, readFloatArray, readFloatMatrix, readSlice, requireDataset } from './hdf5-checks.js';

interface CameraLayout {
  readonly dataset: H5Dataset;
  readonly compressed: boolean;
  readonly height: number;
  readonly width: number;
}

/**
 * One ALOHA/ACT HDF5 episode (`episode_<i>.hdf5`), validated on open. Low-dimensional arrays are
 * read at once; camera frames are read one chunk (one frame) at a time, and JPEG rows of the
 * compressed variant (`attrs['compress']`, `/compress_len`) are decoded on demand.
 */
export class AlohaHdf5Episode implements Episode {
  private constructor(
    readonly file: string,
    readonly index: number,
    private readonly h5: H5File,
    readonly sim: boolean,
    readonly length: number,
    readonly stateDim: number,
    readonly actionDim: number,
    readonly qpos: Float32Array,
    readonly action: Float32Array,
    readonly qvel: Float32Array | undefined,
    readonly effort: Float32Array | undefined,
    private readonly cameraLayouts: ReadonlyMap<string, CameraLayout>,
    readonly instruction: string | undefined,
    readonly attributes: Readonly<Record<string, string | number>>,
    private readonly tactileLayouts: ReadonlyMap<string, CameraLayout> = new Map(),
    private readonly taxelArrays: ReadonlyMap<string, { readonly rows: number; readonly cols: number; readonly data: Float32Array }> = new Map(),
  ) {}

  /**
   * `observation.state`, `observation.velocity` (when recorded), one image feature per camera,
   * tactile images (`/observations/tactile/<sensor>`), taxel arrays (`/observations/taxels/<sensor>`)
   * and `task` when the file has an instruction.
   */
  get features(): readonly FeatureSpec[] {
    return [
      { key: OBSERVATION_STATE, kind: 'state', shape: [this.stateDim] },
      ...(this.qvel ? [{ key: OBSERVATION_VELOCITY, kind: 'velocity', shape: [this.stateDim] } satisfies FeatureSpec] : []),
      ...this.cameras.map((c): FeatureSpec => ({ key: imageKey(c), kind: 'image', shape: [...this.cameraShape(c), 3] })),
      ...[...this.tactileLayouts].map(([s, l]): FeatureSpec => ({ key: tactileKey(s), kind: 'tactile-image', shape: [l.height, l.width, 3] })),
      ...[...this.taxelArrays].map(([s, a]): FeatureSpec => ({ key: taxelsKey(s), kind: 'taxels', shape: [a.rows, a.cols] })),
      ...(this.instruction !== undefined ? [{ key: TASK, kind: 'text', shape: [] } satisfies FeatureSpec] : []),
    ];
  }

  get vectors(): Readonly<Record<string, Float32Array>> {
    const out: Record<string, Float32Array> = { [OBSERVATION_STATE]: this.qpos };
    if (this.qvel) out[OBSERVATION_VELOCITY] = this.qvel;
    for (const [s, a] of this.taxelArrays) out[taxelsKey(s)] = a.data;
    return out;
  }

  get task(): string | undefined {
    return this.instruction;
  }

  /** Frame of `observation.images.<camera>` or `observation.tactile.<sensor>`. */
  async readFrame(key: string, frameIndex: number): Promise<ImageFrame> {
    const camera = keySuffix(key, IMAGES_PREFIX);
    if (camera !== undefined && this.cameraLayouts.has(camera)) return this.readImage(camera, frameIndex);
    const sensor = keySuffix(key, TACTILE_PREFIX);
    const layout = sensor !== undefined ? this.tactileLayouts.get(sensor) : undefined;
    if (!layout) {
      const have = this.features.filter((f) => f.kind === 'image' || f.kind === 'tactile-image').map((f) => f.key);
      throw new DatasetFormatError(this.file, key, `no such image feature (have ${have.join(', ') || 'none'})`);
    }
    if (!Number.isInteger(frameIndex) || frameIndex < 0 || frameIndex >= this.length) throw new RangeError(`${this.file}: ${key}: frame ${frameIndex} outside [0, ${this.length})`);
    return { height: layout.height, width: layout.width, data: readSlice(this.file, `/observations/tactile/${sensor}`, layout.dataset, frameIndex) };
  }

  get cameras(): readonly string[] {
    return [...this.cameraLayouts.keys()];
  }

  /** [height, width] of a camera (for the compressed variant, of the first frame). */
  cameraShape(camera: string): readonly [number, number] {
    const layout = this.layout(camera);
    return [layout.height, layout.width];
  }

  get compressed(): boolean {
    return [...this.cameraLayouts.values()].some((l) => l.compressed);
  }

  static async open(file: string, index = 0): Promise<AlohaHdf5Episode> {
    await checkSignature(file);
    const h5mod = await loadHdf5();
    let h5: H5File;
    try {
      h5 = new h5mod.File(file, 'r');
    } catch (err) {
      throw new DatasetFormatError(file, '/', `not a readable HDF5 file (truncated or corrupt?): ${describeError(err)}`, { cause: err });
    }
    try {
      return AlohaHdf5Episode.validate(file, index, h5);
    } catch (err) {
      h5.close();
      if (err instanceof DatasetFormatError) throw err;
      throw new DatasetFormatError(file, '/', `cannot read the episode (truncated or corrupt?): ${describeError(err)}`, { cause: err });
    }
  }

  private static validate(file: string, index: number, h5: H5File): AlohaHdf5Episode {
    const attrNames = Object.keys(h5.attrs);
    if (!attrNames.includes('sim')) {
      throw new DatasetFormatError(file, '/ attribute sim', 'missing (ACT reads root.attrs["sim"]; expected a bool or uint8)');
    }
    const sim = Boolean(h5.get_attribute('sim', true));
    const compressAttr = attrNames.includes('compress') ? Boolean(h5.get_attribute('compress', true)) : false;
    const attributes: Record<string, string | number> = {};
    for (const name of attrNames) {
      const v = h5.get_attribute(name, true);
      if (typeof v === 'string' || typeof v === 'number') attributes[name] = v;
      else if (typeof v === 'boolean') attributes[name] = v ? 1 : 0;
    }

    const qposDs = requireDataset(file, h5, '/observations/qpos');
    const actionDs = requireDataset(file, h5, '/action');
    const [length, stateDim] = matrixShape(file, '/observations/qpos', qposDs);
    const [actionLength, actionDim] = matrixShape(file, '/action', actionDs);
    if (actionLength !== length) {
      throw new DatasetFormatError(file, '/action', `has ${actionLength} steps but /observations/qpos has ${length}; arrays of one episode must agree in length`);
    }
    const qpos = readFloatMatrix(file, '/observations/qpos', qposDs);
    const action = readFloatMatrix(file, '/action', actionDs);
    const optional = (path: string): Float32Array | undefined => {
      const ds = h5.get(path);
      if (ds === null) return undefined;
      const d = asDataset(file, path, ds);
      const [t, dim] = matrixShape(file, path, d);
      if (t !== length || dim !== stateDim) {
        throw new DatasetFormatError(file, path, `expected shape [${length}, ${stateDim}] (like /observations/qpos), got [${t}, ${dim}]`);
      }
      return readFloatMatrix(file, path, d);
    };
    const qvelRecorded = attributes['qvel_recorded'] !== 0;
    const qvelRead = optional('/observations/qvel');
    const qvel = qvelRecorded ? qvelRead : undefined;
    const effort = optional('/observations/effort');

    const imagesEntity = h5.get('/observations/images');
    const cameraLayouts = new Map<string, CameraLayout>();
    if (imagesEntity !== null) {
      const group = imagesEntity as H5Group;
      if (typeof group.keys !== 'function') throw new DatasetFormatError(file, '/observations/images', 'expected a group of camera datasets');
      const compressLen = h5.get('/compress_len');
      for (const cam of group.keys()) {
        const path = `/observations/images/${cam}`;
        const ds = asDataset(file, path, group.get(cam));
        checkFilters(file, path, ds);
        checkDtype(file, path, ds, 'uint8');
        const shape = ds.shape ?? [];
        if (shape[0] !== length) {
          throw new DatasetFormatError(file, path, `has ${shape[0]} frames but /observations/qpos has ${length}; arrays of one episode must agree in length`);
        }
        if (shape.length === 4) {
          checkClaimedShape(file, path, shape, ['frames', 'side', 'side', 'channels']);
          if (shape[3] !== 3) throw new DatasetFormatError(file, path, `expected shape [T, H, W, 3] (RGB), got [${shape.join(', ')}]`);
          cameraLayouts.set(cam, { dataset: ds, compressed: false, height: shape[1]!, width: shape[2]! });
        } else if (shape.length === 2 && (compressAttr || compressLen !== null)) {
          checkClaimedShape(file, path, shape, ['frames', 'bytes']);
          cameraLayouts.set(cam, { dataset: ds, compressed: true, height: 0, width: 0 });
        } else {
          throw new DatasetFormatError(file, path, `expected shape [T, H, W, 3] uint8, or [T, max_len] JPEG rows with attrs compress=True, got [${shape.join(', ')}]`);
        }
      }
      if (compressLen !== null) {
        const cl = asDataset(file, '/compress_len', compressLen);
        const s = cl.shape ?? [];
        if (s.length !== 2 || s[1] !== length) {
          throw new DatasetFormatError(file, '/compress_len', `expected shape [n_cams, ${length}], got [${s.join(', ')}]`);
        }
      }
    }
    const tactileLayouts = new Map<string, CameraLayout>();
    for (const [sensor, ds, path] of groupDatasets(file, h5, '/observations/tactile')) {
      checkFilters(file, path, ds);
      checkDtype(file, path, ds, 'uint8');
      const shape = ds.shape ?? [];
      if (shape.length === 4) checkClaimedShape(file, path, shape, ['frames', 'side', 'side', 'channels']);
      if (shape.length !== 4 || shape[0] !== length || shape[3] !== 3) throw new DatasetFormatError(file, path, `expected a tactile image array [${length}, H, W, 3] uint8, got [${shape.join(', ')}]`);
      tactileLayouts.set(sensor, { dataset: ds, compressed: false, height: shape[1]!, width: shape[2]! });
    }
    const taxelArrays = new Map<string, { rows: number; cols: number; data: Float32Array }>();
    for (const [sensor, ds, path] of groupDatasets(file, h5, '/observations/taxels')) {
      const shape = ds.shape ?? [];
      if ((shape.length !== 3 && shape.length !== 2) || shape[0] !== length) throw new DatasetFormatError(file, path, `expected a taxel array [${length}, rows, cols] float32, got [${shape.join(', ')}]`);
      checkFilters(file, path, ds);
      checkDtype(file, path, ds, 'float');
      const rows = shape.length === 3 ? shape[1]! : 1;
      const cols = shape.length === 3 ? shape[2]! : shape[1]!;
      checkClaimedShape(file, path, [shape[0]!, rows * cols], ['frames', 'cells'], ds.metadata?.size ?? 4);
      taxelArrays.set(sensor, { rows, cols, data: readFloatArray(file, path, ds) });
    }
    // The instruction: root attribute `instruction` (what we write); `task` for files that name it so.
    const instruction = typeof attributes['instruction'] === 'string' ? attributes['instruction'] : typeof attributes['task'] === 'string' ? attributes['task'] : undefined;
    const episode = new AlohaHdf5Episode(file, index, h5, sim, length, stateDim, actionDim, qpos, action, qvel, effort, cameraLayouts, instruction, attributes, tactileLayouts, taxelArrays);
    // Compressed rows carry their size inside the JPEG: decode frame 0 to learn it.
    for (const [cam, layout] of cameraLayouts) {
      if (layout.compressed && length > 0) {
        const first = episode.decodeJpegRow(cam, layout.dataset, 0);
        cameraLayouts.set(cam, { ...layout, height: first.height, width: first.width });
      }
    }
    return episode;
  }

  private layout(camera: string): CameraLayout {
    const layout = this.cameraLayouts.get(camera);
    if (!layout) {
      throw new DatasetFormatError(this.file, `/observations/images/${camera}`, `no such camera (have ${this.cameras.join(', ') || 'none'})`);
    }
    return layout;
  }

  async readImage(camera: string, frameIndex: number): Promise<ImageFrame> {
    const layout = this.layout(camera);
    const path = `/observations/images/${camera}`;
    if (!Number.isInteger(frameIndex) || frameIndex < 0 || frameIndex >= this.length) {
      throw new RangeError(`${this.file}: ${path}: frame ${frameIndex} outside [0, ${this.length})`);
    }
    if (layout.compressed) return this.decodeJpegRow(camera, layout.dataset, frameIndex);
    const data = readSlice(this.file, path, layout.dataset, frameIndex);
    const expected = layout.height * layout.width * 3;
    if (data.length !== expected) {
      throw new DatasetFormatError(this.file, path, `frame ${frameIndex}: expected ${expected} bytes, got ${data.length}`);
    }
    return { height: layout.height, width: layout.width, data };
  }

  private decodeJpegRow(camera: string, ds: H5Dataset, frameIndex: number): ImageFrame {
    const path = `/observations/images/${camera}`;
    const row = readSlice(this.file, path, ds, frameIndex);
    try {
      const img = jpeg.decode(row, { useTArray: true, formatAsRGBA: false, tolerantDecoding: false, maxMemoryUsageInMB: 1024 });
      return { height: img.height, width: img.width, data: new Uint8Array(img.data.buffer, img.data.byteOffset, img.data.byteLength) };
    } catch (err) {
      throw new DatasetFormatError(this.file, path, `frame ${frameIndex}: expected a JPEG-compressed row: ${describeError(err)}`, { cause: err });
    }
  }

  close(): void {
    this.h5.close();
  }
}
