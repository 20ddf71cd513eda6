import type { Command } from 'commander';
import { ViewServer } from '../view/view-server.js';
import { resolveViewTarget } from '../view/view-target.js';

export function registerViewCommand(program: Command): void {
  program
    .command('view')
    .description('Serve a local page (127.0.0.1 only) that shows a dataset (frames, joint plots, tactile heat maps), a training run (loss curves, checkpoints) or an evaluation (success table, rollouts)')
    .argument('<path>', 'a dataset folder (ALOHA HDF5 or LeRobot), a run folder (outputDir of train) or an eval folder')
    .option('-p, --port <port>', 'port to listen on (default: a free one)', (v) => {
      if (!/^\d+$/.test(v) || Number(v) > 65535) throw new Error(`--port: expected 0..65535, got ${JSON.stringify(v)}`);
      return Number(v);
    })
    .action(async (path: string, opts: { port?: number }) => {
      const target = await resolveViewTarget(path);
      const server = await ViewServer.start(target, opts.port !== undefined ? { port: opts.port } : {});
      const parts = [target.dataset && `dataset ${target.dataset.root}`, target.run && `run ${target.run.dir}`, target.eval && `eval ${target.eval.dir}`].filter(Boolean);
      console.log(`actfusion view: ${server.url} (${parts.join(', ')}); Ctrl-C to stop`);
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void server.close().then(resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}

/**
 * `actfusion view ...` without loading the other commands (and with them tfjs, MuJoCo, vega):
 * bin/actfusion.js calls this for `view`, so the page comes up without that import cost.
 */
export async function runViewCli(argv: readonly string[]): Promise<void> {
  const { Command } = await import('commander');
  const program = new Command('actfusion').showHelpAfterError();
  registerViewCommand(program);
  try {
    await program.parseAsync([...argv]);
  } catch (err: unknown) {
    console.error(`actfusion: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  }
}
