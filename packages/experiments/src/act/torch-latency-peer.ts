import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';

/**
 * The PyTorch peer's batch-1 inference as a long-lived process (`tools/bench/act_torch_latency.py`),
 * so a benchmark can alternate it with other runtimes without paying Python's start-up each time.
 */
export class TorchLatencyPeer {
  private threads = 0;
  private readonly waiting: ((line: string) => void)[] = [];
  private exited: string | null = null;

  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly lines: Interface,
    readonly impl: string,
    readonly params: number,
  ) {}

  /** Start `python script preset`; resolves when the model is built. */
  static async start(python: string, script: string, presetPath: string): Promise<TorchLatencyPeer> {
    const child = spawn(python, [script, presetPath], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    const lines = createInterface({ input: child.stdout });
    const first = await new Promise<string>((resolve, reject) => {
      lines.once('line', resolve);
      child.once('exit', (code) => reject(new Error(`the PyTorch latency peer exited (${code}): ${stderr.trim().split('\n').pop() ?? ''}`)));
    });
    const ready = JSON.parse(first) as { ready?: boolean; impl: string; params: number };
    if (!ready.ready) throw new Error(`the PyTorch latency peer said ${first}`);
    const peer = new TorchLatencyPeer(child, lines, ready.impl, ready.params);
    lines.on('line', (line) => peer.waiting.shift()?.(line));
    child.on('exit', (code) => {
      peer.exited = `the PyTorch latency peer exited (${code}): ${stderr.trim().split('\n').pop() ?? ''}`;
      for (const w of peer.waiting.splice(0)) w(JSON.stringify({ error: peer.exited }));
    });
    return peer;
  }

  /** `n` timed batch-1 predictions at `threads` threads (after one untimed): wall and process CPU ms. */
  async run(threads: number, n: number): Promise<{ wall: number[]; cpu: number[] }> {
    if (threads !== this.threads) {
      await this.ask(`threads ${threads}`);
      this.threads = threads;
    }
    const r = (await this.ask(`run ${n}`)) as { ms?: number[]; cpu_ms?: number[] };
    if (!r.ms || !r.cpu_ms) throw new Error(`the PyTorch latency peer answered ${JSON.stringify(r)}`);
    return { wall: r.ms, cpu: r.cpu_ms };
  }

  close(): void {
    this.lines.close();
    this.child.stdin.end();
    this.child.kill();
  }

  private ask(command: string): Promise<unknown> {
    if (this.exited) return Promise.reject(new Error(this.exited));
    return new Promise((resolve, reject) => {
      this.waiting.push((line) => {
        const v = JSON.parse(line) as { error?: string };
        if (v.error) reject(new Error(v.error));
        else resolve(v);
      });
      this.child.stdin.write(`${command}\n`);
    });
  }
}
