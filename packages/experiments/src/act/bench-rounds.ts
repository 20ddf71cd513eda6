import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Figures one side reports for one round (the fields both sides share). */
export interface BenchSide {
  readonly train_step_ms: number | null;
  readonly infer_ms: number;
  readonly peak_rss_mb?: number;
  readonly params?: number;
  readonly train_error?: string;
}

export interface BenchRound {
  readonly round: number;
  readonly ours: BenchSide;
  readonly peer: BenchSide | null;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

/** Median over the rounds of the paired ratio ours / peer for one field (null when a side lacks it). */
function medianRatio(rounds: readonly BenchRound[], field: (s: BenchSide) => number | null | undefined): number | null {
  const ratios: number[] = [];
  for (const r of rounds) {
    if (!r.peer) continue;
    const a = field(r.ours);
    const b = field(r.peer);
    if (a == null || b == null || !(b > 0)) continue;
    ratios.push(a / b);
  }
  return ratios.length === 0 ? null : round2(median(ratios));
}

function medianOf(sides: readonly BenchSide[], field: (s: BenchSide) => number | null | undefined): number | null {
  const xs = sides.map(field).filter((x): x is number => x != null);
  return xs.length === 0 ? null : Math.round(median(xs) * 10) / 10;
}

/**
 * The summary line of an interleaved bench: medians of each side over the rounds, and the median of
 * the per-round ratios (ours / peer) for the training step, batch-1 inference and peak memory. Pairing
 * each of our runs with the peer run next to it, then taking the median, keeps a drift of the machine's
 * speed between rounds from deciding the ratio.
 */
export function summarizeRounds(rounds: readonly BenchRound[]): Record<string, unknown> {
  const ours = rounds.map((r) => r.ours);
  const peers = rounds.flatMap((r) => (r.peer ? [r.peer] : []));
  const side = (xs: readonly BenchSide[]) => ({
    train_step_ms: medianOf(xs, (s) => s.train_step_ms),
    infer_ms: medianOf(xs, (s) => s.infer_ms),
    peak_rss_mb: medianOf(xs, (s) => s.peak_rss_mb),
  });
  return {
    summary: 'median over rounds',
    rounds: rounds.length,
    ours: side(ours),
    ...(peers.length > 0 ? { peer: side(peers) } : {}),
    ...(peers.length > 0
      ? {
          ratio: 'actfusion / pytorch (median of per-round ratios)',
          params_equal: rounds.every((r) => !r.peer || r.peer.params === r.ours.params),
          train_step: medianRatio(rounds, (s) => s.train_step_ms),
          infer: medianRatio(rounds, (s) => s.infer_ms),
          peak_memory: medianRatio(rounds, (s) => s.peak_rss_mb),
        }
      : {}),
  };
}

/** Run a command and parse the last JSON line of its stdout; the error names the command and its stderr tail. */
export function runJsonLine(label: string, cmd: string, args: readonly string[]): BenchSide & Record<string, unknown> {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const line = r.stdout
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{'));
  if (!line) {
    const tail = (r.stderr ?? '').trim().split('\n').slice(-3).join(' | ');
    throw new Error(`bench: ${label} printed no result (exit ${r.status ?? r.signal}): ${tail}`);
  }
  if (r.stderr.trim()) process.stderr.write(r.stderr);
  return JSON.parse(line) as BenchSide & Record<string, unknown>;
}

/** Whether `/usr/bin/python3` has torch and the repository's copy of the peer exists; else why not. */
export function peerUnavailable(python: string, peer: string): string | null {
  const hasTorch = existsSync(python) && spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
  if (!hasTorch) return 'no python3 with torch';
  if (!existsSync(peer)) return `${peer} missing`;
  return null;
}
