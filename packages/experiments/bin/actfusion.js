#!/usr/bin/env node
// The `actfusion` command. This file is committed (not built) so that `npm ci` can link it before
// the TypeScript build exists; it loads the built CLI and says how to build it when it is missing.
// `actfusion view` loads only its own module (not the training stack), so the viewer starts fast.
import { existsSync } from 'node:fs';

const view = process.argv[2] === 'view';
const cli = new URL(view ? '../dist/commands/view.js' : '../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  console.error(`actfusion: ${cli.pathname} is not built yet; run \`npm run build\` at the repository root first`);
  process.exit(1);
}
const mod = await import(cli.href);
await (view ? mod.runViewCli(process.argv) : mod.runCli(process.argv));
