import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { writeFileAtomic } from '@actfusion/atomic-file';

/** What an interrupted recording needs to continue: written atomically after every episode. */
export interface RecordProgress {
  /** The recording's settings: a rerun resumes only when they are the same. */
  readonly settings: string;
  readonly pid: number;
  readonly nextSeed: number;
  readonly kept: number;
  readonly attempted: number;
  readonly seeds: readonly number[];
  readonly rewards: readonly number[];
}

export const PROGRESS_FILE = 'record-progress.json';

function alive(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The partial folder of a recording into `out` (`<out>.partial`), and what to do with what an
 * earlier, killed run left there: its progress when the settings match and it can be resumed,
 * nothing (after removing it) otherwise. Folders `<out>.partial-<pid>` of earlier versions whose
 * process is gone are removed. A partial folder whose writer is still running is an error.
 */
export async function claimPartial(out: string, settings: string, resumable: boolean, log: (line: string) => void): Promise<{ partial: string; progress?: RecordProgress }> {
  const partial = `${out}.partial`;
  const parent = dirname(out);
  if (existsSync(parent)) {
    for (const name of readdirSync(parent)) {
      const m = new RegExp(`^${basename(out).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.partial-(\\d+)$`).exec(name);
      if (m && !alive(Number(m[1]))) {
        await rm(join(parent, name), { recursive: true, force: true });
        log(`record: removed ${join(parent, name)}, left by a recording that is no longer running`);
      }
    }
  }
  if (!existsSync(partial)) return { partial };
  let progress: RecordProgress | undefined;
  try {
    progress = JSON.parse(readFileSync(join(partial, PROGRESS_FILE), 'utf8')) as RecordProgress;
  } catch {
    progress = undefined;
  }
  if (progress && alive(progress.pid)) {
    throw new Error(`record: ${partial} is being written by process ${progress.pid}; wait for it or stop it`);
  }
  if (progress && resumable && progress.settings === settings) {
    // Keep the episodes the progress file counts; drop anything else (a file the kill cut short).
    const keep = new Set([PROGRESS_FILE, ...Array.from({ length: progress.kept }, (_, i) => `episode_${i}.hdf5`)]);
    for (const name of readdirSync(partial)) if (!keep.has(name)) await rm(join(partial, name), { recursive: true, force: true });
    log(`record: resuming the interrupted recording in ${partial}: ${progress.kept} episodes kept, continuing at seed ${progress.nextSeed}`);
    return { partial, progress };
  }
  await rm(partial, { recursive: true, force: true });
  log(
    `record: removed the interrupted recording in ${partial} (${
      !progress ? 'no progress file' : !resumable ? 'a LeRobot dataset is written as a whole and cannot be resumed' : 'it was recorded with other settings'
    }); starting again`,
  );
  return { partial };
}

export async function saveProgress(partial: string, progress: RecordProgress): Promise<void> {
  await writeFileAtomic(join(partial, PROGRESS_FILE), `${JSON.stringify(progress)}\n`);
}
