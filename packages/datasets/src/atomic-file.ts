import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** A temporary path next to `finalPath` (same folder, so `rename` is atomic on one filesystem). */
export function temporaryPathFor(finalPath: string): string {
  return join(dirname(finalPath), `.${basename(finalPath)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** Write `data` to `finalPath` atomically: temp file in the same folder, then rename. */
export async function writeFileAtomic(finalPath: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(finalPath), { recursive: true });
  const tmp = temporaryPathFor(finalPath);
  try {
    await writeFile(tmp, data);
    await rename(tmp, finalPath);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** Move a finished temporary file into place. */
export async function commitTemporary(tmp: string, finalPath: string): Promise<void> {
  await mkdir(dirname(finalPath), { recursive: true });
  await rename(tmp, finalPath);
}
