import { describe, expect, it } from 'vitest';
import type { ImageFrame } from '@actfusion/contracts';
import { recordScriptedEpisode, replayActions, scriptedActions } from '../src/sim/record-episode.js';
import type { SimTaskName } from '../src/sim/scene.js';
import { ScriptedExpert } from '../src/sim/scripted-expert.js';
import { SimRobot } from '../src/sim/sim-robot.js';

const SEEDS = [11, 42, 97];

describe('scripted experts (real MuJoCo wasm)', () => {
  for (const task of ['transfer-cube', 'insertion', 'lift-cube'] as const satisfies readonly SimTaskName[]) {
    it(`${task}: passes through stage 2 and succeeds on fixed seeds`, async () => {
      const robot = await SimRobot.create({ task, cameras: [], tactile: false });
      const expert = new ScriptedExpert(robot);
      try {
        for (const seed of SEEDS) {
          robot.reset(seed);
          expert.reset();
          const trace: number[] = [];
          for (let t = 0; t < robot.task.episodeLength; t++) {
            robot.step(expert.action());
            trace.push(robot.reward());
          }
          expect({ seed, success: robot.success, max: robot.episodeReward }).toEqual({ seed, success: true, max: 4 });
          // The task is done in steps: the intermediate stage 2 (object grasped and lifted) is held before 4.
          expect(trace[0]).toBe(0);
          expect(trace.indexOf(2)).toBeGreaterThan(0);
          expect(trace.indexOf(2)).toBeLessThan(trace.indexOf(4));
        }
      } finally {
        expert.delete();
        robot.close();
      }
    });
  }

  it('the demonstrations hold one joint-space mode: the wrist rolls stay near 0 wherever the object lies', async () => {
    // Before the gripper turned in place first, the IK wound forearm_roll to about +pi or -pi
    // (wrist_rotate the other way) depending on the object's side: two modes of one task.
    for (const task of ['lift-cube', 'transfer-cube', 'insertion'] as const) {
      const robot = await SimRobot.create({ task, cameras: [], tactile: false });
      const expert = new ScriptedExpert(robot);
      try {
        for (const seed of [0, 1, 2, 5, 8]) {
          robot.reset(seed);
          expert.reset();
          let worst = 0;
          for (let t = 0; t < robot.task.episodeLength; t++) {
            const a = expert.action();
            for (let arm = 0; arm < a.length / 7; arm++) worst = Math.max(worst, Math.abs(a[7 * arm + 3]!), Math.abs(a[7 * arm + 5]!));
            robot.step(a);
          }
          expect({ task, seed, worstRoll: worst < 0.6 }).toEqual({ task, seed, worstRoll: true });
        }
      } finally {
        expert.delete();
        robot.close();
      }
    }
  });

  it('ACT-style xyz noise changes the actions, is seeded, and transfer-cube still succeeds', async () => {
    const clean = await scriptedActions('transfer-cube', 11);
    const noisy = await scriptedActions('transfer-cube', 11, undefined, 0.01);
    const again = await scriptedActions('transfer-cube', 11, undefined, 0.01);
    expect(noisy.success).toBe(true);
    expect(noisy.actions.map((a) => Array.from(a))).toEqual(again.actions.map((a) => Array.from(a)));
    const diff = Math.max(...noisy.actions[50]!.map((v, i) => Math.abs(v - clean.actions[50]![i]!)));
    expect(diff).toBeGreaterThan(1e-3);
    const robot = await SimRobot.create({ task: 'lift-cube', cameras: [] });
    try {
      expect(() => new ScriptedExpert(robot, { noise: -1 })).toThrow(/noise must be >= 0/);
    } finally {
      robot.close();
    }
  });

  it('a do-nothing policy gets no reward (the stages are not free)', async () => {
    const robot = await SimRobot.create({ task: 'transfer-cube', cameras: [], tactile: false });
    try {
      robot.reset(11);
      const hold = robot.qpos();
      for (let t = 0; t < 100; t++) robot.step(hold);
      expect(robot.episodeReward).toBe(0);
      expect(robot.success).toBe(false);
    } finally {
      robot.close();
    }
  });

  it('records a demonstration by joint-space replay: observations + actions, same outcome as the expert', async () => {
    const episodeLength = 200;
    const rollout = await scriptedActions('lift-cube', 5, episodeLength);
    expect(rollout.success).toBe(true);
    const ep = await recordScriptedEpisode({ task: 'lift-cube', seed: 5, cameras: [{ name: 'angle', height: 12, width: 16 }], episodeLength });
    expect(ep.success).toBe(true);
    expect(ep.actions.length).toBe(episodeLength);
    expect(ep.observations.length).toBe(episodeLength);
    expect(ep.actions.map((a) => Array.from(a))).toEqual(rollout.actions.map((a) => Array.from(a)));
    const first = ep.observations[0]!;
    expect(first['observation.state'].length).toBe(7);
    expect((first['observation.images.angle'] as ImageFrame).data.length).toBe(12 * 16 * 3);
    expect(Object.keys(first).filter((k) => k.startsWith('observation.taxels.'))).toEqual(['observation.taxels.right_finger_a', 'observation.taxels.right_finger_b']);
    expect(Object.keys(first).filter((k) => k.startsWith('observation.tactile.'))).toEqual(['observation.tactile.right_finger_a', 'observation.tactile.right_finger_b']);
    expect(ep.observations[10]!.timestamp).toBeCloseTo(0.2, 10);
    // The observed gripper follows the commanded one: closed on the cube while lifting.
    expect(ep.observations[150]!['observation.state'][6]!).toBeLessThan(0.5);
    expect(Math.max(...ep.rewards)).toBe(4);
    // Replaying a perturbed trajectory (gripper never closes) fails: success comes from the actions.
    const open = rollout.actions.map((a) => {
      const b = Float32Array.from(a);
      b[6] = 1;
      return b;
    });
    const bad = await replayActions({ task: 'lift-cube', seed: 5, cameras: [], tactile: false }, open);
    expect(bad.success).toBe(false);
  });
});
