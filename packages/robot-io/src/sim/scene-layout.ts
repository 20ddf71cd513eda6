import type { TactileSpec } from '../robot.js';
import type { MjModel, MujocoModule } from './mujoco-runtime.js';
import { ARM_JOINT_NAMES, FINGER_NAMES, TAXEL_COLS, TAXEL_ROWS, taskArms, type ArmSide, type SimTaskName } from './scene.js';

/** Where one arm's joints, fingers and actuators live in MuJoCo's arrays. */
export interface ArmIndex {
  readonly side: ArmSide;
  readonly qposAdr: readonly number[];
  readonly dofAdr: readonly number[];
  readonly fingerQposAdr: readonly number[];
  readonly fingerDofAdr: readonly number[];
  /** 6 arm actuators then 2 finger actuators. */
  readonly ctrl: readonly number[];
}

export interface TactileIndex {
  readonly name: string;
  /** sensordata address of each taxel, row-major. */
  readonly adr: readonly number[];
}

/** Array addresses of a compiled task scene, looked up once by name (errors name what is missing). */
export interface SceneLayout {
  readonly arms: readonly ArmIndex[];
  readonly objectQposAdr: ReadonlyMap<string, number>;
  /** Geom names; taxel pad geoms (`<finger>_pad_<r>_<c>`) carry their finger's name for the reward stages. */
  readonly geomNames: readonly string[];
  readonly tactile: readonly TactileIndex[];
  readonly tactileSpecs: readonly TactileSpec[];
}

export function sceneLayout(mj: MujocoModule, m: MjModel, task: SimTaskName, withTactile: boolean): SceneLayout {
  const kinds = { jnt: mj.mjtObj.mjOBJ_JOINT, act: mj.mjtObj.mjOBJ_ACTUATOR, sensor: mj.mjtObj.mjOBJ_SENSOR } as const;
  const id = (kind: keyof typeof kinds, name: string): number => {
    const i = mj.mj_name2id(m, kinds[kind].value, name);
    if (i < 0) throw new Error(`scene "${task}" has no ${kind} named "${name}"`);
    return i;
  };
  const qposAdr = m.jnt_qposadr as Int32Array;
  const dofAdr = m.jnt_dofadr as Int32Array;
  const arms = taskArms(task).map((side) => {
    const joints = ARM_JOINT_NAMES.map((j) => id('jnt', `${side}_${j}`));
    const fingers = FINGER_NAMES.map((n) => id('jnt', `${side}_finger_${n}`));
    return {
      side,
      qposAdr: joints.map((j) => qposAdr[j]!),
      dofAdr: joints.map((j) => dofAdr[j]!),
      fingerQposAdr: fingers.map((j) => qposAdr[j]!),
      fingerDofAdr: fingers.map((j) => dofAdr[j]!),
      ctrl: [...ARM_JOINT_NAMES.map((j) => id('act', `${side}_${j}`)), ...FINGER_NAMES.map((n) => id('act', `${side}_finger_${n}`))],
    };
  });
  const objectQposAdr = new Map<string, number>();
  // Every body with a free joint is a task object (`box`, `peg`, `socket`, `blue_box`, ...).
  const bodyJntAdr = m.body_jntadr as Int32Array;
  const jntType = m.jnt_type as Int32Array;
  const free = mj.mjtJoint.mjJNT_FREE.value;
  for (let b = 1; b < m.nbody; b++) {
    const j = bodyJntAdr[b]!;
    if (j >= 0 && jntType[j] === free) objectQposAdr.set(mj.mj_id2name(m, mj.mjtObj.mjOBJ_BODY.value, b) ?? `body${b}`, qposAdr[j]!);
  }
  const geomNames = Array.from({ length: m.ngeom }, (_, g) =>
    (mj.mj_id2name(m, mj.mjtObj.mjOBJ_GEOM.value, g) ?? '').replace(/^(\w+_finger_[ab])_pad_\d+_\d+$/, '$1'),
  );
  const sensorAdr = m.sensor_adr as Int32Array;
  const tactile: TactileIndex[] = [];
  if (withTactile) {
    for (const arm of arms) {
      for (const n of FINGER_NAMES) {
        const name = `${arm.side}_finger_${n}`;
        const adr: number[] = [];
        for (let r = 0; r < TAXEL_ROWS; r++) for (let c = 0; c < TAXEL_COLS; c++) adr.push(sensorAdr[id('sensor', `${name}_taxel_${r}_${c}`)]!);
        tactile.push({ name, adr });
      }
    }
  }
  return { arms, objectQposAdr, geomNames, tactile, tactileSpecs: tactile.map((t) => ({ name: t.name, rows: TAXEL_ROWS, cols: TAXEL_COLS })) };
}
