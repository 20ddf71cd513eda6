import { LIFT_GAIN, liftStage, liftStageNames, pickedUp } from './lift-stages.js';
import type { SimTask } from './sim-task-types.js';

/** The instructions of `lift-colored-cube`, and the cube (body, geom) each one asks for. */
export const COLORED_CUBE_INSTRUCTIONS = ['lift the red cube', 'lift the blue cube'] as const;
const TARGETS = [
  { body: 'box', geom: 'red_box' },
  { body: 'blue_box', geom: 'blue_box' },
] as const;

/** Lateral slots of the two cubes (y ranges), 12 cm or more apart so open fingers never touch the other cube. */
const NEAR_Y: readonly [number, number] = [0.36, 0.44];
const FAR_Y: readonly [number, number] = [0.56, 0.64];
const X: readonly [number, number] = [0.02, 0.2];

export interface LiftColoredCubeTask extends SimTask {
  readonly liftHeight: number;
  /** The body and geom the instruction with this index asks to lift. */
  target(instruction: number): { readonly body: string; readonly geom: string };
}

const targetOf = (instruction: number): (typeof TARGETS)[number] => {
  const t = TARGETS[instruction];
  if (!t) throw new Error(`lift-colored-cube: instruction index ${instruction} is not one of 0..${TARGETS.length - 1}`);
  return t;
};

/**
 * Multi-instruction task: a red and a blue cube both lie in reach of the right arm; the episode's
 * instruction says which one to lift. Which colour sits in which slot and which instruction is
 * given are drawn independently from the seed, so the start state alone does not tell which cube
 * to lift: a policy that sees only the cameras and the joints can do no better than guess.
 * Stages follow lift-cube on the instructed cube; picking up the other cube (held by both
 * fingers, 1 cm above its resting height) fails the episode.
 */
export const LIFT_COLORED_CUBE: LiftColoredCubeTask = {
  name: 'lift-colored-cube',
  maxReward: 4,
  episodeLength: 200,
  defaultCameras: ['angle'],
  instructions: COLORED_CUBE_INSTRUCTIONS,
  liftHeight: LIFT_GAIN,
  stages: liftStageNames('the instructed cube'),
  target: targetOf,
  sampleObjects(rng) {
    const redNear = rng.next() < 0.5;
    const near = [rng.uniform(X[0], X[1]), rng.uniform(NEAR_Y[0], NEAR_Y[1]), 0.05] as const;
    const far = [rng.uniform(X[0], X[1]), rng.uniform(FAR_Y[0], FAR_Y[1]), 0.05] as const;
    return [
      { body: 'box', pos: redNear ? near : far },
      { body: 'blue_box', pos: redNear ? far : near },
    ];
  },
  sampleInstruction(rng) {
    return rng.next() < 0.5 ? 0 : 1;
  },
  reward(c, objectPos, episode) {
    const t = targetOf(episode.instruction);
    return liftStage(c, objectPos, t.geom, t.body);
  },
  failed(c, objectPos, episode) {
    const other = targetOf(1 - episode.instruction);
    return pickedUp(c, objectPos, other.geom, other.body);
  },
};
