import { describe, expect, it } from 'vitest';
import type { ImageFrame } from '@actfusion/contracts';
import { ControlLoop } from '../src/control/control-loop.js';
import { SafeRobot } from '../src/safety/safe-robot.js';
import { scriptedActions } from '../src/sim/record-episode.js';
import { SimRobot } from '../src/sim/sim-robot.js';

describe('policy rollout on the simulator through the hardware layer', () => {
  it('a policy (here: replayed expert actions) drives SimRobot via SafeRobot and ControlLoop to success', async () => {
    const { actions } = await scriptedActions('lift-cube', 21);
    const sim = await SimRobot.create({ task: 'lift-cube', cameras: [{ name: 'angle', height: 24, width: 32 }], seed: 21 });
    const robot = new SafeRobot(sim, { maxRelativeTarget: 0.5 });
    await robot.connect();
    const seen: number[] = [];
    try {
      const report = await new ControlLoop({ hz: 200 }).run(
        async (tick) => {
          const obs = await robot.observe();
          seen.push((obs['observation.images.angle'] as ImageFrame).data.length);
          await robot.act(actions[tick.index]!);
        },
        { ticks: actions.length },
      );
      expect(report.stoppedBy).toBe('completed');
      expect(report.ticks).toBe(actions.length);
      expect(sim.ticks).toBe(actions.length);
      expect(seen.every((n) => n === 24 * 32 * 3)).toBe(true);
      expect(sim.success).toBe(true);
    } finally {
      await robot.disconnect();
    }
  });
});
