import type { ServoArmConfig } from '@actfusion/robot-io';
import type { ServoRobotConfig } from '../config/experiment-schema.js';

/**
 * An arm preset (`--arm`) fitted to a `robot.kind: servo` config: the configured servo ids (joint
 * order), protocol and baud rate replace the preset's defaults. A protocol the arm's servos do not
 * speak, a different number of ids than joints, or an id used twice (shadow motors included) is an
 * error naming the config key, before the bus is opened.
 */
export function fitArmToConfig(arm: string, preset: ServoArmConfig, robot: ServoRobotConfig): ServoArmConfig {
  const joints = Object.keys(preset.motors);
  if (robot.protocol !== preset.protocol) throw new Error(`robot.protocol is ${robot.protocol}, but the ${arm} arm's servos speak ${preset.protocol}`);
  if (robot.ids.length !== joints.length) {
    throw new Error(`robot.ids has ${robot.ids.length} servo ids, but the ${arm} arm has ${joints.length} joints (${joints.join(', ')}); give one id per joint, in that order`);
  }
  const shadowIds = Object.values(preset.shadows ?? {}).map((s) => s.id);
  const seen = new Set<number>();
  for (const id of [...robot.ids, ...shadowIds]) {
    if (seen.has(id)) throw new Error(`robot.ids: servo id ${id} is used twice${shadowIds.includes(id) ? ` (the ${arm} arm's shadow motors use ids ${shadowIds.join(', ')})` : ''}`);
    seen.add(id);
  }
  const motors = Object.fromEntries(joints.map((name, i) => [name, { ...preset.motors[name]!, id: robot.ids[i]! }]));
  return { ...preset, motors, bus: { ...preset.bus, baudRate: robot.baud } };
}
