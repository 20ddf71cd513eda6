import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAblation } from '../src/ablate/run-ablation.js';
import { baseTrialRunners } from '../src/ablate/trial-runners.js';
import { testRegistry } from './support/test-registry.js';

const pkgRoot = fileURLToPath(new URL('..', import.meta.url));
const runCli = fileURLToPath(new URL('./support/run-cli.mjs', import.meta.url));

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

interface Proc {
  child: ChildProcess;
  output: string[];
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
}

function start(cmd: string, args: string[]): Proc {
  const child = spawn(cmd, args, { cwd: pkgRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const waiters: Array<() => void> = [];
  const onData = (d: Buffer): void => {
    output.push(d.toString());
    for (const w of waiters) w();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  return {
    child,
    output,
    waitFor(re, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          const m = output.join('').match(re);
          if (m) resolve(m);
          return m !== null;
        };
        if (check()) return;
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${re} in:\n${output.join('')}`)), timeoutMs);
        waiters.push(() => {
          if (check()) clearTimeout(timer);
        });
      });
    },
  };
}

describe('ablate over Redis with BullMQ workers', () => {
  let redis: Proc;
  let url: string;
  const workers: Proc[] = [];

  beforeAll(async () => {
    const port = await freePort();
    redis = start('redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no']);
    await redis.waitFor(/Ready to accept connections/);
    url = `redis://127.0.0.1:${port}`;
  });

  /** The synthetic chunk-size ablation (seeds given), run locally and then through the queue by whatever workers listen. */
  async function localAndQueued(queueName: string, seeds: number[]) {
    const common = { config: 'ablations/chunk-size', set: ['eval.episodes=8', 'eval.seeds=[1, 2]'], seeds, registry: testRegistry(), runners: baseTrialRunners() };
    const local = await runAblation({ ...common, runner: { name: 'synthetic' }, out: await mkdtemp(join(tmpdir(), 'af-local-')) });
    const producerLog: string[] = [];
    const queue = async () =>
      runAblation({
        ...common,
        runner: { name: 'synthetic', options: { delayMs: 60 } },
        queue: url,
        queueName,
        out: await mkdtemp(join(tmpdir(), 'af-queue-')),
        log: (l) => producerLog.push(l),
      });
    return { local, queue, producerLog };
  }

  afterAll(async () => {
    for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGTERM');
    await Promise.all(workers.map((w) => new Promise((r) => (w.child.exitCode !== null || w.child.signalCode !== null ? r(null) : w.child.once('exit', r)))));
    redis?.child.kill('SIGTERM');
  });

  it('gives the same table as a local run, and a trial whose worker is SIGKILLed is retried by the other', async () => {
    const queueName = `test-${process.pid}`;
    const { local, queue, producerLog } = await localAndQueued(queueName, [0, 1]);
    for (const name of ['a', 'b']) {
      const w = start(process.execPath, [runCli, 'worker', '--queue', url, '--queue-name', queueName, '--lock-duration', '2000', '--stalled-interval', '1000']);
      workers.push(w);
      await w.waitFor(/ready on/);
      void name;
    }
    const [a, b] = workers as [Proc, Proc];
    const queued = queue();
    // kill worker a in the middle of its first trial (16 episodes x 60 ms each)
    const started = await a.waitFor(/start (\S+) \(job/);
    const killedTrial = started[1] as string;
    a.child.kill('SIGKILL');
    const remote = await queued;

    expect(remote.markdown).toBe(local.markdown);
    expect(remote.cells).toEqual(local.cells);
    expect(b.output.join('')).toMatch(/detected stalled job/);
    const retried = producerLog.find((l) => l.includes(`${killedTrial} done`));
    expect(retried).toMatch(/stalled 1\)/);
    expect(b.output.join('')).toContain(`done ${killedTrial}`);
  });

  it('Ctrl-C on a worker hands its running trial back to the queue and exits cleanly; another worker finishes it, nothing lost', async () => {
    const queueName = `test-int-${process.pid}`;
    const { local, queue, producerLog } = await localAndQueued(queueName, [0]);
    const worker = () => {
      const w = start(process.execPath, [runCli, 'worker', '--queue', url, '--queue-name', queueName]);
      workers.push(w);
      return w;
    };
    const a = worker();
    await a.waitFor(/ready on/);
    const queued = queue();
    const started = await a.waitFor(/start (\S+) \(job/);
    const interrupted = started[1] as string;
    const exited = new Promise<number | null>((r) => a.child.once('exit', (code) => r(code)));
    a.child.kill('SIGINT');
    const code = await exited;
    const aOut = a.output.join('');
    expect(aOut).toMatch(/SIGINT: stopping: running trials checkpoint and go back to the queue/);
    expect(aOut).toContain(`trial ${interrupted} interrupted; ${interrupted} goes back to the queue`);
    expect(aOut).toMatch(/stopped\n/);
    expect(aOut).not.toMatch(/failed|Error|error/);
    expect(code).toBe(0);
    // Only the interrupted trial was started on a; it waits in the queue for the next worker.
    expect(aOut.match(/start \S+ \(job/g)).toHaveLength(1);
    const b = worker();
    const remote = await queued;
    expect(remote.markdown).toBe(local.markdown);
    expect(remote.cells).toEqual(local.cells);
    expect(b.output.join('')).toContain(`done ${interrupted}`);
    expect(producerLog.find((l) => l.includes(`${interrupted} done`))).toMatch(/attempts 2, stalled 0\)/);
    // An idle worker (blocked on Redis waiting for a job) stops as cleanly.
    const idleExit = new Promise<number | null>((r) => b.child.once('exit', (c) => r(c)));
    b.child.kill('SIGINT');
    expect(await idleExit).toBe(0);
    expect(b.output.join('')).toMatch(/SIGINT: stopping[^]*stopped\n/);
  });
});
