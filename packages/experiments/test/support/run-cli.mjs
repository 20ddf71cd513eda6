// Runs the `actfusion` command from TypeScript source in a child process (no build needed):
// vite's module runner transforms src/ (and sibling packages through the @actfusion/source
// condition) the same way vitest does. Usage: node test/support/run-cli.mjs <args...>
import { fileURLToPath } from 'node:url';
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
// As bin/actfusion.js: `view` loads only its own module.
const view = process.argv[2] === 'view';
try {
  if (view) {
    const { runViewCli } = await runner.import(`${root}/src/commands/view.ts`);
    await runViewCli(['node', 'actfusion', ...process.argv.slice(2)]);
  } else {
    const { runCli } = await runner.import(`${root}/src/cli.ts`);
    await runCli(['node', 'actfusion', ...process.argv.slice(2)]);
  }
} catch (err) {
  console.error(`actfusion: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
} finally {
  await runner.close();
  await server.close();
}
