import { lstat, mkdir, rename, rm, symlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { atomicWriteError } from './atomic-write-error.js';
import { syncDirectory } from './sync-directory.js';
import { temporaryPathFor } from './temporary-path.js';

/**
 * Builds the folder `finalDir` atomically: `build(tmp)` fills a hidden temporary folder next to it,
 * which is fsynced and renamed into place. An existing `finalDir` is first moved aside and removed
 * after the new one is in place. On any failure the temporary folder is removed and the error names
 * `finalDir`. (Files `build` writes should be written with `writeFileAtomic` or fsynced.)
 */
export async function writeDirectoryAtomic(finalDir: string, build: (tmp: string) => Promise<void>): Promise<void> {
  const parent = dirname(finalDir);
  await mkdir(parent, { recursive: true });
  const tmp = temporaryPathFor(finalDir);
  const old = temporaryPathFor(finalDir, '.old');
  try {
    await mkdir(tmp);
    await build(tmp);
    await syncDirectory(tmp);
    if (await exists(finalDir)) {
      await rename(finalDir, old);
      await rename(tmp, finalDir);
      await rm(old, { recursive: true, force: true });
    } else {
      await rename(tmp, finalDir);
    }
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw atomicWriteError(finalDir, err);
  }
  await syncDirectory(parent);
}

/** Points the symlink `path` at `target` atomically (a fresh link renamed over the old one). */
export async function symlinkAtomic(target: string, path: string): Promise<void> {
  const tmp = temporaryPathFor(path);
  try {
    await symlink(target, tmp);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw atomicWriteError(path, err);
  }
  await syncDirectory(dirname(path));
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}
