import { open } from 'node:fs/promises';

/** fsync a folder, so the renames and creations in it survive a power cut (a no-op where folders cannot be opened). */
export async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
  } catch {
    return;
  }
  try {
    await handle.sync();
  } catch {
    // Some filesystems refuse fsync on a folder; the rename is still atomic.
  } finally {
    await handle.close();
  }
}
