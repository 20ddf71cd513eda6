import { existsSync, statSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { parse } from 'yaml';

export type DatasetFormatName = 'aloha-hdf5' | 'lerobot';

/** What `actfusion view <path>` was pointed at, and the parts of it the viewer can show. */
export interface ViewTarget {
  readonly path: string;
  readonly dataset?: { readonly root: string; readonly format: DatasetFormatName };
  /** A training run: metrics.jsonl and checkpoints/. */
  readonly run?: { readonly dir: string };
  /** An evaluation: eval.json and rollouts/. */
  readonly eval?: { readonly dir: string };
}

/** The dataset format of a folder, or undefined when it is not a dataset. */
export async function datasetFormatOf(dir: string): Promise<DatasetFormatName | undefined> {
  if (existsSync(join(dir, 'meta', 'info.json'))) return 'lerobot';
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.some((n) => /^episode_\d+\.hdf5$/.test(n)) ? 'aloha-hdf5' : undefined;
}

/**
 * Classifies a folder: a dataset (ALOHA `episode_<i>.hdf5` or LeRobot `meta/info.json`), a training
 * run (`metrics.jsonl` or `checkpoints/`; its `eval/` and the dataset named in
 * `config.resolved.yaml` come along when present) or an evaluation (`eval.json` or `rollouts/`).
 */
export async function resolveViewTarget(input: string): Promise<ViewTarget> {
  const path = resolve(input);
  if (!existsSync(path)) throw new Error(`view: ${path} does not exist`);
  if (!statSync(path).isDirectory()) throw new Error(`view: ${path} is a file; expected a dataset folder, a run folder or an eval folder`);
  const format = await datasetFormatOf(path);
  if (format) return { path, dataset: { root: path, format } };
  const isEval = existsSync(join(path, 'eval.json')) || existsSync(join(path, 'rollouts'));
  const isRun = existsSync(join(path, 'metrics.jsonl')) || existsSync(join(path, 'checkpoints'));
  if (!isEval && !isRun) {
    throw new Error(`view: ${path} is neither a dataset (episode_<i>.hdf5 or meta/info.json), a training run (metrics.jsonl, checkpoints/) nor an evaluation (eval.json, rollouts/)`);
  }
  if (!isRun) return { path, eval: { dir: path } };
  const evalDir = join(path, 'eval');
  const dataset = await runDataset(path);
  return {
    path,
    run: { dir: path },
    ...(existsSync(join(evalDir, 'eval.json')) || existsSync(join(evalDir, 'rollouts')) ? { eval: { dir: evalDir } } : {}),
    ...(dataset ? { dataset } : {}),
  };
}

/** The dataset a run was trained on, from its config.resolved.yaml, when it still exists. */
async function runDataset(runDir: string): Promise<ViewTarget['dataset']> {
  const file = join(runDir, 'config.resolved.yaml');
  if (!existsSync(file)) return undefined;
  let doc: unknown;
  try {
    doc = parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new Error(`view: ${file}: not valid YAML: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const ds = (doc as { dataset?: { path?: unknown } } | null)?.dataset;
  if (typeof ds?.path !== 'string') return undefined;
  const candidates = isAbsolute(ds.path) ? [ds.path] : [resolve(ds.path), resolve(runDir, ds.path)];
  for (const root of candidates) {
    const format = existsSync(root) ? await datasetFormatOf(root) : undefined;
    if (format) return { root, format };
  }
  return undefined;
}
