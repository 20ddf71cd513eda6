import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { atomicWriteError } from './atomic-write-error.js';
import { syncDirectory } from './sync-directory.js';
import { temporaryPathFor } from './temporary-path.js';

/** What to write: the bytes or text, or a function that writes them through the open temporary file. */
export type AtomicContent = string | Uint8Array | ((file: FileHandle) => Promise<void>);

/**
 * Writes `path` atomically: the content goes to a temporary file in the same folder (created with
 * its parents), which is fsynced and renamed over `path`, then the folder is fsynced. Readers see
 * the old file or the new one, never a part. On any failure the temporary file is removed and the
 * error is rethrown with `path` in its message (the original error is its `cause`).
 */
export async function writeFileAtomic(path: string, content: AtomicContent): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = temporaryPathFor(path);
  let file: FileHandle | undefined;
  try {
    file = await open(tmp, 'wx');
    if (typeof content === 'function') await content(file);
    else await file.writeFile(content);
    await file.sync();
    await file.close();
    file = undefined;
    await rename(tmp, path);
  } catch (err) {
    await file?.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw atomicWriteError(path, err);
  }
  await syncDirectory(dirname(path));
}

/** `writeFileAtomic` for synchronous callers (same steps, same cleanup on failure). */
export function writeFileAtomicSync(path: string, content: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = temporaryPathFor(path);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx');
    const bytes = typeof content === 'string' ? Buffer.from(content) : content;
    for (let at = 0; at < bytes.byteLength; ) at += writeSync(fd, bytes, at);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    throw atomicWriteError(path, err);
  }
}
