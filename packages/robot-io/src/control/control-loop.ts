/** A monotonic clock in milliseconds, and a way to wait for a point on it. */
export interface MonotonicClock {
  now(): number;
  sleepUntil(ms: number): Promise<void>;
}

/** `performance.now()` (monotonic, sub-millisecond) with `setTimeout` waits. */
export const systemClock: MonotonicClock = {
  now: () => performance.now(),
  sleepUntil(ms) {
    const wait = ms - performance.now();
    return wait <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, wait));
  },
};

export interface TickInfo {
  /** Ticks run so far (0-based). */
  readonly index: number;
  /** Schedule slot: `start + slot * period`. Slots skipped after an overrun are not run. */
  readonly slot: number;
  readonly scheduledMs: number;
  /** How late this tick started, in milliseconds. */
  readonly latenessMs: number;
}

export interface ControlLoopOptions {
  /** Control rate in hertz (default 50, ALOHA's DT = 0.02 s). */
  readonly hz?: number;
  /** A tick that starts more than this after its slot counts as late (default 10% of the period). */
  readonly lateToleranceMs?: number;
  readonly clock?: MonotonicClock;
  /** Called for every late tick, before it runs (e.g. to log). */
  readonly onLateTick?: (info: TickInfo) => void;
}

export interface RunOptions {
  /** Stop after this many ticks (default: until `stop()` or the signal). */
  readonly ticks?: number;
  readonly signal?: AbortSignal;
  /** Called once with the error when a tick throws; the loop then stops (e.g. emergency stop). */
  readonly onFault?: (error: Error) => Promise<void> | void;
}

export interface ControlLoopReport {
  readonly hz: number;
  readonly ticks: number;
  /** Ticks that started later than the tolerance after their slot. */
  readonly lateTicks: number;
  /** Slots never run because a tick overran by more than a whole period. */
  readonly missedTicks: number;
  /** Ticks whose own work took longer than one period. */
  readonly overruns: number;
  readonly maxLatenessMs: number;
  readonly meanLatenessMs: number;
  readonly p99LatenessMs: number;
  readonly maxTickMs: number;
  readonly elapsedMs: number;
  /** Ticks per second actually achieved. */
  readonly achievedHz: number;
  readonly stoppedBy: 'completed' | 'stopped' | 'fault';
  readonly fault?: Error;
  /** Set when `onFault` itself failed (e.g. torque-off could not be sent). */
  readonly faultHandlerError?: Error;
}

/**
 * Runs a tick function at a fixed rate, scheduled from a monotonic clock so timing errors do
 * not accumulate (tick k is due at `t0 + k / hz`, whatever earlier ticks did). Late ticks are
 * counted and reported, never hidden: a tick that overruns makes the next one late; slots that
 * pass entirely during an overrun are skipped and counted as missed. A throwing tick stops the
 * loop after `onFault` runs.
 */
export class ControlLoop {
  readonly hz: number;
  readonly periodMs: number;
  private readonly tolerance: number;
  private readonly clock: MonotonicClock;
  private stopRequested = false;

  constructor(private readonly options: ControlLoopOptions = {}) {
    this.hz = options.hz ?? 50;
    if (!(this.hz > 0) || !Number.isFinite(this.hz)) throw new RangeError(`control rate must be a positive number of hertz, got ${this.hz}`);
    this.periodMs = 1000 / this.hz;
    this.tolerance = options.lateToleranceMs ?? this.periodMs * 0.1;
    this.clock = options.clock ?? systemClock;
  }

  /** Ask a running loop to stop after the current tick. */
  stop(): void {
    this.stopRequested = true;
  }

  async run(tick: (info: TickInfo) => Promise<void> | void, run: RunOptions = {}): Promise<ControlLoopReport> {
    this.stopRequested = false;
    const { clock, periodMs } = this;
    const lateness: number[] = [];
    let lateTicks = 0;
    let missedTicks = 0;
    let overruns = 0;
    let maxTickMs = 0;
    let slot = 0;
    let index = 0;
    let stoppedBy: ControlLoopReport['stoppedBy'] = 'completed';
    let fault: Error | undefined;
    let faultHandlerError: Error | undefined;
    const t0 = clock.now();
    while (run.ticks === undefined || index < run.ticks) {
      if (this.stopRequested || run.signal?.aborted) {
        stoppedBy = 'stopped';
        break;
      }
      const scheduledMs = t0 + slot * periodMs;
      await clock.sleepUntil(scheduledMs);
      const start = clock.now();
      const info: TickInfo = { index, slot, scheduledMs, latenessMs: Math.max(0, start - scheduledMs) };
      lateness.push(info.latenessMs);
      if (info.latenessMs > this.tolerance) {
        lateTicks++;
        this.options.onLateTick?.(info);
      }
      try {
        await tick(info);
      } catch (err) {
        fault = err instanceof Error ? err : new Error(String(err));
        stoppedBy = 'fault';
        try {
          await run.onFault?.(fault);
        } catch (handlerErr) {
          faultHandlerError = handlerErr instanceof Error ? handlerErr : new Error(String(handlerErr));
        }
        index++;
        break;
      }
      const end = clock.now();
      const duration = end - start;
      maxTickMs = Math.max(maxTickMs, duration);
      if (duration > periodMs) overruns++;
      index++;
      const next = Math.max(slot + 1, Math.floor((end - t0) / periodMs));
      missedTicks += next - (slot + 1);
      slot = next;
    }
    const elapsedMs = clock.now() - t0;
    const sorted = [...lateness].sort((a, b) => a - b);
    return {
      hz: this.hz,
      ticks: index,
      lateTicks,
      missedTicks,
      overruns,
      maxLatenessMs: sorted.at(-1) ?? 0,
      meanLatenessMs: sorted.length ? sorted.reduce((a, b) => a + b, 0) / sorted.length : 0,
      p99LatenessMs: sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))]! : 0,
      maxTickMs,
      elapsedMs,
      achievedHz: elapsedMs > 0 ? (index * 1000) / elapsedMs : 0,
      stoppedBy,
      ...(fault ? { fault } : {}),
      ...(faultHandlerError ? { faultHandlerError } : {}),
    };
  }
}
