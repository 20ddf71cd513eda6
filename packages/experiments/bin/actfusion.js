#!/usr/bin/env node
// The `actfusion` command. This file is committed (not built) so that `npm ci` can link it before
// the TypeScript build exists; it loads the built CLI and says how to build it when it is missing.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  console.error(`actfusion: ${cli.pathname} is not built yet; run \`npm run build\` at the repository root first`);
  process.exit(1);
}
const { runCli } = await import(cli.href);
await runCli(process.argv);
