import { describe, expect, it } from 'vitest';
import { ControlLoop, type MonotonicClock, type TickInfo } from '../src/control/control-loop.js';

/** Virtual time: sleeping jumps the clock forward; ticks "take" time by advancing it. */
class FakeClock implements MonotonicClock {
  t = 1000;
  now(): number {
    return this.t;
  }
  async sleepUntil(ms: number): Promise<void> {
    this.t = Math.max(this.t, ms);
  }
}

describe('ControlLoop', () => {
  it('schedules ticks from the start time without drift', async () => {
    const clock = new FakeClock();
    const loop = new ControlLoop({ hz: 50, clock });
    const seen: TickInfo[] = [];
    const report = await loop.run(
      (info) => {
        seen.push(info);
        clock.t += 7.3; // work shorter than the period
      },
      { ticks: 100 },
    );
    expect(seen.map((s) => s.scheduledMs)).toEqual(Array.from({ length: 100 }, (_, k) => 1000 + k * 20));
    expect(report).toMatchObject({ ticks: 100, lateTicks: 0, missedTicks: 0, overruns: 0, stoppedBy: 'completed' });
    expect(report.achievedHz).toBeCloseTo(50, 0);
  });

  it('counts an overrun, the late tick after it and the slots it skipped', async () => {
    const clock = new FakeClock();
    const late: number[] = [];
    const loop = new ControlLoop({ hz: 50, clock, onLateTick: (i) => late.push(i.index) });
    const seen: TickInfo[] = [];
    const report = await loop.run(
      (info) => {
        seen.push(info);
        clock.t += info.index === 3 ? 50 : 5; // tick 3 takes 2.5 periods
      },
      { ticks: 8 },
    );
    // Tick 3 ran at slot 3 (t=60) and ended at t=110: slot 4 passed entirely, slot 5 runs late.
    expect(seen.map((s) => s.slot)).toEqual([0, 1, 2, 3, 5, 6, 7, 8]);
    expect(seen[4]!.latenessMs).toBeCloseTo(10, 9);
    expect(late).toEqual([4]);
    expect(report).toMatchObject({ ticks: 8, lateTicks: 1, missedTicks: 1, overruns: 1, maxTickMs: 50 });
    expect(report.maxLatenessMs).toBeCloseTo(10, 9);
  });

  it('stops on a fault after running the fault handler', async () => {
    const clock = new FakeClock();
    const loop = new ControlLoop({ clock });
    const handled: Error[] = [];
    const report = await loop.run(
      (info) => {
        clock.t += 1;
        if (info.index === 4) throw new Error('bus timeout');
      },
      { ticks: 100, onFault: (e) => void handled.push(e) },
    );
    expect(report.stoppedBy).toBe('fault');
    expect(report.fault?.message).toBe('bus timeout');
    expect(report.ticks).toBe(5);
    expect(handled.map((e) => e.message)).toEqual(['bus timeout']);
  });

  it('reports a failing fault handler instead of hiding it', async () => {
    const report = await new ControlLoop({ clock: new FakeClock() }).run(
      () => {
        throw new Error('tick');
      },
      { onFault: () => Promise.reject(new Error('torque off failed')) },
    );
    expect(report.faultHandlerError?.message).toBe('torque off failed');
  });

  it('stops on stop() and on an abort signal', async () => {
    const clock = new FakeClock();
    const loop = new ControlLoop({ clock });
    const r1 = await loop.run((i) => {
      clock.t += 1;
      if (i.index === 2) loop.stop();
    });
    expect(r1).toMatchObject({ ticks: 3, stoppedBy: 'stopped' });
    const ac = new AbortController();
    const r2 = await loop.run((i) => {
      clock.t += 1;
      if (i.index === 5) ac.abort();
    }, { signal: ac.signal });
    expect(r2).toMatchObject({ ticks: 6, stoppedBy: 'stopped' });
  });

  it('runs on the real monotonic clock with the same schedule', async () => {
    const loop = new ControlLoop({ hz: 200 });
    const seen: TickInfo[] = [];
    const report = await loop.run((i) => void seen.push(i), { ticks: 20 });
    expect(report.ticks).toBe(20);
    const t0 = seen[0]!.scheduledMs;
    // Slots are whole multiples of the period from t0, whatever the jitter (skipped slots allowed).
    for (const s of seen) expect(s.scheduledMs - t0).toBeCloseTo(s.slot * 5, 6);
    expect(report.lateTicks).toBe(seen.filter((s) => s.latenessMs > 0.5).length);
  });

  it('rejects a bad rate', () => {
    expect(() => new ControlLoop({ hz: 0 })).toThrow(/positive number of hertz/);
  });
});
