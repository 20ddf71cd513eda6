import { describe, expect, it } from 'vitest';
import { IMAGES_PREFIX, TAXELS_PREFIX, TOKENS, imageKey, keySuffix, tactileKey, taxelsKey } from '../src/index.js';

describe('feature keys', () => {
  it('spells LeRobot keys and takes them apart', () => {
    expect(imageKey('top')).toBe('observation.images.top');
    expect(tactileKey('left_finger_a')).toBe('observation.tactile.left_finger_a');
    expect(taxelsKey('left_finger_a')).toBe('observation.taxels.left_finger_a');
    expect(keySuffix('observation.images.top', IMAGES_PREFIX)).toBe('top');
    expect(keySuffix('observation.images.', IMAGES_PREFIX)).toBeUndefined();
    expect(keySuffix('observation.images.top', TAXELS_PREFIX)).toBeUndefined();
  });

  it('rejects empty or spaced names, naming them', () => {
    expect(() => imageKey('')).toThrow(/camera name "" must be non-empty/);
    expect(() => taxelsKey('left finger')).toThrow(/tactile sensor name "left finger"/);
  });

  it('has only Symbol DI tokens', () => {
    for (const [name, token] of Object.entries(TOKENS)) expect(typeof token, name).toBe('symbol');
  });
});
