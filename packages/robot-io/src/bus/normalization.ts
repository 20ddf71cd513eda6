/** LeRobot's `MotorNormMode`: how raw ticks map to the numbers policies see. */
export type MotorNormMode = 'DEGREES' | 'RANGE_M100_100' | 'RANGE_0_100';

export const MOTOR_NORM_MODES: readonly MotorNormMode[] = ['DEGREES', 'RANGE_M100_100', 'RANGE_0_100'];

/** The calibration fields normalisation needs (LeRobot `MotorCalibration`). */
export interface NormRange {
  readonly rangeMin: number;
  readonly rangeMax: number;
  /** 1 = reversed direction. */
  readonly driveMode: number;
}

export interface NormOptions {
  /** Ticks per revolution (4096 for X-series and STS3215). */
  readonly resolution: number;
  /** LeRobot applies drive mode in software for Feetech only (Dynamixel does it in hardware). */
  readonly applyDriveMode: boolean;
}

function check(range: NormRange, motor: string): void {
  if (range.rangeMax === range.rangeMin) {
    throw new RangeError(`invalid calibration for motor "${motor}": range_min and range_max are equal (${range.rangeMin})`);
  }
}

/** Raw ticks -> normalised value, exactly as LeRobot `MotorsBus._normalize`. */
export function normalize(mode: MotorNormMode, raw: number, range: NormRange, options: NormOptions, motor = '?'): number {
  check(range, motor);
  const { rangeMin: min, rangeMax: max } = range;
  const reversed = options.applyDriveMode && range.driveMode !== 0;
  const bounded = Math.min(max, Math.max(min, raw));
  switch (mode) {
    case 'RANGE_M100_100': {
      const norm = ((bounded - min) / (max - min)) * 200 - 100;
      return reversed ? -norm : norm;
    }
    case 'RANGE_0_100': {
      const norm = ((bounded - min) / (max - min)) * 100;
      return reversed ? 100 - norm : norm;
    }
    case 'DEGREES': {
      const mid = (min + max) / 2;
      return ((raw - mid) * 360) / (options.resolution - 1);
    }
  }
}

/** Normalised value -> raw ticks, exactly as LeRobot `MotorsBus._unnormalize` (truncates like `int()`). */
export function unnormalize(mode: MotorNormMode, value: number, range: NormRange, options: NormOptions, motor = '?'): number {
  check(range, motor);
  if (!Number.isFinite(value)) throw new RangeError(`motor "${motor}": cannot unnormalize non-finite value ${value}`);
  const { rangeMin: min, rangeMax: max } = range;
  const reversed = options.applyDriveMode && range.driveMode !== 0;
  switch (mode) {
    case 'RANGE_M100_100': {
      const v = Math.min(100, Math.max(-100, reversed ? -value : value));
      return Math.trunc(((v + 100) / 200) * (max - min) + min);
    }
    case 'RANGE_0_100': {
      const v = Math.min(100, Math.max(0, reversed ? 100 - value : value));
      return Math.trunc((v / 100) * (max - min) + min);
    }
    case 'DEGREES': {
      const mid = (min + max) / 2;
      return Math.trunc((value * (options.resolution - 1)) / 360 + mid);
    }
  }
}
