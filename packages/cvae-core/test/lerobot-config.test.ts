import { describe, expect, it } from 'vitest';
import { describeLeRobotConfig, toLeRobotConfig } from '../src/policy/lerobot-config.js';
import { parsePolicyConfig } from '../src/policy/policy-config.js';

describe('LeRobot ACTConfig mapping', () => {
  const config = parsePolicyConfig({ dimModel: 64, nHeads: 4, chunkSize: 20, preNorm: true, useVae: false, klWeight: 5 });
  const spec = { stateDim: 6, actionDim: 6, cameras: { top: [96, 128] as const, wrist: [64, 64] as const } };

  it('round-trips config and observation spec (camera order kept)', () => {
    const json = toLeRobotConfig(config, spec, { width: 32 });
    expect(json['backbone_width']).toBe(32);
    const d = describeLeRobotConfig(JSON.parse(JSON.stringify(json)));
    expect(d.config).toEqual(config);
    expect(d.spec).toEqual(spec);
    expect(Object.values(d.cameraKeys)).toEqual(['observation.images.top', 'observation.images.wrist']);
  });

  it('names the bad field and the file', () => {
    const json = toLeRobotConfig(config, spec);
    expect(() => describeLeRobotConfig({ ...json, n_heads: 'eight' }, 'ckpt/config.json')).toThrow(/ckpt\/config\.json: .*n_heads/);
    expect(() => describeLeRobotConfig({ ...json, input_features: { 'observation.environment_state': { type: 'ENV', shape: [3] } } }, 'c.json')).toThrow(
      /observation\.environment_state.*not supported/,
    );
  });
});
