import type { MonotonicClock } from '@actfusion/robot-io';

/**
 * Simulated time for a `ControlLoop`: `now()` moves only when the loop sleeps to its next slot, so
 * every tick starts on time however long its work takes. Evaluation in simulation runs the
 * deployment path (ControlLoop, SafeRobot, ChunkExecutor, predictor) on this clock, with chunks
 * taken as arriving exactly `inferenceDelay` ticks after their request; results then do not depend
 * on how busy the machine is. Each sleep yields to the event loop once.
 */
export class SimulatedClock implements MonotonicClock {
  private t = 0;

  now(): number {
    return this.t;
  }

  async sleepUntil(ms: number): Promise<void> {
    if (ms > this.t) this.t = ms;
    await new Promise((resolve) => setImmediate(resolve));
  }
}
