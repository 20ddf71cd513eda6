// Runs a TypeScript worker entry from source (tests, `node test/support/run-cli.mjs`): the built
// package starts its workers from dist/*.js and never loads this file. vite's module runner
// transforms the entry and the sibling packages (through the @actfusion/source condition) the way
// vitest does. workerData.__entry is the .ts file to run.
import { fileURLToPath } from 'node:url';
import { workerData } from 'node:worker_threads';
import { createServer, createServerModuleRunner } from 'vite';

const root = fileURLToPath(new URL('../..', import.meta.url));
const server = await createServer({
  configFile: false,
  root,
  logLevel: 'error',
  resolve: { conditions: ['@actfusion/source'] },
  ssr: { resolve: { conditions: ['@actfusion/source'] } },
  server: { middlewareMode: true, hmr: false, ws: false, watch: null },
  optimizeDeps: { noDiscovery: true, include: [] },
});
const runner = createServerModuleRunner(server.environments.ssr, { hmr: false });
await import('reflect-metadata');
await runner.import(workerData.__entry);
