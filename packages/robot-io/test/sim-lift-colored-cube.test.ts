import type { ImageFrame } from '@actfusion/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordScriptedEpisode, scriptedActions, replayActions } from '../src/sim/record-episode.js';
import { ScriptedExpert } from '../src/sim/scripted-expert.js';
import { SimRobot } from '../src/sim/sim-robot.js';

describe('lift-colored-cube: two cubes, the instruction says which (real MuJoCo wasm)', () => {
  let robot: SimRobot;
  beforeAll(async () => {
    robot = await SimRobot.create({ task: 'lift-colored-cube', cameras: [], tactile: false });
  });
  afterAll(() => robot.close());

  it('the seed picks the layout and the instruction independently and deterministically', () => {
    const seen = new Set<string>();
    for (let seed = 0; seed < 40; seed++) {
      robot.reset(seed);
      const first = { instruction: robot.instruction, red: robot.objectPosition('box'), blue: robot.objectPosition('blue_box') };
      robot.reset(seed + 1000);
      robot.reset(seed);
      expect({ instruction: robot.instruction, red: robot.objectPosition('box'), blue: robot.objectPosition('blue_box') }).toEqual(first);
      expect(robot.task.instructions).toContain(first.instruction);
      // Both cubes on the table, 12 cm or more apart across the gripper's closing axis.
      expect(Math.abs(first.red[1] - first.blue[1])).toBeGreaterThanOrEqual(0.12);
      seen.add(`${first.instruction} / red ${first.red[1] < first.blue[1] ? 'near' : 'far'}`);
    }
    // All four (instruction, layout) combinations occur: the layout does not give the instruction away.
    expect(seen.size).toBe(4);
    robot.reset(3, { instruction: 'lift the blue cube' });
    expect(robot.instruction).toBe('lift the blue cube');
    expect(() => robot.reset(3, { instruction: 'lift the cube' })).toThrow(/unknown instruction "lift the cube"/);
  });

  it('the expert lifts the instructed cube for either instruction, with the stages in order', async () => {
    const expert = new ScriptedExpert(robot);
    try {
      for (const instruction of ['lift the red cube', 'lift the blue cube']) {
        robot.reset(7, { instruction });
        expert.reset();
        const trace: number[] = [];
        for (let t = 0; t < robot.task.episodeLength; t++) {
          robot.step(expert.action());
          trace.push(robot.reward());
        }
        expect({ instruction, success: robot.success, failed: robot.episodeFailed }).toEqual({ instruction, success: true, failed: false });
        // Reached in steps: first touch/grasp, then off the table, then 10 cm up.
        const first = (k: number): number => trace.findIndex((r) => r >= k);
        expect(first(1)).toBeGreaterThan(50);
        expect(first(2)).toBeLessThan(first(3));
        expect(first(3)).toBeLessThan(first(4));
        const target = instruction === 'lift the red cube' ? 'box' : 'blue_box';
        const other = instruction === 'lift the red cube' ? 'blue_box' : 'box';
        expect(robot.objectPosition(target)[2]).toBeGreaterThan(0.12);
        expect(robot.objectPosition(other)[2]).toBeLessThan(0.021);
      }
    } finally {
      expert.delete();
    }
  });

  it('picking up the other cube fails the episode for good, even if the instructed cube is lifted afterwards', async () => {
    const blueFirst = await scriptedActions('lift-colored-cube', 7, undefined, 0, 'lift the blue cube');
    const red = await scriptedActions('lift-colored-cube', 7, undefined, 0, 'lift the red cube');
    expect([blueFirst.success, red.success]).toEqual([true, true]);
    // Instructed "red": lift the blue cube first (drop it when the red motions start), then lift the red cube.
    robot.reset(7, { instruction: 'lift the red cube' });
    for (const a of blueFirst.actions) robot.step(a);
    expect(robot.episodeFailed).toBe(true);
    for (const a of red.actions) robot.step(a);
    // The red cube is now 10 cm up in the gripper, but the episode stays failed.
    expect(robot.objectPosition('box')[2]).toBeGreaterThan(0.12);
    expect({ reward: robot.reward(), best: robot.episodeReward, success: robot.success, failed: robot.episodeFailed }).toEqual({ reward: 0, best: 0, success: false, failed: true });
    // The same red motions alone succeed.
    const alone = await replayActions({ task: 'lift-colored-cube', seed: 7, cameras: [], tactile: false, instruction: 'lift the red cube' }, red.actions);
    expect(alone.success).toBe(true);
  });

  it('records the episode with its instruction; 48x64 camera frames show both cubes', async () => {
    const ep = await recordScriptedEpisode({ task: 'lift-colored-cube', seed: 4, cameras: [{ name: 'angle', height: 48, width: 64 }], tactile: false, episodeLength: 30 });
    robot.reset(4);
    expect(ep.instruction).toBe(robot.instruction);
    const img = ep.observations[0]!['observation.images.angle'] as ImageFrame;
    let redPx = 0;
    let bluePx = 0;
    for (let p = 0; p < img.height * img.width; p++) {
      const [r, g, b] = [img.data[3 * p]!, img.data[3 * p + 1]!, img.data[3 * p + 2]!];
      if (r > 120 && g < 60 && b < 60) redPx++;
      if (b > 120 && r < 60 && g < 100) bluePx++;
    }
    expect(redPx).toBeGreaterThan(0);
    expect(bluePx).toBeGreaterThan(0);
  });
});
