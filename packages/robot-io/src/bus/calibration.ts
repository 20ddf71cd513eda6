import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '@actfusion/atomic-file';

/** LeRobot `MotorCalibration`: one motor's homing offset and range of motion, in raw ticks. */
export interface MotorCalibration {
  readonly id: number;
  readonly driveMode: number;
  readonly homingOffset: number;
  readonly rangeMin: number;
  readonly rangeMax: number;
}

/** Motor name -> calibration, as in `~/.cache/huggingface/lerobot/calibration/robots/<robot>/<id>.json`. */
export type ArmCalibration = Readonly<Record<string, MotorCalibration>>;

const FIELDS = [
  ['id', 'id'],
  ['drive_mode', 'driveMode'],
  ['homing_offset', 'homingOffset'],
  ['range_min', 'rangeMin'],
  ['range_max', 'rangeMax'],
] as const;

/**
 * Parse LeRobot's calibration JSON (`{"shoulder_pan": {"id": 1, "drive_mode": 0,
 * "homing_offset": -1024, "range_min": 800, "range_max": 3300}, ...}`). Errors name the source,
 * the motor and the field.
 */
export function parseCalibration(json: unknown, source = 'calibration'): ArmCalibration {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new TypeError(`${source}: expected an object of motor name -> calibration`);
  }
  const out: Record<string, MotorCalibration> = {};
  for (const [motor, entry] of Object.entries(json as Record<string, unknown>)) {
    if (typeof entry !== 'object' || entry === null) throw new TypeError(`${source}: ${motor}: expected an object`);
    const values: Record<string, number> = {};
    for (const [key, field] of FIELDS) {
      const v = (entry as Record<string, unknown>)[key];
      if (typeof v !== 'number' || !Number.isInteger(v)) {
        throw new TypeError(`${source}: ${motor}.${key}: expected an integer, got ${JSON.stringify(v)}`);
      }
      values[field] = v;
    }
    if (values.id! < 0 || values.id! > 252) throw new RangeError(`${source}: ${motor}.id: expected a servo id in 0..252, got ${values.id}`);
    if (values.driveMode !== 0 && values.driveMode !== 1) throw new RangeError(`${source}: ${motor}.drive_mode: expected 0 or 1, got ${values.driveMode}`);
    if (values.rangeMin! >= values.rangeMax!) {
      throw new RangeError(`${source}: ${motor}: range_min (${values.rangeMin}) must be below range_max (${values.rangeMax})`);
    }
    out[motor] = values as unknown as MotorCalibration;
  }
  return out;
}

/** LeRobot's on-disk form (snake_case keys, motor order kept). */
export function calibrationToJson(calibration: ArmCalibration): Record<string, Record<string, number>> {
  return Object.fromEntries(
    Object.entries(calibration).map(([motor, c]) => [
      motor,
      { id: c.id, drive_mode: c.driveMode, homing_offset: c.homingOffset, range_min: c.rangeMin, range_max: c.rangeMax },
    ]),
  );
}

/** Where a calibration was read from (set by `loadCalibration`), for error messages. */
const sources = new WeakMap<ArmCalibration, string>();

/** The file a calibration came from, or `calibration` when it was built in memory. */
export function calibrationSource(calibration: ArmCalibration): string {
  return sources.get(calibration) ?? 'calibration';
}

export async function loadCalibration(path: string): Promise<ArmCalibration> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read calibration file ${path}: ${(err as Error).message}`, { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new SyntaxError(`${path}: not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  const calibration = parseCalibration(json, path);
  sources.set(calibration, path);
  return calibration;
}

/** Write LeRobot-compatible JSON atomically (temp file + rename), indented like LeRobot's. */
export async function saveCalibration(path: string, calibration: ArmCalibration): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(calibrationToJson(calibration), null, 4) + '\n');
}
