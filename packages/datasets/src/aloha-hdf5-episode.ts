import { open, stat } from 'node:fs/promises';
import type { ImageFrame } from '@actfusion/contracts';
import jpeg from 'jpeg-js';
import { DatasetFormatError, describeError } from './dataset-error.js';
import type { Episode } from './episode.js';
import {
  HDF5_SIGNATURE,
  loadHdf5,
  SUPPORTED_HDF5_FILTERS,
  type H5Dataset,
  type H5File,
  type H5Group,
} from './hdf5-runtime.js';

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
  ) {}

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
          if (shape[3] !== 3) throw new DatasetFormatError(file, path, `expected shape [T, H, W, 3] (RGB), got [${shape.join(', ')}]`);
          cameraLayouts.set(cam, { dataset: ds, compressed: false, height: shape[1]!, width: shape[2]! });
        } else if (shape.length === 2 && (compressAttr || compressLen !== null)) {
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
    const instruction = typeof attributes['instruction'] === 'string' ? attributes['instruction'] : typeof attributes['task'] === 'string' ? attributes['task'] : undefined;
    const episode = new AlohaHdf5Episode(file, index, h5, sim, length, stateDim, actionDim, qpos, action, qvel, effort, cameraLayouts, instruction, attributes);
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

async function checkSignature(file: string): Promise<void> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (err) {
    throw new DatasetFormatError(file, '/', `cannot open: ${describeError(err)}`, { cause: err });
  }
  const fh = await open(file, 'r');
  try {
    const head = Buffer.alloc(64);
    const { bytesRead } = await fh.read(head, 0, 64, 0);
    if (bytesRead < 8 || !HDF5_SIGNATURE.every((b, i) => head[i] === b)) {
      throw new DatasetFormatError(file, 'byte 0', `expected the HDF5 signature \\x89HDF\\r\\n\\x1a\\n (file is ${size} bytes)`);
    }
    const eof = superblockEndOfFile(head.subarray(0, bytesRead));
    if (eof !== undefined && eof > size) {
      throw new DatasetFormatError(file, 'superblock end-of-file address', `the file should be ${eof} bytes but is ${size}: truncated (an interrupted copy or recording?)`);
    }
  } finally {
    await fh.close();
  }
}

/** The end-of-file address recorded in an HDF5 superblock at offset 0 (versions 0 to 3). */
function superblockEndOfFile(head: Buffer): number | undefined {
  const version = head[8];
  let offsetSize: number | undefined;
  let at: number;
  if (version === 0 || version === 1) {
    offsetSize = head[13];
    at = (version === 0 ? 24 : 28);
  } else if (version === 2 || version === 3) {
    offsetSize = head[9];
    at = 12;
  } else return undefined;
  if (offsetSize !== 8 && offsetSize !== 4) return undefined;
  const read = (pos: number) => (offsetSize === 8 ? Number(head.readBigUInt64LE(pos)) : head.readUInt32LE(pos));
  if (at + 3 * offsetSize > head.length) return undefined;
  const base = read(at);
  const eof = read(at + 2 * offsetSize);
  return base + eof;
}

function requireDataset(file: string, h5: H5File, path: string): H5Dataset {
  const entity = h5.get(path);
  if (entity === null) throw new DatasetFormatError(file, path, 'missing dataset (ACT episodes have /observations/qpos and /action)');
  return asDataset(file, path, entity);
}

function asDataset(file: string, path: string, entity: unknown): H5Dataset {
  if (entity === null || typeof entity !== 'object' || !('shape' in entity) || !('slice' in entity)) {
    throw new DatasetFormatError(file, path, 'expected a dataset, found a group or link');
  }
  return entity as H5Dataset;
}

function checkFilters(file: string, path: string, ds: H5Dataset): void {
  for (const f of ds.filters) {
    if (!SUPPORTED_HDF5_FILTERS.has(f.id)) {
      throw new DatasetFormatError(file, path, `uses HDF5 filter ${f.id} (${f.name}); only gzip/deflate, shuffle and fletcher32 are read correctly (re-save without LZF)`);
    }
  }
}

function checkDtype(file: string, path: string, ds: H5Dataset, want: 'uint8' | 'float'): void {
  const m = ds.metadata;
  const ok = want === 'uint8' ? m.type === 0 && m.size === 1 && !m.signed : m.type === 1 && (m.size === 4 || m.size === 8);
  if (!ok) {
    throw new DatasetFormatError(file, path, `expected dtype ${want === 'uint8' ? 'uint8' : 'float32 or float64'}, got ${JSON.stringify(ds.dtype)}`);
  }
}

function matrixShape(file: string, path: string, ds: H5Dataset): [number, number] {
  const shape = ds.shape ?? [];
  if (shape.length !== 2) throw new DatasetFormatError(file, path, `expected a 2-D array [T, dim], got shape [${shape.join(', ')}]`);
  return [shape[0]!, shape[1]!];
}

function readFloatMatrix(file: string, path: string, ds: H5Dataset): Float32Array {
  checkFilters(file, path, ds);
  checkDtype(file, path, ds, 'float');
  let value: unknown;
  try {
    value = ds.value;
  } catch (err) {
    throw new DatasetFormatError(file, path, `cannot read (truncated?): ${describeError(err)}`, { cause: err });
  }
  if (value instanceof Float32Array) return value;
  if (value instanceof Float64Array) return Float32Array.from(value);
  throw new DatasetFormatError(file, path, 'could not be read as floats (truncated or corrupt?)');
}

function readSlice(file: string, path: string, ds: H5Dataset, t: number): Uint8Array {
  let value: unknown;
  try {
    value = ds.slice([[t, t + 1]]);
  } catch (err) {
    throw new DatasetFormatError(file, path, `frame ${t} cannot be read (truncated?): ${describeError(err)}`, { cause: err });
  }
  if (!(value instanceof Uint8Array)) throw new DatasetFormatError(file, path, `frame ${t} could not be read as uint8 (truncated or corrupt?)`);
  return value;
}
