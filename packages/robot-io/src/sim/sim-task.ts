import type { SimRng } from './sim-rng.js';
import type { SimTaskName } from './scene.js';

/** Geom-name contact pairs of the current state, queried by the reward functions. */
export interface ContactSet {
  /** True when a contact between the two named geoms (either order) exists. */
  touching(a: string, b: string): boolean;
  /** True when `a` touches any geom whose name is in `bs`. */
  touchingAny(a: string, bs: readonly string[]): boolean;
}

/** Position of a free object (its body origin) in world coordinates. */
export interface ObjectPose {
  readonly body: string;
  readonly pos: readonly [number, number, number];
}

/** One simulated task: objects, randomised initial state, reward stages. */
export interface SimTask {
  readonly name: SimTaskName;
  readonly maxReward: number;
  /** Episode length in control ticks (ACT: 400 at 50 Hz). */
  readonly episodeLength: number;
  /** Cameras a policy uses by default (ALOHA sim: top). */
  readonly defaultCameras: readonly string[];
  /** Free bodies and their randomised start positions (ACT's sample_box_pose / sample_insertion_pose ranges). */
  sampleObjects(rng: SimRng): readonly ObjectPose[];
  /** Reward stage of the current state (0..maxReward), from contacts and object positions. */
  reward(contacts: ContactSet, objectPos: (body: string) => readonly [number, number, number]): number;
  /** Human-readable meaning of each reward stage (index = reward). */
  readonly stages: readonly string[];
}

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

/** Single-arm quick task: the right arm grasps the cube and lifts it 10 cm. Height comes from the cube's z. */
export interface LiftCubeTask extends SimTask {
  /** Cube centre height (m) above which a grasped cube counts as lifted. */
  readonly liftHeight: number;
}

const LIFT_HEIGHT = 0.1;

export const LIFT_CUBE: LiftCubeTask = {
  name: 'lift-cube',
  maxReward: 4,
  episodeLength: 200,
  defaultCameras: ['angle'],
  liftHeight: LIFT_HEIGHT,
  stages: ['nothing', 'a finger touches the cube', 'both fingers touch (grasped)', 'grasped cube off the table', 'grasped cube lifted 10 cm'],
  sampleObjects(rng) {
    return [{ body: 'box', pos: [rng.uniform(0, 0.2), rng.uniform(0.4, 0.6), 0.05] }];
  },
  reward(c, objectPos) {
    const a = c.touching('red_box', 'right_finger_a');
    const b = c.touching('red_box', 'right_finger_b');
    const onTable = c.touching('red_box', 'table');
    let r = 0;
    if (a || b) r = 1;
    if (a && b) r = 2;
    if (a && b && !onTable) r = 3;
    if (r === 3 && objectPos('box')[2] >= LIFT_HEIGHT) r = 4;
    return r;
  },
};

export const SIM_TASKS: Readonly<Record<SimTaskName, SimTask>> = {
  'transfer-cube': TRANSFER_CUBE,
  insertion: INSERTION,
  'lift-cube': LIFT_CUBE,
};

export function simTask(name: string): SimTask {
  const t = (SIM_TASKS as Record<string, SimTask | undefined>)[name];
  if (!t) throw new Error(`unknown sim task "${name}": expected one of ${Object.keys(SIM_TASKS).join(', ')}`);
  return t;
}
