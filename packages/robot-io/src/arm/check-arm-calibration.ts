import { calibrationSource, type ArmCalibration } from '../bus/calibration.js';
import { servoModel } from '../bus/control-tables.js';
import type { Motor } from '../bus/motors-bus.js';

/**
 * A calibration must describe exactly this arm before it is written to the servos or used for
 * limits: one entry per motor, the same ids, and ranges of motion inside the model's position
 * range (a range beyond it would let a target outside the servo's travel through the safety layer).
 * Errors name the calibration file, the motor and the field.
 */
export function checkArmCalibration(arm: string, motors: Readonly<Record<string, Motor>>, calibration: ArmCalibration): void {
  const source = calibrationSource(calibration);
  const names = Object.keys(motors);
  for (const name of names) {
    const motor = motors[name]!;
    const c = calibration[name];
    if (!c) throw new RangeError(`${source}: no entry for motor "${name}" (the ${arm} arm has ${names.join(', ')})`);
    if (c.id !== motor.id) throw new RangeError(`${source}: ${name}.id is ${c.id}, but the ${arm} arm's ${name} is servo id ${motor.id}`);
    const top = servoModel(motor.model).resolution - 1;
    for (const [field, v] of [['range_min', c.rangeMin], ['range_max', c.rangeMax]] as const) {
      if (v < 0 || v > top) throw new RangeError(`${source}: ${name}.${field} is ${v}; expected 0..${top} (the ${motor.model}'s position range)`);
    }
  }
  const extra = Object.keys(calibration).filter((m) => !(m in motors));
  if (extra.length > 0) throw new RangeError(`${source}: motor${extra.length > 1 ? 's' : ''} ${extra.map((m) => `"${m}"`).join(', ')} not on the ${arm} arm (it has ${names.join(', ')}); is this another arm's calibration?`);
}
