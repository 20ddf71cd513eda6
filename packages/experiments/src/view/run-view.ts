import { existsSync } from 'node:fs';
import { readdir, readFile, readlink, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';

export interface CheckpointInfo {
  readonly name: string;
  /** Training step, when the folder name is a number (`000200`). */
  readonly step: number | null;
  readonly bytes: number;
  readonly files: readonly string[];
  readonly last: boolean;
  readonly modified: string;
}

export interface RunData {
  readonly dir: string;
  /** metrics.jsonl, one object per logged step. */
  readonly metrics: readonly Record<string, unknown>[];
  /** Keys holding training losses and validation losses (keys starting with `val`). */
  readonly trainKeys: readonly string[];
  readonly validationKeys: readonly string[];
  readonly checkpoints: readonly CheckpointInfo[];
}

/** A training run folder: metrics.jsonl (train and validation losses) and checkpoints/<step>/. */
export async function readRun(dir: string): Promise<RunData> {
  const metrics = await readMetrics(join(dir, 'metrics.jsonl'));
  const keys = new Set<string>();
  for (const m of metrics) for (const [k, v] of Object.entries(m)) if (typeof v === 'number') keys.add(k);
  const isVal = (k: string) => /^val(idation)?[._A-Z]/.test(k);
  const lossLike = (k: string) => /loss|l1|kl/i.test(k);
  return {
    dir,
    metrics,
    trainKeys: [...keys].filter((k) => k !== 'step' && lossLike(k) && !isVal(k)),
    validationKeys: [...keys].filter((k) => isVal(k) && lossLike(k)),
    checkpoints: await listCheckpoints(join(dir, 'checkpoints')),
  };
}

/** Parses metrics.jsonl; a torn last line (a run still writing) is skipped, any other bad line is an error. */
export async function readMetrics(file: string): Promise<Record<string, unknown>[]> {
  if (!existsSync(file)) return [];
  const lines = (await readFile(file, 'utf8')).split('\n');
  const out: Record<string, unknown>[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      const v: unknown = JSON.parse(line);
      if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('expected a JSON object');
      out.push(v as Record<string, unknown>);
    } catch (err) {
      if (i === lines.length - 1) return;
      throw new Error(`${file}: line ${i + 1}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  });
  return out;
}

async function listCheckpoints(dir: string): Promise<CheckpointInfo[]> {
  if (!existsSync(dir)) return [];
  const last = await readlink(join(dir, 'last')).then((l) => basename(l), () => null);
  const out: CheckpointInfo[] = [];
  for (const ent of await readdir(dir, { withFileTypes: true })) {
    if (!ent.isDirectory()) continue;
    const files = (await readdir(join(dir, ent.name), { recursive: true, withFileTypes: true })).filter((f) => f.isFile());
    let bytes = 0;
    let modified = 0;
    for (const f of files) {
      const s = await stat(join(f.parentPath, f.name));
      bytes += s.size;
      modified = Math.max(modified, s.mtimeMs);
    }
    out.push({
      name: ent.name,
      step: /^\d+$/.test(ent.name) ? Number(ent.name) : null,
      bytes,
      files: files.map((f) => join(f.parentPath, f.name).slice(join(dir, ent.name).length + 1)).sort(),
      last: ent.name === last,
      modified: new Date(modified).toISOString(),
    });
  }
  return out.sort((a, b) => (a.step ?? Infinity) - (b.step ?? Infinity) || a.name.localeCompare(b.name));
}
