import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageFrame, Observation } from '@actfusion/contracts';
import { OCCLUDED_PICK } from '../src/sim/occluded-pick-task.js';
import { scriptedActions } from '../src/sim/record-episode.js';
import { ScriptedExpert } from '../src/sim/scripted-expert.js';
import { SimRobot } from '../src/sim/sim-robot.js';
import { OCCLUDED_PICK_PROBE_TICK } from '../src/sim/single-arm-plans.js';

const CAMERAS = [
  { name: 'angle', height: 48, width: 64 },
  { name: 'top', height: 48, width: 64 },
  { name: 'right_wrist', height: 48, width: 64 },
];
const tallInProbe = (r: SimRobot): boolean => OCCLUDED_PICK.tallInProbeSlot((b) => r.objectPosition(b));
/** Force on each taxel row (row 0 at the fingertip) of both right fingers together. */
const rowForces = (o: Observation): number[] =>
  [0, 1, 2, 3].map((row) => ['right_finger_a', 'right_finger_b'].reduce((s, f) => s + Array.from((o[`observation.taxels.${f}`] as Float32Array).subarray(4 * row, 4 * row + 4)).reduce((a, v) => a + v, 0), 0));
const l1 = (a: Uint8Array, b: Uint8Array): number => a.reduce((s, v, i) => s + Math.abs(v - b[i]!), 0);
const mean = (xs: readonly number[]): number => xs.reduce((s, v) => s + v, 0) / xs.length;
const frame = (o: Observation, camera: string): Uint8Array => (o[`observation.images.${camera}`] as ImageFrame).data;
const differingPixels = (a: Uint8Array, b: Uint8Array): number => {
  let n = 0;
  for (let i = 0; i < a.length; i += 3) if (a[i] !== b[i] || a[i + 1] !== b[i + 1] || a[i + 2] !== b[i + 2]) n++;
  return n;
};

describe('occluded-pick: the cover hides which block is tall, the taxels tell (real MuJoCo wasm)', () => {
  let robot: SimRobot;
  let expert: ScriptedExpert;
  beforeAll(async () => {
    robot = await SimRobot.create({ task: 'occluded-pick', cameras: CAMERAS });
    expert = new ScriptedExpert(robot);
  });
  afterAll(() => {
    expert.delete();
    robot.close();
  });

  /** Seeds 0.. split by where the tall block is (the hidden variable). */
  function seedsByLayout(n: number): { tall: number[]; short: number[] } {
    const out = { tall: [] as number[], short: [] as number[] };
    for (let seed = 0; out.tall.length < n || out.short.length < n; seed++) {
      robot.reset(seed);
      (tallInProbe(robot) ? out.tall : out.short).push(seed);
    }
    return { tall: out.tall.slice(0, n), short: out.short.slice(0, n) };
  }

  /** Runs the expert to the end of its probe grasp; returns what the robot observes at `ticks` (0 = after reset). */
  function observeAt(seed: number, ticks: readonly number[]): Observation[] {
    robot.reset(seed);
    expert.reset();
    const out: Observation[] = [];
    for (let t = 0; t <= Math.max(...ticks); t++) {
      if (ticks.includes(t)) out.push(robot.observeNow());
      robot.step(expert.action());
    }
    return out;
  }
  /** Largest per-channel difference and number of differing pixels between two frames. */
  const frameDiff = (a: Uint8Array, b: Uint8Array): { pixels: number; max: number } => {
    let max = 0;
    for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
    return { pixels: differingPixels(a, b), max };
  };

  it('the cameras cannot tell which block is in the probe slot, the taxels can', () => {
    const { tall, short } = seedsByLayout(3);
    const APPROACH = 40; // above the cover, fingers open
    const DESCENT = 72; // fingers inside the cover, closing, not yet touching
    const runs = [...tall, ...short].map((seed) => {
      const [a, d, p] = observeAt(seed, [APPROACH, DESCENT, OCCLUDED_PICK_PROBE_TICK]);
      return { seed, tall: tall.includes(seed), approach: a!, descent: d!, probe: p! };
    });
    const ref = runs[0]!;
    for (const run of runs) {
      for (const c of CAMERAS) {
        // Until the fingers touch a block, every camera sees exactly the same frames in every episode.
        expect(Buffer.from(frame(run.approach, c.name)).equals(Buffer.from(frame(ref.approach, c.name)))).toBe(true);
        expect(Buffer.from(frame(run.descent, c.name)).equals(Buffer.from(frame(ref.descent, c.name)))).toBe(true);
      }
    }
    // Holding a block, the arm yields a little to the grip, which can move a few edge pixels. Those
    // differences do not separate the two layouts: two episodes with the tall block in the slot differ
    // about as much as a tall-block and a short-block one.
    for (const c of CAMERAS) {
      const within: number[] = [];
      const between: number[] = [];
      for (let i = 0; i < runs.length; i++) {
        for (let j = i + 1; j < runs.length; j++) {
          const d = l1(frame(runs[i]!.probe, c.name), frame(runs[j]!.probe, c.name));
          (runs[i]!.tall === runs[j]!.tall ? within : between).push(d);
        }
      }
      expect({ camera: c.name, separated: Math.min(...between) > Math.max(...within) }).toEqual({ camera: c.name, separated: false });
      expect({ camera: c.name, meanRatio: mean(between) / mean(within) < 2 }).toEqual({ camera: c.name, meanRatio: true });
    }
    // The taxels at the probe grasp: the tall block presses on the upper rows too, the short one only on the two fingertip rows.
    for (const { seed, tall: isTall, probe } of runs) {
      const rows = rowForces(probe);
      expect({ seed, fingertipRows: rows[0]! + rows[1]! > 1 }).toEqual({ seed, fingertipRows: true });
      expect({ seed, upperRowsPressed: rows[2]! + rows[3]! > 0.5 }).toEqual({ seed, upperRowsPressed: isTall });
      expect({ seed, upperRowsFree: rows[2] === 0 && rows[3] === 0 }).toEqual({ seed, upperRowsFree: !isTall });
    }
    // So do the tactile images a policy reads.
    const tImg = runs.find((x) => x.tall)!.probe['observation.tactile.right_finger_a'] as ImageFrame;
    const sImg = runs.find((x) => !x.tall)!.probe['observation.tactile.right_finger_a'] as ImageFrame;
    expect(differingPixels(tImg.data, sImg.data)).toBeGreaterThanOrEqual((16 * 16) / 4); // at least the upper-row blocks
  });

  it('without the cover the same camera would see it: the cover is what hides the blocks', () => {
    const { tall, short } = seedsByLayout(1);
    const m = robot.model;
    const cover = robot.mj.mj_name2id(m, robot.mj.mjtObj.mjOBJ_GEOM.value, 'cover');
    expect(cover).toBeGreaterThanOrEqual(0);
    // Re-read the view every time: the wasm heap can grow while simulating, which detaches older views.
    const liftCover = (dz: number): void => {
      (m.geom_pos as Float64Array)[3 * cover + 2]! += dz;
      robot.mj.mj_forward(m, robot.mjData);
    };
    const frames = [tall[0]!, short[0]!].map((seed) => {
      observeAt(seed, [OCCLUDED_PICK_PROBE_TICK]);
      const covered = robot.render('angle', 96, 128).data;
      liftCover(10); // 10 m up, out of view (it has no contacts: the physics is unchanged)
      try {
        return { covered, uncovered: robot.render('angle', 96, 128).data };
      } finally {
        liftCover(-10);
      }
    });
    const bare = frameDiff(frames[0]!.uncovered, frames[1]!.uncovered);
    const covered = frameDiff(frames[0]!.covered, frames[1]!.covered);
    // Uncovered, the blocks themselves differ (several pixels, by tens of levels) on top of what the arm's yield moves.
    expect(bare.max).toBeGreaterThan(40);
    expect(bare.pixels).toBeGreaterThan(covered.pixels + 10);
  });

  it('the expert lifts the tall block wherever it is, stages in order; lifting the short block fails', async () => {
    const { tall, short } = seedsByLayout(1);
    for (const seed of [tall[0]!, short[0]!]) {
      robot.reset(seed);
      expert.reset();
      const trace: number[] = [];
      for (let t = 0; t < robot.task.episodeLength; t++) {
        robot.step(expert.action());
        trace.push(robot.reward());
      }
      expect({ seed, success: robot.success, failed: robot.episodeFailed }).toEqual({ seed, success: true, failed: false });
      const first = (k: number): number => trace.findIndex((r) => r >= k);
      expect(first(2)).toBeLessThan(first(3));
      expect(first(3)).toBeLessThan(first(4));
      expect(robot.objectPosition('short_block')[2]).toBeLessThan(0.02);
    }
    // Lifting straight after the probe (right when the tall block is there) picks up the short one otherwise: failure.
    const liftAtProbe = await scriptedActions('occluded-pick', tall[0]!);
    robot.reset(short[0]!);
    for (const a of liftAtProbe.actions) robot.step(a);
    expect({ success: robot.success, failed: robot.episodeFailed, reward: robot.episodeReward }).toEqual({ success: false, failed: true, reward: 0 });
  });
});
