#!/usr/bin/env node
// `npm run demo`: builds the packages (tsc -b, incremental) and runs `actfusion demo`, which records
// scripted demonstrations in the simulator, trains the `demo` preset on the wasm backend,
// evaluates it and prints the success table. Extra arguments go to `actfusion demo`
// (e.g. `npm run demo -- --set train.steps=500`).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'packages/experiments/dist/cli.js');
const tsc = join(root, 'node_modules/typescript/bin/tsc');

const started = Date.now();
console.error('demo: building (tsc -b packages/experiments/tsconfig.lib.json)');
const build = spawnSync(process.execPath, [tsc, '-b', 'packages/experiments/tsconfig.lib.json'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) {
  if (!existsSync(cli)) {
    console.error('demo: the build failed and there is no previous build to run');
    process.exit(1);
  }
  console.error('demo: the build reported errors; running the last emitted build');
}
const run = spawnSync(process.execPath, [cli, 'demo', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
console.error(`demo: finished in ${((Date.now() - started) / 60000).toFixed(1)} min (including the build)`);
process.exit(run.status ?? 1);
