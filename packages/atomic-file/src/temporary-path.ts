import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';

/**
 * A hidden temporary path next to `finalPath` (the same folder, so renaming it into place is atomic
 * on one filesystem): `.<name>.<pid>.<random>.tmp`, or with `suffix` in place of `.tmp` (e.g.
 * `.tmp.mp4` for a tool that picks its format from the extension).
 */
export function temporaryPathFor(finalPath: string, suffix = '.tmp'): string {
  return join(dirname(finalPath), `.${basename(finalPath)}.${process.pid}.${randomBytes(4).toString('hex')}${suffix}`);
}
