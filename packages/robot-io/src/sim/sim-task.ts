import type { SimRng } from './sim-rng.js';
import type { SimTaskName } from './scene.js';
import { LIFT_GAIN, liftStage, liftStageNames } from './lift-stages.js';
import { LIFT_COLORED_CUBE } from './lift-colored-cube-task.js';
import { OCCLUDED_PICK } from './occluded-pick-task.js';

export type { ContactSet, EpisodeContext, ObjectPose, ObjectPositionFn, SimTask } from './sim-task-types.js';
import type { ContactSet, SimTask } from './sim-task-types.js';

const LEFT_FINGERS = ['left_finger_a', 'left_finger_b'] as const;
const RIGHT_FINGERS = ['right_finger_a', 'right_finger_b'] as const;
const SOCKET_GEOMS = ['socket-1', 'socket-2', 'socket-3', 'socket-4'] as const;

const touchesFingers = (c: ContactSet, geom: string, fingers: readonly string[]): boolean =>
  fingers.some((f) => c.touching(geom, f));

/** ACT's sim_transfer_cube: right arm picks the cube up and hands it to the left arm. */
export const TRANSFER_CUBE: SimTask = {
  name: 'transfer-cube',
  maxReward: 4,
  episodeLength: 400,
  defaultCameras: ['top'],
  instructions: ['transfer the cube from the right gripper to the left'],
  stages: ['nothing', 'right gripper touches cube', 'cube lifted by right gripper', 'left gripper touches cube', 'cube lifted with left gripper touching (transferred)'],
  sampleObjects(rng) {
    return [{ body: 'box', pos: [rng.uniform(0, 0.2), rng.uniform(0.4, 0.6), 0.05] }];
  },
  reward(c) {
    const right = touchesFingers(c, 'red_box', RIGHT_FINGERS);
    const left = touchesFingers(c, 'red_box', LEFT_FINGERS);
    const onTable = c.touching('red_box', 'table');
    let r = 0;
    if (right) r = 1;
    if (right && !onTable) r = 2;
    if (left) r = 3;
    if (left && !onTable) r = 4;
    return r;
  },
};

/** ACT's sim_insertion: left arm holds the socket, right arm inserts the peg until it touches the pin. */
export const INSERTION: SimTask = {
  name: 'insertion',
  maxReward: 4,
  episodeLength: 400,
  defaultCameras: ['top'],
  instructions: ['insert the peg into the socket'],
  stages: ['nothing', 'both grippers touch their objects', 'peg and socket lifted', 'peg touches socket in the air', 'peg touches the pin (inserted)'],
  sampleObjects(rng) {
    const y = (): number => rng.uniform(0.4, 0.6);
    return [
      { body: 'peg', pos: [rng.uniform(0.1, 0.2), y(), 0.05] },
      { body: 'socket', pos: [rng.uniform(-0.2, -0.1), y(), 0.05] },
    ];
  },
  reward(c) {
    const left = SOCKET_GEOMS.some((s) => touchesFingers(c, s, LEFT_FINGERS));
    const right = touchesFingers(c, 'red_peg', RIGHT_FINGERS);
    const pegOnTable = c.touching('red_peg', 'table');
    const socketOnTable = c.touchingAny('table', SOCKET_GEOMS);
    const pegTouchesSocket = c.touchingAny('red_peg', SOCKET_GEOMS);
    const pin = c.touching('red_peg', 'pin');
    let r = 0;
    if (left && right) r = 1;
    if (left && right && !pegOnTable && !socketOnTable) r = 2;
    if (pegTouchesSocket && !pegOnTable && !socketOnTable) r = 3;
    if (pin) r = 4;
    return r;
  },
};

/**
 * Single-arm quick task: the right arm grasps the cube and lifts it 10 cm: its centre rises
 * `LIFT_GAIN` above where it rests on the table (0.02 m), i.e. to z >= 0.12.
 */
export interface LiftCubeTask extends SimTask {
  /** Height (m) the grasped cube must gain over its resting height to count as lifted. */
  readonly liftHeight: number;
}

export const LIFT_CUBE: LiftCubeTask = {
  name: 'lift-cube',
  maxReward: 4,
  episodeLength: 200,
  defaultCameras: ['angle'],
  instructions: ['lift the cube'],
  liftHeight: LIFT_GAIN,
  stages: liftStageNames('the cube'),
  sampleObjects(rng) {
    return [{ body: 'box', pos: [rng.uniform(0, 0.2), rng.uniform(0.4, 0.6), 0.05] }];
  },
  reward(c, objectPos) {
    return liftStage(c, objectPos, 'red_box', 'box');
  },
};

export const SIM_TASKS: Readonly<Record<SimTaskName, SimTask>> = {
  'transfer-cube': TRANSFER_CUBE,
  insertion: INSERTION,
  'lift-cube': LIFT_CUBE,
  'lift-colored-cube': LIFT_COLORED_CUBE,
  'occluded-pick': OCCLUDED_PICK,
};

export function simTask(name: string): SimTask {
  const t = (SIM_TASKS as Record<string, SimTask | undefined>)[name];
  if (!t) throw new Error(`unknown sim task "${name}": expected one of ${Object.keys(SIM_TASKS).join(', ')}`);
  return t;
}

/** Index of `instruction` (its text or index) in `task.instructions`; an unknown one is an error listing the valid ones. */
export function instructionIndex(task: SimTask, instruction: string | number): number {
  const all = task.instructions;
  const i = typeof instruction === 'number' ? instruction : all.indexOf(instruction);
  if (!Number.isInteger(i) || i < 0 || i >= all.length) {
    throw new Error(`task "${task.name}": unknown instruction ${JSON.stringify(instruction)}; expected one of ${all.map((t) => JSON.stringify(t)).join(', ')} (or an index below ${all.length})`);
  }
  return i;
}
