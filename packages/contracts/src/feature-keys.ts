/**
 * Observation feature keys, exactly as LeRobot names them. An observation is a record of
 * features by key; these helpers build and take apart the keys so no package spells them twice.
 */

/** Joint positions, Float32Array. */
export const OBSERVATION_STATE = 'observation.state';
/** Joint velocities, Float32Array (optional). */
export const OBSERVATION_VELOCITY = 'observation.velocity';
/** The task instruction, a string (LeRobot's `task`). */
export const TASK = 'task';
/** Seconds since the episode started. */
export const TIMESTAMP = 'timestamp';
/** The action vector (LeRobot's `action`). */
export const ACTION = 'action';

export const IMAGES_PREFIX = 'observation.images.';
export const TACTILE_PREFIX = 'observation.tactile.';
export const TAXELS_PREFIX = 'observation.taxels.';

export type ImageKey = `observation.images.${string}`;
export type TactileKey = `observation.tactile.${string}`;
export type TaxelsKey = `observation.taxels.${string}`;

/** `observation.images.<camera>`. */
export function imageKey(camera: string): ImageKey {
  return `${IMAGES_PREFIX}${checkName(camera, 'camera')}` as ImageKey;
}

/** `observation.tactile.<sensor>` (the sensor's tactile image). */
export function tactileKey(sensor: string): TactileKey {
  return `${TACTILE_PREFIX}${checkName(sensor, 'tactile sensor')}` as TactileKey;
}

/** `observation.taxels.<sensor>` (the sensor's raw taxel forces). */
export function taxelsKey(sensor: string): TaxelsKey {
  return `${TAXELS_PREFIX}${checkName(sensor, 'tactile sensor')}` as TaxelsKey;
}

/** The camera or sensor name after `prefix`, or undefined when `key` does not start with it. */
export function keySuffix(key: string, prefix: string): string | undefined {
  return key.startsWith(prefix) && key.length > prefix.length ? key.slice(prefix.length) : undefined;
}

function checkName(name: string, what: string): string {
  if (name.length === 0 || /\s/.test(name)) throw new Error(`${what} name ${JSON.stringify(name)} must be non-empty and contain no whitespace`);
  return name;
}
