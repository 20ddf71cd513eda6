import { open, stat } from 'node:fs/promises';
import { DatasetFormatError, describeError } from './dataset-error.js';
import { HDF5_SIGNATURE, SUPPORTED_HDF5_FILTERS, type H5Dataset, type H5File, type H5Group } from './hdf5-runtime.js';

/** Checked reads of HDF5 episodes: every failure names the file, the HDF5 path and what was expected. */

export async function checkSignature(file: string): Promise<void> {
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
export function superblockEndOfFile(head: Buffer): number | undefined {
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

export function requireDataset(file: string, h5: H5File, path: string): H5Dataset {
  const entity = h5.get(path);
  if (entity === null) throw new DatasetFormatError(file, path, 'missing dataset (ACT episodes have /observations/qpos and /action)');
  return asDataset(file, path, entity);
}

export function asDataset(file: string, path: string, entity: unknown): H5Dataset {
  if (entity === null || typeof entity !== 'object' || !('shape' in entity) || !('slice' in entity)) {
    throw new DatasetFormatError(file, path, 'expected a dataset, found a group or link');
  }
  return entity as H5Dataset;
}

export function checkFilters(file: string, path: string, ds: H5Dataset): void {
  for (const f of ds.filters) {
    if (!SUPPORTED_HDF5_FILTERS.has(f.id)) {
      throw new DatasetFormatError(file, path, `uses HDF5 filter ${f.id} (${f.name}); only gzip/deflate, shuffle and fletcher32 are read correctly (re-save without LZF)`);
    }
  }
}

export function checkDtype(file: string, path: string, ds: H5Dataset, want: 'uint8' | 'float'): void {
  const m = ds.metadata;
  const ok = want === 'uint8' ? m.type === 0 && m.size === 1 && !m.signed : m.type === 1 && (m.size === 4 || m.size === 8);
  if (!ok) {
    throw new DatasetFormatError(file, path, `expected dtype ${want === 'uint8' ? 'uint8' : 'float32 or float64'}, got ${JSON.stringify(ds.dtype)}`);
  }
}

/**
 * What an episode's metadata may claim, checked before anything is read or allocated: a file of a
 * few bytes can declare a [1e9, 14] dataset (unwritten chunks read as fill values), and reading it
 * would take all memory before any other check could fail.
 */
export const EPISODE_LIMITS = {
  /** Frames per episode (5.5 hours at 50 Hz). */
  frames: 1_000_000,
  /** Length of a state/action vector. */
  vectorDim: 4096,
  /** Height and width of a camera or tactile image (the config's robot.imageHeight/Width bound). */
  imageSide: 4096,
  /** Cells of a taxel grid. */
  taxelCells: 65_536,
  /** Bytes of one array read whole (state, action, taxels). */
  arrayBytes: 2 ** 31,
} as const;

/** Checks a claimed dataset shape against `EPISODE_LIMITS`; `dims` names each axis for the message. */
export function checkClaimedShape(file: string, path: string, shape: readonly number[], dims: readonly ('frames' | 'vector' | 'side' | 'channels' | 'cells' | 'bytes')[], bytesPerElement = 4): void {
  const limit = { frames: EPISODE_LIMITS.frames, vector: EPISODE_LIMITS.vectorDim, side: EPISODE_LIMITS.imageSide, channels: 4, cells: EPISODE_LIMITS.taxelCells, bytes: EPISODE_LIMITS.imageSide * EPISODE_LIMITS.imageSide * 3 };
  const what = { frames: 'frames', vector: 'values per frame', side: 'pixels', channels: 'channels', cells: 'taxel cells', bytes: 'bytes per compressed frame' };
  dims.forEach((d, i) => {
    const n = shape[i]!;
    if (!(Number.isSafeInteger(n) && n >= 0 && n <= limit[d])) {
      throw new DatasetFormatError(file, path, `shape [${shape.join(', ')}] claims ${n} ${what[d]} on axis ${i}; expected at most ${limit[d]} (a corrupt or hostile file?)`);
    }
  });
  if (dims[0] === 'frames' && dims[1] !== 'side' && dims[1] !== 'bytes') {
    const bytes = shape.reduce((a, b) => a * b, 1) * bytesPerElement;
    if (bytes > EPISODE_LIMITS.arrayBytes) {
      throw new DatasetFormatError(file, path, `shape [${shape.join(', ')}] would need ${(bytes / 2 ** 30).toFixed(1)} GiB; expected at most ${EPISODE_LIMITS.arrayBytes / 2 ** 30} GiB per array`);
    }
  }
}

export function matrixShape(file: string, path: string, ds: H5Dataset): [number, number] {
  const shape = ds.shape ?? [];
  if (shape.length !== 2) throw new DatasetFormatError(file, path, `expected a 2-D array [T, dim], got shape [${shape.join(', ')}]`);
  checkClaimedShape(file, path, shape, ['frames', 'vector'], ds.metadata?.size ?? 4);
  return [shape[0]!, shape[1]!];
}

/** (name, dataset, path) of every dataset in the group at `path`, none when the group is absent. */
export function groupDatasets(file: string, h5: H5File, path: string): [string, H5Dataset, string][] {
  const entity = h5.get(path);
  if (entity === null) return [];
  const group = entity as H5Group;
  if (typeof group.keys !== 'function') throw new DatasetFormatError(file, path, 'expected a group of per-sensor datasets');
  return group.keys().map((name) => [name, asDataset(file, `${path}/${name}`, group.get(name)), `${path}/${name}`]);
}

export function readFloatMatrix(file: string, path: string, ds: H5Dataset): Float32Array {
  return readFloatArray(file, path, ds);
}

export function readFloatArray(file: string, path: string, ds: H5Dataset): Float32Array {
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

export function readSlice(file: string, path: string, ds: H5Dataset, t: number): Uint8Array {
  let value: unknown;
  try {
    value = ds.slice([[t, t + 1]]);
  } catch (err) {
    throw new DatasetFormatError(file, path, `frame ${t} cannot be read (truncated?): ${describeError(err)}`, { cause: err });
  }
  if (!(value instanceof Uint8Array)) throw new DatasetFormatError(file, path, `frame ${t} could not be read as uint8 (truncated or corrupt?)`);
  return value;
}
