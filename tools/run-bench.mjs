#!/usr/bin/env node
// `npm run bench -- --preset act-small [--steps 5] [--backend wasm] [--no-peer]`
// Builds what the benchmark needs (tsc -b of @actfusion/experiments and the packages it references),
// then runs `actfusion bench` from the built output. It prints the project's JSON line and, when
// /usr/bin/python3 has torch, the PyTorch peer's line (tools/bench/act_torch.py) and the ratio.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', 'packages/experiments/tsconfig.lib.json'], {
  cwd: root,
  encoding: 'utf8',
});
if (tsc.status !== 0) {
  // tsc still emits JavaScript on type errors; say so and go on with what was built.
  process.stderr.write(`run-bench: tsc -b reported type errors (continuing with the emitted build):\n${tsc.stdout}${tsc.stderr}`);
}
const r = spawnSync(process.execPath, [join(root, 'packages', 'experiments', 'dist', 'cli.js'), 'bench', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(r.status ?? 1);
