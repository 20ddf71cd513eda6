import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArmIk } from '../src/sim/arm-ik.js';
import { compileModel, loadMujocoModule, type MujocoModule } from '../src/sim/mujoco-runtime.js';
import { ARM_JOINT_LIMITS, buildSceneXml, gripperNormalize, gripperUnnormalize, TAXEL_COLS, TAXEL_ROWS } from '../src/sim/scene.js';
import { SimRng } from '../src/sim/sim-rng.js';

describe('authored MJCF scene', () => {
  let mj: MujocoModule;
  beforeAll(async () => {
    mj = await loadMujocoModule();
  });

  it('compiles every task with position actuators, cameras and one touch sensor per taxel', () => {
    const expected = { 'transfer-cube': [16, 4], insertion: [16, 4], 'lift-cube': [8, 2], 'lift-colored-cube': [8, 2], 'occluded-pick': [8, 2] } as const;
    for (const [task, [nu, fingers]] of Object.entries(expected)) {
      const m = compileModel(mj, buildSceneXml(task as never), task);
      try {
        expect(m.nu).toBe(nu);
        expect(m.nsensordata).toBe(fingers * TAXEL_ROWS * TAXEL_COLS);
        expect(m.opt.timestep).toBe(0.002);
        const cams = Array.from({ length: m.ncam }, (_, i) => mj.mj_id2name(m, mj.mjtObj.mjOBJ_CAMERA.value, i));
        expect(cams).toEqual(expect.arrayContaining(['top', 'angle', 'right_wrist']));
        if (fingers === 4) expect(cams).toContain('left_wrist');
      } finally {
        m.delete();
      }
    }
  });

  it('taxel sites on a finger are disjoint boxes', () => {
    const m = compileModel(mj, buildSceneXml('lift-cube'), 'lift-cube');
    try {
      const boxes: { lo: number[]; hi: number[] }[] = [];
      for (let r = 0; r < TAXEL_ROWS; r++) {
        for (let c = 0; c < TAXEL_COLS; c++) {
          const id = mj.mj_name2id(m, mj.mjtObj.mjOBJ_SITE.value, `right_finger_a_taxel_${r}_${c}`);
          expect(id).toBeGreaterThanOrEqual(0);
          const p = Array.from((m.site_pos as Float64Array).subarray(3 * id, 3 * id + 3));
          const s = Array.from((m.site_size as Float64Array).subarray(3 * id, 3 * id + 3));
          boxes.push({ lo: p.map((v, k) => v - s[k]!), hi: p.map((v, k) => v + s[k]!) });
        }
      }
      for (let i = 0; i < boxes.length; i++) {
        for (let j = i + 1; j < boxes.length; j++) {
          const overlap = [0, 1, 2].every((k) => boxes[i]!.lo[k]! < boxes[j]!.hi[k]! && boxes[j]!.lo[k]! < boxes[i]!.hi[k]!);
          expect(overlap, `taxels ${i} and ${j} overlap`).toBe(false);
        }
      }
    } finally {
      m.delete();
    }
  });

  it('names the scene when MuJoCo rejects the XML', () => {
    expect(() => compileModel(mj, '<mujoco><worldbody><geom type="nonsense"/></worldbody></mujoco>', 'broken')).toThrow(/scene "broken"/);
  });

  it('gripper normalisation round-trips (0 closed, 1 open)', () => {
    for (const g of [0, 0.25, 1]) expect(gripperNormalize(gripperUnnormalize(g))).toBeCloseTo(g, 12);
    expect(gripperUnnormalize(0)).toBeLessThan(gripperUnnormalize(1));
  });

  describe('ArmIk', () => {
    let ik: ArmIk;
    let m: ReturnType<typeof compileModel>;
    beforeAll(() => {
      m = compileModel(mj, buildSceneXml('transfer-cube'), 'transfer-cube');
      ik = new ArmIk(mj, m, 'left');
    });
    afterAll(() => {
      ik.delete();
      m.delete();
    });

    it('recovers reachable poses (made by forward kinematics of random joint angles)', () => {
      const rng = new SimRng(3);
      const start = [0, -0.96, 1.16, 0, -0.3, 0];
      for (let trial = 0; trial < 10; trial++) {
        const q = start.map((v, k) => Math.min(ARM_JOINT_LIMITS[k]![1], Math.max(ARM_JOINT_LIMITS[k]![0], v + rng.uniform(-0.4, 0.4))));
        const { pos, mat } = ik.forward(q);
        const sol = ik.solve({ pos, point: [mat[0]!, mat[3]!, mat[6]!], close: [mat[1]!, mat[4]!, mat[7]!] }, start, 100);
        expect(sol.posError).toBeLessThan(1e-3);
        expect(sol.rotError).toBeLessThan(1e-2);
        const back = ik.forward(sol.q);
        expect(Math.hypot(back.pos[0] - pos[0], back.pos[1] - pos[1], back.pos[2] - pos[2])).toBeLessThan(1e-3);
      }
    });
  });
});
