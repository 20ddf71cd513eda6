import { heightGained } from './scene-objects.js';
import type { ContactSet, ObjectPositionFn } from './sim-task-types.js';

/** Height a grasped object must gain over its resting height for the "lifted 10 cm" stages (m). */
export const LIFT_GAIN = 0.1;
/** Height over its resting height above which a held object counts as picked up (the wrong-object failure). */
export const PICKED_UP_GAIN = 0.01;

/** Stage names of a single-arm lift of `what` (index = reward). */
export const liftStageNames = (what: string): readonly string[] => [
  'nothing',
  `a finger touches ${what}`,
  `both fingers touch ${what} (grasped)`,
  `${what} grasped and off the table`,
  `${what} grasped and lifted 10 cm`,
];

const held = (c: ContactSet, geom: string): { a: boolean; b: boolean } => ({
  a: c.touching(geom, 'right_finger_a'),
  b: c.touching(geom, 'right_finger_b'),
});

/**
 * Reward stage of a single-arm (right) lift of the object with geom `geom` on body `body`: 1 a
 * finger touches it, 2 both fingers do, 3 both do and it is off the table, 4 and its centre has
 * risen `LIFT_GAIN` over its resting height (so "10 cm" is 10 cm of lift, whatever the object's size).
 */
export function liftStage(c: ContactSet, objectPos: ObjectPositionFn, geom: string, body: string): number {
  const { a, b } = held(c, geom);
  const onTable = c.touching(geom, 'table');
  let r = 0;
  if (a || b) r = 1;
  if (a && b) r = 2;
  if (a && b && !onTable) r = 3;
  if (r === 3 && heightGained(body, objectPos(body)[2]) >= LIFT_GAIN) r = 4;
  return r;
}

/** True when both right fingers hold the object and it is `PICKED_UP_GAIN` above its resting height. */
export function pickedUp(c: ContactSet, objectPos: ObjectPositionFn, geom: string, body: string): boolean {
  const { a, b } = held(c, geom);
  return a && b && heightGained(body, objectPos(body)[2]) >= PICKED_UP_GAIN;
}
