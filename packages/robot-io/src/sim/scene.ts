/**
 * The bimanual scene, authored in this project as MJCF (MuJoCo XML) made of primitive geoms.
 *
 * Two ALOHA-like 6-DoF arms (waist, shoulder, elbow, forearm_roll, wrist_angle, wrist_rotate) with
 * parallel slide-joint grippers, position actuators (one per joint and per finger, as ACT's
 * joint-space env), gravity compensation on the arm bodies, 4x4 taxel grids of touch sensors on each
 * finger pad, a table, and the task objects. Arm bases sit at x = -/+0.469, y = 0.5 like ACT's scene;
 * the right arm is rotated 180 degrees about z so both face the centre.
 */

import { f, v3 } from './mjcf-format.js';
import { taskContactXml, taskObjectsXml } from './scene-objects.js';
import type { ArmSide, SimTaskName } from './sim-task-name.js';
export type { ArmSide, SimTaskName } from './sim-task-name.js';


export const ARM_JOINT_NAMES = ['waist', 'shoulder', 'elbow', 'forearm_roll', 'wrist_angle', 'wrist_rotate'] as const;

/** Finger slide joint: distance of a finger's inner face from the gripper's centre plane (m). */
export const FINGER_CLOSED = 0.002;
export const FINGER_OPEN = 0.05;
/** Normalised gripper (0 closed .. 1 open) to finger position, and back (ALOHA's PUPPET_GRIPPER_POSITION_* fns). */
export const gripperUnnormalize = (g: number): number => FINGER_CLOSED + g * (FINGER_OPEN - FINGER_CLOSED);
export const gripperNormalize = (q: number): number => (q - FINGER_CLOSED) / (FINGER_OPEN - FINGER_CLOSED);

/** ALOHA's START_ARM_POSE for the six arm joints; the gripper starts half open. */
export const START_ARM_POSE = [0, -0.96, 1.16, 0, -0.3, 0] as const;
export const START_GRIPPER = 0.5;

export const ARM_JOINT_LIMITS: readonly (readonly [number, number])[] = [
  [-3.14158, 3.14158],
  [-1.85, 1.26],
  [-1.76, 1.6],
  [-3.14158, 3.14158],
  [-1.87, 2.23],
  [-3.14158, 3.14158],
];

export const TAXEL_ROWS = 4;
export const TAXEL_COLS = 4;
export const FINGER_NAMES = ['a', 'b'] as const;

/** Arm base positions (ACT: vx300s_left at x = -0.469, vx300s_right at x = +0.469, y = 0.5). */
export const ARM_BASE: Record<ArmSide, readonly [number, number, number]> = {
  left: [-0.469, 0.5, 0],
  right: [0.469, 0.5, 0],
};

// Link geometry in the arm frame (+x points towards the table centre).
const WAIST_Z = 0.072;
const SHOULDER_Z = 0.05;
const UPPER_ARM: readonly [number, number] = [0.06, 0.3]; // elbow offset from shoulder (x, z)
const FOREARM = 0.2; // elbow -> forearm_roll
const LOWER_FOREARM = 0.1; // forearm_roll -> wrist_angle
const WRIST = 0.07; // wrist_angle -> wrist_rotate (gripper body)
const FINGER_X0 = 0.045; // finger root along the gripper axis
const FINGER_LEN = 0.07;
const FINGER_HALF_THICK = 0.005; // along the closing axis
const FINGER_HALF_WIDTH = 0.008; // across (gripper z)
/** Taxel pads: one small sphere per taxel whose tip is the finger's inner contact surface (1 contact per pad). */
const PAD_RADIUS = 0.0019;
/** The taxel grid covers the distal 4 cm of each finger (a fingertip pad). */
const PAD_LEN = 0.04;
/** Tool centre point: between the fingertips, 1.5 cm back from the tips. */
export const TCP_OFFSET = FINGER_X0 + FINGER_LEN - 0.015;


function fingerXml(side: ArmSide, finger: 'a' | 'b', colour: string): string {
  const s = finger === 'a' ? 1 : -1; // finger a moves along +y of the gripper, b along -y
  const name = `${side}_finger_${finger}`;
  const cx = FINGER_X0 + FINGER_LEN / 2;
  const pads: string[] = [];
  // Taxels: the inner face is a rows x cols grid of small sphere pads (rows along the finger from the tip,
  // cols across), each inside its own disjoint touch-sensor site on the finger's body (a touch sensor
  // only counts contacts of geoms on its site's body). One pad per taxel gives a contact patch rather
  // than the 4 corner points of one box-box contact, at one contact per touching pad.
  const rowLen = PAD_LEN / TAXEL_ROWS;
  const colLen = (2 * FINGER_HALF_WIDTH) / TAXEL_COLS;
  for (let r = 0; r < TAXEL_ROWS; r++) {
    for (let c = 0; c < TAXEL_COLS; c++) {
      const x = FINGER_X0 + FINGER_LEN - (r + 0.5) * rowLen; // row 0 at the fingertip
      const z = -FINGER_HALF_WIDTH + (c + 0.5) * colLen;
      pads.push(
        `<geom name="${name}_pad_${r}_${c}" type="sphere" pos="${v3(x, s * PAD_RADIUS, z)}" size="${f(PAD_RADIUS)}" rgba="0.3 0.32 0.38 1" mass="0.0005" friction="2 0.02 0.001" condim="4" priority="1"/>`,
        `<site name="${name}_taxel_${r}_${c}" type="box" pos="${v3(x, 0, z)}" size="${v3(rowLen / 2 - 1e-5, 0.0025, colLen / 2 - 1e-5)}" rgba="0 0 0 0" group="4"/>`,
      );
    }
  }
  return `<body name="${name}" pos="0 0 0">
  <joint name="${name}" type="slide" axis="0 ${s} 0" range="${f(FINGER_CLOSED)} ${f(FINGER_OPEN)}" damping="2" armature="0.01"/>
  <geom name="${name}" type="box" pos="${v3(cx, s * (PAD_RADIUS + FINGER_HALF_THICK), 0)}" size="${v3(FINGER_LEN / 2, FINGER_HALF_THICK, FINGER_HALF_WIDTH)}" rgba="${colour}" mass="0.02" friction="2 0.05 0.001" condim="4" priority="1"/>
  ${pads.join('\n  ')}
</body>`;
}

function armXml(side: ArmSide): string {
  const [bx, by] = ARM_BASE[side];
  const quat = side === 'left' ? '1 0 0 0' : '0 0 0 1';
  const dark = '0.15 0.15 0.17 1';
  const link = side === 'left' ? '0.55 0.57 0.62 1' : '0.62 0.58 0.52 1';
  const finger = '0.2 0.2 0.22 1';
  const p = `${side}_`;
  return `<body name="${p}base" pos="${v3(bx, by, 0)}" quat="${quat}">
  <geom name="${p}base" type="cylinder" size="0.06 0.036" pos="0 0 0.036" rgba="${dark}"/>
  <body name="${p}waist" pos="${v3(0, 0, WAIST_Z)}" gravcomp="1">
    <joint name="${p}waist" axis="0 0 1" range="${ARM_JOINT_LIMITS[0]!.join(' ')}"/>
    <geom name="${p}waist" type="cylinder" size="0.045 0.022" pos="0 0 0.024" rgba="${link}"/>
    <body name="${p}shoulder" pos="${v3(0, 0, SHOULDER_Z)}" gravcomp="1">
      <joint name="${p}shoulder" axis="0 1 0" range="${ARM_JOINT_LIMITS[1]!.join(' ')}"/>
      <geom name="${p}upper_arm" type="capsule" fromto="${v3(0, 0, 0)} ${v3(UPPER_ARM[0], 0, UPPER_ARM[1])}" size="0.028" rgba="${link}"/>
      <body name="${p}upper_forearm" pos="${v3(UPPER_ARM[0], 0, UPPER_ARM[1])}" gravcomp="1">
        <joint name="${p}elbow" axis="0 1 0" range="${ARM_JOINT_LIMITS[2]!.join(' ')}"/>
        <geom name="${p}upper_forearm" type="capsule" fromto="0 0 0 ${f(FOREARM)} 0 0" size="0.024" rgba="${link}"/>
        <body name="${p}lower_forearm" pos="${v3(FOREARM, 0, 0)}" gravcomp="1">
          <joint name="${p}forearm_roll" axis="1 0 0" range="${ARM_JOINT_LIMITS[3]!.join(' ')}"/>
          <geom name="${p}lower_forearm" type="cylinder" fromto="0 0 0 ${f(LOWER_FOREARM)} 0 0" size="0.022" rgba="${dark}"/>
          <body name="${p}wrist" pos="${v3(LOWER_FOREARM, 0, 0)}" gravcomp="1">
            <joint name="${p}wrist_angle" axis="0 1 0" range="${ARM_JOINT_LIMITS[4]!.join(' ')}"/>
            <geom name="${p}wrist" type="capsule" fromto="0 0 0 ${f(WRIST - 0.015)} 0 0" size="0.02" rgba="${link}"/>
            <body name="${p}gripper" pos="${v3(WRIST, 0, 0)}" gravcomp="1">
              <joint name="${p}wrist_rotate" axis="1 0 0" range="${ARM_JOINT_LIMITS[5]!.join(' ')}"/>
              <geom name="${p}palm" type="box" pos="0.02 0 0" size="0.022 0.06 0.018" rgba="${dark}"/>
              <site name="${p}tcp" pos="${v3(TCP_OFFSET, 0, 0)}" size="0.004" rgba="1 0 1 0" group="4"/>
              <camera name="${p}wrist" pos="0.0 0 0.07" xyaxes="0 -1 0 0.34 0 0.94" fovy="75"/>
              ${fingerXml(side, 'a', finger)}
              ${fingerXml(side, 'b', finger)}
            </body>
          </body>
        </body>
      </body>
    </body>
  </body>
</body>`;
}

function armActuators(side: ArmSide): string {
  const p = `${side}_`;
  const gains: readonly (readonly [string, number, number, number])[] = [
    ['waist', 800, 80, 150],
    ['shoulder', 1600, 160, 300],
    ['elbow', 800, 80, 150],
    ['forearm_roll', 200, 20, 50],
    ['wrist_angle', 200, 20, 50],
    ['wrist_rotate', 100, 10, 30],
  ];
  const arm = gains.map(
    ([j, kp, kv, fr]) =>
      `<position name="${p}${j}" joint="${p}${j}" kp="${kp}" kv="${kv}" forcerange="${-fr} ${fr}" ctrlrange="${ARM_JOINT_LIMITS[ARM_JOINT_NAMES.indexOf(j as never)]!.join(' ')}"/>`,
  );
  const fingers = FINGER_NAMES.map(
    (n) =>
      `<position name="${p}finger_${n}" joint="${p}finger_${n}" kp="400" kv="10" forcerange="-8 8" ctrlrange="${f(FINGER_CLOSED)} ${f(FINGER_OPEN)}"/>`,
  );
  return [...arm, ...fingers].join('\n');
}

function touchSensors(side: ArmSide): string {
  const out: string[] = [];
  for (const n of FINGER_NAMES) {
    for (let r = 0; r < TAXEL_ROWS; r++) {
      for (let c = 0; c < TAXEL_COLS; c++) out.push(`<touch name="${side}_finger_${n}_taxel_${r}_${c}" site="${side}_finger_${n}_taxel_${r}_${c}"/>`);
    }
  }
  return out.join('\n');
}

/** The arms a task uses, in action order (left then right, as ALOHA). */
export function taskArms(task: SimTaskName): readonly ArmSide[] {
  return task === 'transfer-cube' || task === 'insertion' ? ['left', 'right'] : ['right'];
}

/** Builds the MJCF of a task's scene. */
export function buildSceneXml(task: SimTaskName): string {
  const arms = taskArms(task);
  const objects = taskObjectsXml(task);
  return `<mujoco model="actfusion-${task}">
<compiler angle="radian" autolimits="true"/>
<option timestep="0.002" integrator="implicitfast" cone="elliptic" impratio="10"/>
<visual><global offwidth="640" offheight="480"/></visual>
<default><geom solref="0.004 1" solimp="0.95 0.99 0.001"/><joint damping="1" armature="0.05"/></default>
<worldbody>
<light name="sun" pos="0.3 0.2 2" dir="-0.15 0.2 -1" directional="true"/>
<geom name="floor" type="plane" pos="0 0 -0.75" size="3 3 0.1" rgba="0.35 0.36 0.38 1"/>
<geom name="table" type="box" pos="0 0.6 -0.02" size="0.8 0.45 0.02" rgba="0.55 0.43 0.32 1" friction="1 0.005 0.0001"/>
<geom name="table_leg" type="box" pos="0 0.6 -0.39" size="0.7 0.35 0.35" rgba="0.3 0.24 0.18 1" contype="0" conaffinity="0"/>
<camera name="top" pos="0 0.6 0.8" xyaxes="1 0 0 0 1 0" fovy="78"/>
<camera name="angle" pos="0 -0.2 0.6" xyaxes="1 0 0 0 0.6 0.8" fovy="55"/>
<camera name="front_close" pos="0.15 0.05 0.45" xyaxes="1 0 0 0 0.635 0.772" fovy="45"/>
${arms.map(armXml).join('\n')}
${objects}
</worldbody>
${taskContactXml(task)}
<actuator>
${arms.map(armActuators).join('\n')}
</actuator>
<sensor>
${arms.map(touchSensors).join('\n')}
</sensor>
</mujoco>`;
}
