import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { atomicWriteError } from './atomic-write-error.js';
import { syncDirectory } from './sync-directory.js';

/**
 * Moves a finished temporary file (or folder), made with `temporaryPathFor(finalPath)` by a writer
 * of its own (an HDF5 library, ffmpeg), into place: parents created, renamed over `finalPath`,
 * folder fsynced. If the rename fails the temporary is removed and the error names `finalPath`.
 */
export async function commitTemporary(tmp: string, finalPath: string): Promise<void> {
  try {
    await mkdir(dirname(finalPath), { recursive: true });
    await rename(tmp, finalPath);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw atomicWriteError(finalPath, err);
  }
  await syncDirectory(dirname(finalPath));
}
