import type { SimRng } from './sim-rng.js';
import type { SimTaskName } from './sim-task-name.js';

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

/** What the reward functions know about the running episode besides the physical state. */
export interface EpisodeContext {
  /** Index of this episode's instruction in `task.instructions`. */
  readonly instruction: number;
}

/** Object position lookup (body origin, world frame) passed to the reward functions. */
export type ObjectPositionFn = (body: string) => readonly [number, number, number];

/** One simulated task: objects, randomised initial state, instruction, reward stages. */
export interface SimTask {
  readonly name: SimTaskName;
  readonly maxReward: number;
  /** Episode length in control ticks (ACT: 400 at 50 Hz). */
  readonly episodeLength: number;
  /** Cameras a policy uses by default (ALOHA sim: top). */
  readonly defaultCameras: readonly string[];
  /**
   * The instructions an episode of this task can carry (the episode's `task` string, LeRobot's task
   * column). Single-instruction tasks have one; a multi-instruction task picks one per episode.
   */
  readonly instructions: readonly string[];
  /** Free bodies and their randomised start positions (ACT's sample_box_pose / sample_insertion_pose ranges). */
  sampleObjects(rng: SimRng): readonly ObjectPose[];
  /** Index of the episode's instruction, drawn after the objects from the same seeded generator (default 0). */
  sampleInstruction?(rng: SimRng): number;
  /** Reward stage of the current state (0..maxReward), from contacts and object positions. */
  reward(contacts: ContactSet, objectPos: ObjectPositionFn, episode: EpisodeContext): number;
  /**
   * True when the episode has failed for good (e.g. the wrong object was lifted). The robot latches
   * it: from then on the reward is 0, so the episode cannot succeed any more.
   */
  failed?(contacts: ContactSet, objectPos: ObjectPositionFn, episode: EpisodeContext): boolean;
  /** Human-readable meaning of each reward stage (index = reward). */
  readonly stages: readonly string[];
}
