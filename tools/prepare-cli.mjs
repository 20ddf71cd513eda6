#!/usr/bin/env node
// Root `prepare` script: `npm ci` / `npm install` build the packages once (tsc -b, incremental, a
// few seconds) so that `npx actfusion` works straight after install. A build error is reported but
// does not fail the install: `npm run build` shows it again, and the bin says what is missing.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = join(root, 'node_modules/typescript/bin/tsc');
if (!existsSync(tsc)) {
  console.error('prepare: typescript is not installed; skipping the build');
  process.exit(0);
}
const started = Date.now();
let r = spawnSync(process.execPath, [tsc, '-b', 'packages/experiments/tsconfig.lib.json'], { cwd: root, stdio: 'inherit' });
// The page `actfusion view` serves (uPlot and the app, bundled by vite into packages/experiments/dist/web).
const vite = join(root, 'node_modules/vite/bin/vite.js');
if (r.status === 0 && existsSync(vite)) {
  r = spawnSync(process.execPath, [vite, 'build', '--config', 'packages/experiments/web/vite.config.ts'], { cwd: root, stdio: 'inherit' });
}
if (r.status === 0) console.error(`prepare: built the packages for \`npx actfusion\` in ${((Date.now() - started) / 1000).toFixed(1)} s`);
else console.error('prepare: the build failed (see above); `npx actfusion` needs `npm run build` after the fix');
