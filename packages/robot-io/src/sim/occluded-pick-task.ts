import { LIFT_GAIN, liftStage, liftStageNames, pickedUp } from './lift-stages.js';
import { SHORT_BLOCK_HALF_HEIGHT, TALL_BLOCK_HALF_HEIGHT } from './scene-objects.js';
import type { SimTask } from './sim-task-types.js';

/** The two block slots under the cover (x, y of the block centre before jitter). The probe slot is nearer the right arm. */
export const PROBE_SLOT: readonly [number, number] = [0.16, 0.5];
export const OTHER_SLOT: readonly [number, number] = [0.04, 0.5];
/** Hidden placement noise of each block around its slot (+/- m, x and y). */
export const SLOT_JITTER = 0.005;

export interface OccludedPickTask extends SimTask {
  readonly liftHeight: number;
  /** True when the tall block is in the probe slot (privileged: what the cover hides). */
  tallInProbeSlot(objectPos: (body: string) => readonly [number, number, number]): boolean;
}

/**
 * Contact task: a tall (5 cm) and a short (2.5 cm) block with the same 4 x 4 cm footprint sit in
 * two fixed slots under an opaque cover; which slot holds the tall one is drawn from the seed. The
 * instruction is always to lift the tall block. The cover hides both blocks from every camera, and
 * both are as wide as each other, so the gripper closes to the same opening on either: only the
 * finger-pad taxels tell them apart (closed at the probe height, all four rows press on the tall
 * block, only the two fingertip rows on the short one). The blocks slide on the table almost freely
 * (see `taskContactXml`), so a grip loads the arm the same way wherever the hidden jitter put them.
 * Stages follow lift-cube on the tall block; picking up the short block fails the episode.
 */
export const OCCLUDED_PICK: OccludedPickTask = {
  name: 'occluded-pick',
  maxReward: 4,
  episodeLength: 350,
  defaultCameras: ['angle'],
  instructions: ['lift the tall block from under the cover'],
  liftHeight: LIFT_GAIN,
  stages: liftStageNames('the tall block'),
  sampleObjects(rng) {
    const tallInProbe = rng.next() < 0.5;
    const at = (slot: readonly [number, number], halfHeight: number): readonly [number, number, number] => [
      slot[0] + rng.uniform(-SLOT_JITTER, SLOT_JITTER),
      slot[1] + rng.uniform(-SLOT_JITTER, SLOT_JITTER),
      halfHeight + 0.002,
    ];
    const tall = at(tallInProbe ? PROBE_SLOT : OTHER_SLOT, TALL_BLOCK_HALF_HEIGHT);
    const short = at(tallInProbe ? OTHER_SLOT : PROBE_SLOT, SHORT_BLOCK_HALF_HEIGHT);
    return [
      { body: 'tall_block', pos: tall },
      { body: 'short_block', pos: short },
    ];
  },
  reward(c, objectPos) {
    return liftStage(c, objectPos, 'tall_block', 'tall_block');
  },
  failed(c, objectPos) {
    return pickedUp(c, objectPos, 'short_block', 'short_block');
  },
  tallInProbeSlot(objectPos) {
    const d = (body: string): number => Math.hypot(objectPos(body)[0] - PROBE_SLOT[0], objectPos(body)[1] - PROBE_SLOT[1]);
    return d('tall_block') < d('short_block');
  },
};
