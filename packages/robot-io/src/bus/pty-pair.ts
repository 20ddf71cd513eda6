import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Two linked pseudo-terminals made by socat: bytes written to one come out of the other. */
export interface PtyPair {
  /** The driver's end (open it with `ServoBus.open`). */
  readonly a: string;
  /** The far end (open it with `ServoEmulator.open`). */
  readonly b: string;
  readonly pid: number;
  /** Kill socat (it also exits by itself once either end is closed) and remove the links. */
  close(): Promise<void>;
}

/**
 * Start `socat pty,raw,echo=0,link=A pty,raw,echo=0,link=B` and wait for both links.
 * Requires the Debian `socat` package. socat exits when either end closes, so keep both
 * ends open for as long as the pair is needed and make a new pair afterwards.
 */
export async function openPtyPair(timeoutMs = 5000): Promise<PtyPair> {
  const dir = await mkdtemp(join(tmpdir(), 'actfusion-pty-'));
  const a = join(dir, 'ttyA');
  const b = join(dir, 'ttyB');
  const child: ChildProcess = spawn('socat', [`pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (existsSync(a) && existsSync(b)) break;
    const failed = await Promise.race([spawnError, new Promise<undefined>((r) => setTimeout(() => r(undefined), 10))]);
    if (failed) {
      await rm(dir, { recursive: true, force: true });
      throw new Error(`cannot start socat (apt-get install socat): ${failed.message}`);
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
      throw new Error(`socat did not create ${a} and ${b} within ${timeoutMs} ms: ${stderr.trim()}`);
    }
  }
  return {
    a,
    b,
    pid: child.pid!,
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
