import { describe, expect, it } from 'vitest';
import { observationSpec } from '@actfusion/contracts';
import { describeLeRobotConfig, toLeRobotConfig } from '../src/policy/lerobot-config.js';
import { parsePolicyConfig } from '../src/policy/policy-config.js';

describe('LeRobot ACTConfig mapping', () => {
  const config = parsePolicyConfig({ dimModel: 64, nHeads: 4, chunkSize: 20, preNorm: true, useVae: false, klWeight: 5 });
  const spec = observationSpec({ stateDim: 6, actionDim: 6, cameras: { top: [96, 128], wrist: [64, 64] } });

  it('round-trips config and observation spec (camera order kept)', () => {
    const json = toLeRobotConfig(config, spec, { width: 32 });
    const d = describeLeRobotConfig(JSON.parse(JSON.stringify(json)));
    expect([d.visionBackbone, d.backboneWidth]).toEqual(['resnet18', 32]);
    expect(d.config).toEqual(config);
    expect(d.spec).toEqual(spec);
    expect(Object.values(d.cameraKeys)).toEqual(['observation.images.top', 'observation.images.wrist']);
  });

  it('claims LeRobot compatibility only for what LeRobot can build', () => {
    const full = toLeRobotConfig(config, spec, { backbone: 'resnet34', width: 64 });
    expect(full['vision_backbone']).toBe('resnet34');
    expect(full['lerobot_compatible']).toBeUndefined();
    const narrow = toLeRobotConfig(config, spec, { backbone: 'resnet18', width: 8 });
    expect(narrow['vision_backbone']).toBe('actfusion-resnet18-w8');
    expect(narrow['lerobot_compatible']).toBe(false);
    expect(String(narrow['lerobot_incompatibility'])).toMatch(/resnet18 at width 8 \(torchvision's is 64\)/);
    const tactile = toLeRobotConfig(config, observationSpec({ stateDim: 6, actionDim: 6, cameras: { top: [96, 128] }, tactile: { pad: [16, 16] } }));
    expect(tactile['lerobot_compatible']).toBe(false);
    // An older actfusion file (backbone_width) still reads.
    const old = describeLeRobotConfig({ ...full, vision_backbone: 'resnet18', backbone_width: 16 });
    expect([old.visionBackbone, old.backboneWidth]).toEqual(['resnet18', 16]);
  });

  it('names the bad field and the file', () => {
    const json = toLeRobotConfig(config, spec);
    expect(() => describeLeRobotConfig({ ...json, n_heads: 'eight' }, 'ckpt/config.json')).toThrow(/ckpt\/config\.json: .*n_heads/);
    expect(() => describeLeRobotConfig({ ...json, input_features: { 'observation.environment_state': { type: 'ENV', shape: [3] } } }, 'c.json')).toThrow(
      /observation\.environment_state.*not supported/,
    );
  });
});
