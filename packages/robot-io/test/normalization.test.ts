import { describe, expect, it } from 'vitest';
import { normalize, unnormalize } from '../src/bus/normalization.js';

const range = { rangeMin: 1000, rangeMax: 3000, driveMode: 0 };
const reversed = { ...range, driveMode: 1 };
const sts = { resolution: 4096, applyDriveMode: true };
const dxl = { resolution: 4096, applyDriveMode: false };

describe("LeRobot's normalisation modes", () => {
  it('RANGE_M100_100 maps the range to -100..100 and clamps raw values outside it', () => {
    expect(normalize('RANGE_M100_100', 2000, range, sts)).toBe(0);
    expect(normalize('RANGE_M100_100', 1500, range, sts)).toBe(-50);
    expect(normalize('RANGE_M100_100', 500, range, sts)).toBe(-100);
    expect(normalize('RANGE_M100_100', 1500, reversed, sts)).toBe(50);
    expect(normalize('RANGE_M100_100', 1500, reversed, dxl)).toBe(-50); // Dynamixel: drive mode is in hardware
    expect(unnormalize('RANGE_M100_100', 150, range, sts)).toBe(3000);
    expect(unnormalize('RANGE_M100_100', 50, reversed, sts)).toBe(1500);
  });

  it('RANGE_0_100 maps the range to 0..100 (100 - x when reversed)', () => {
    expect(normalize('RANGE_0_100', 2500, range, sts)).toBe(75);
    expect(normalize('RANGE_0_100', 2500, reversed, sts)).toBe(25);
    expect(unnormalize('RANGE_0_100', 25, reversed, sts)).toBe(2500);
    expect(unnormalize('RANGE_0_100', -5, range, sts)).toBe(1000);
  });

  it('DEGREES is centred on the middle of the range, 360 / (resolution - 1) per tick, no clamp', () => {
    expect(normalize('DEGREES', 2000, range, sts)).toBe(0);
    expect(normalize('DEGREES', 3071, range, sts)).toBeCloseTo((1071 * 360) / 4095, 10);
    expect(normalize('DEGREES', 4000, range, sts)).toBeCloseTo((2000 * 360) / 4095, 10);
    expect(unnormalize('DEGREES', 90, range, sts)).toBe(Math.trunc((90 * 4095) / 360 + 2000));
    for (let raw = 1000; raw <= 3000; raw += 37) {
      expect(Math.abs(unnormalize('DEGREES', normalize('DEGREES', raw, range, sts), range, sts) - raw)).toBeLessThanOrEqual(1);
    }
  });

  it('names the motor when the calibration is degenerate or the value is not finite', () => {
    expect(() => normalize('DEGREES', 0, { rangeMin: 5, rangeMax: 5, driveMode: 0 }, sts, 'wrist_roll')).toThrow(/"wrist_roll".*equal/);
    expect(() => unnormalize('RANGE_0_100', NaN, range, sts, 'gripper')).toThrow(/"gripper".*NaN/);
  });
});
