import { constants } from 'node:fs';
import { access, readdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/** Files whose presence means a folder already holds a training run. */
const RUN_MARKERS = ['checkpoints', 'metrics.jsonl'];

/** Thrown before any work when an output folder cannot be used; the message names the field and the folder. */
export class OutputDirError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutputDirError';
  }
}

/** The folder itself when it exists, else its nearest existing ancestor. */
async function nearestExisting(path: string): Promise<{ path: string; isDirectory: boolean }> {
  let p = resolve(path);
  for (;;) {
    try {
      const s = await stat(p);
      return { path: p, isDirectory: s.isDirectory() };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw new OutputDirError(`cannot inspect ${p} (${code ?? String(err)})`);
      const parent = dirname(p);
      if (parent === p) return { path: p, isDirectory: false };
      p = parent;
    }
  }
}

/**
 * Checks, before any work, that a run can write into `dir` (named `field` in messages, e.g.
 * `outputDir`): every existing part of the path is a folder, the nearest existing one is writable,
 * and, as LeRobot does, a folder that already holds a training run is refused unless the run is
 * being resumed (two runs mixed in one folder cannot be told apart afterwards).
 */
export async function checkOutputDir(dir: string, options: { field: string; resume?: boolean; mustHoldRun?: boolean }): Promise<void> {
  const { field } = options;
  const abs = resolve(dir);
  if (/^\/(proc|sys|dev)(\/|$)/.test(abs)) {
    throw new OutputDirError(`${field}: ${abs} is inside a kernel pseudo-filesystem; expected an ordinary folder`);
  }
  const existing = await nearestExisting(abs);
  if (!existing.isDirectory) {
    throw new OutputDirError(`${field}: ${existing.path} is a file, not a folder; expected a folder to write ${abs} into`);
  }
  try {
    await access(existing.path, constants.W_OK | constants.X_OK);
  } catch {
    throw new OutputDirError(`${field}: ${existing.path} is not writable; expected a folder this user can write ${existing.path === abs ? 'into' : `${abs} under`}`);
  }
  if (existing.path !== abs) {
    if (options.mustHoldRun) throw new OutputDirError(`${field}: ${abs} does not exist; --resume needs the folder of an earlier run`);
    return;
  }
  const entries = await readdir(abs);
  const holdsRun = RUN_MARKERS.some((m) => entries.includes(m));
  if (holdsRun && !options.resume) {
    throw new OutputDirError(
      `${field}: ${abs} already holds a training run (${RUN_MARKERS.filter((m) => entries.includes(m)).join(', ')}); ` +
        'pass --resume to continue it, or choose another outputDir (--set outputDir=...)',
    );
  }
  if (!holdsRun && options.mustHoldRun) {
    throw new OutputDirError(`${field}: ${abs} holds no training run to resume (no checkpoints/ or metrics.jsonl)`);
  }
}
