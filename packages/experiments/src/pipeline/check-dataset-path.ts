import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Thrown before any work when `dataset.path` cannot be the config's dataset; names the field, the folder and the fix. */
export class DatasetPathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatasetPathError';
  }
}

/** What a folder holds, judged by the files each reader starts from. */
function layoutOf(dir: string): 'aloha-hdf5' | 'lerobot' | 'none' {
  if (existsSync(join(dir, 'meta', 'info.json'))) return 'lerobot';
  return readdirSync(dir).some((n) => /^episode_\d+\.hdf5$/.test(n)) ? 'aloha-hdf5' : 'none';
}

/**
 * `dataset.path` exists, is a folder, and holds the `dataset.format` it is said to (ALOHA HDF5:
 * `episode_<i>.hdf5`; LeRobot: `meta/info.json`), so a missing or mistyped dataset is one clear
 * line before any work instead of a reader's `scandir`/`info.json` error.
 */
export function checkDatasetPath(dataset: { path: string; format: 'aloha-hdf5' | 'lerobot' }): void {
  const dir = resolve(dataset.path);
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new DatasetPathError(`dataset.path: ${dir} does not exist; expected a dataset folder (record one with \`actfusion record -c <config>\`, or set --set dataset.path=...)`);
    }
    throw new DatasetPathError(`dataset.path: cannot read ${dir} (${code ?? String(err)})`);
  }
  if (!isDir) throw new DatasetPathError(`dataset.path: ${dir} is a file; expected a dataset folder (ALOHA HDF5 episode_<i>.hdf5 files or a LeRobot dataset with meta/info.json)`);
  const found = layoutOf(dir);
  if (found === dataset.format) return;
  const expected = dataset.format === 'lerobot' ? 'a LeRobot dataset (meta/info.json)' : 'ALOHA HDF5 episodes (episode_<i>.hdf5)';
  if (found === 'none') throw new DatasetPathError(`dataset.path: ${dir} holds no dataset; expected ${expected} for dataset.format ${dataset.format}`);
  const holds = found === 'lerobot' ? 'a LeRobot dataset (meta/info.json)' : 'ALOHA HDF5 episodes (episode_<i>.hdf5)';
  throw new DatasetPathError(`dataset.format is ${dataset.format} but dataset.path ${dir} holds ${holds}; expected ${expected} (set --set dataset.format=${found})`);
}
