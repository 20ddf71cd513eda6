// What the results scripts (run-ablation-results.mjs, run-variant-results.mjs) share: the repository's
// paths, a timestamped log line, building `actfusion`, running it niced with its output kept in a log
// file, loading the built experiments package, and writing a document atomically.
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const cli = join(root, 'packages/experiments/dist/cli.js');

export const log = (line) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

/** `tsc -b` of packages/experiments (incremental); exits the process when the build fails. */
export function buildExperiments() {
  const built = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-b', join(root, 'packages/experiments/tsconfig.lib.json')], { cwd: root, stdio: 'inherit' });
  if (built.status !== 0) process.exit(1);
}

/** The built `@actfusion/experiments` (after `buildExperiments`). */
export function experiments() {
  return import(pathToFileURL(join(root, 'packages/experiments/dist/index.js')).href);
}

/** Runs `actfusion <args>` (nice 10) in `cwd`, its command line and output appended to `logFile`; rejects on a non-zero exit. */
export function actfusion(args, { cwd = root, logFile }) {
  appendFileSync(logFile, `$ actfusion ${args.join(' ')}  (${new Date().toISOString()})\n`);
  return new Promise((resolvePromise, reject) => {
    const child = spawn('nice', ['-n', '10', process.execPath, cli, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: '1' } });
    const write = (d) => appendFileSync(logFile, d);
    child.stdout.on('data', write);
    child.stderr.on('data', write);
    child.on('error', reject);
    child.on('close', (code) => {
      appendFileSync(logFile, `exit ${code}\n`);
      if (code === 0) resolvePromise();
      else reject(new Error(`actfusion ${args[0]} failed (exit ${code}); see ${logFile}`));
    });
  });
}

/** Writes a document through @actfusion/atomic-file (temp file, fsync, rename), after `buildExperiments`. */
export async function writeDocument(file, text) {
  const { writeFileAtomic } = await import(pathToFileURL(join(root, 'packages/atomic-file/dist/index.js')).href);
  await writeFileAtomic(file, text);
}
