import type { DependencyContainer } from 'tsyringe';
import type { ActPolicy, PolicyConfig } from '@actfusion/cvae-core';
import { featuresOfKind, type ObservationSpec } from '@actfusion/contracts';
import { registerJointsEncoder } from '@actfusion/encoder-joints';
import { registerTransformerDecoder } from '@actfusion/decoder-transformer';
import { registerVisionResNet, type VisionResNetOptions } from '@actfusion/encoder-vision-resnet';
import { createPolicyContainer, resolvePolicy } from '../composition/policy-container.js';

export interface ActPolicyParts {
  readonly config: PolicyConfig;
  readonly spec: ObservationSpec;
  /** ResNet options; the vision encoder is left out when the spec has no camera. */
  readonly vision?: VisionResNetOptions;
  /** Seed of the initial weights. */
  readonly seed?: number;
  /** Parent container (default tsyringe's root); a child is made, nothing is registered in the parent. */
  readonly parent?: DependencyContainer;
}

/**
 * ACT as LeRobot lays it out, composed through DI in a child container (`createPolicyContainer`,
 * as every experiment's): joint state token,
 * ResNet image tokens (cameras in spec order), the DETR decoder, and the `ActPolicy` resolving them.
 */
export function buildActPolicy(parts: ActPolicyParts): { policy: ActPolicy; container: DependencyContainer } {
  const c = createPolicyContainer({ config: parts.config, spec: parts.spec, seed: parts.seed ?? 0, ...(parts.parent ? { parent: parts.parent } : {}) });
  if (parts.spec.stateDim > 0) registerJointsEncoder(c);
  if (featuresOfKind(parts.spec, 'image').length > 0) registerVisionResNet(c, parts.vision ?? {});
  registerTransformerDecoder(c);
  return { policy: resolvePolicy(c), container: c };
}
