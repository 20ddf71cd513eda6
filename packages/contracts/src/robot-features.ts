import { OBSERVATION_STATE, OBSERVATION_VELOCITY, TASK, imageKey, tactileKey, taxelsKey } from './feature-keys.js';
import type { FeatureSpec } from './feature-spec.js';
import type { RobotSpec } from './robot.js';

/**
 * The observation features a robot's `observe()` emits, from its spec: `observation.state` (joint
 * names), `observation.velocity`, one `observation.images.<camera>` per camera, per tactile
 * sensor `observation.taxels.<sensor>` and (when it renders one) `observation.tactile.<sensor>`,
 * and `task` when the robot reports its instruction.
 */
export function robotFeatures(spec: RobotSpec): FeatureSpec[] {
  const n = spec.joints.length;
  const out: FeatureSpec[] = [{ key: OBSERVATION_STATE, kind: 'state', shape: [n], names: spec.joints.map((j) => j.name) }];
  if (spec.velocity) out.push({ key: OBSERVATION_VELOCITY, kind: 'velocity', shape: [n], names: spec.joints.map((j) => j.name) });
  for (const c of spec.cameras) out.push({ key: imageKey(c.name), kind: 'image', shape: [c.height, c.width, 3] });
  for (const t of spec.tactile ?? []) {
    if (t.image) out.push({ key: tactileKey(t.name), kind: 'tactile-image', shape: [t.image.height, t.image.width, 3] });
  }
  for (const t of spec.tactile ?? []) out.push({ key: taxelsKey(t.name), kind: 'taxels', shape: [t.rows, t.cols] });
  if (spec.task) out.push({ key: TASK, kind: 'text', shape: [] });
  return out;
}
