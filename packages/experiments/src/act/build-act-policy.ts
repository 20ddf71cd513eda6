import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import * as tf from '@tensorflow/tfjs-core';
import { ActPolicy, Rng, type PolicyConfig } from '@actfusion/cvae-core';
import { TOKENS, type ObservationSpec } from '@actfusion/contracts';
import { featuresOfKind } from '@actfusion/contracts';
import { registerJointsEncoder } from '@actfusion/encoder-joints';
import { registerTransformerDecoder } from '@actfusion/decoder-transformer';
import { registerVisionResNet, type VisionResNetOptions } from '@actfusion/encoder-vision-resnet';

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
 * ACT as LeRobot lays it out, composed through DI in a child container: joint state token,
 * ResNet image tokens (cameras in spec order), the DETR decoder, and the `ActPolicy` resolving them.
 */
export function buildActPolicy(parts: ActPolicyParts): { policy: ActPolicy; container: DependencyContainer } {
  const c = (parts.parent ?? rootContainer).createChildContainer();
  c.register(TOKENS.PolicyConfig, { useValue: parts.config });
  c.register(TOKENS.ObservationSpec, { useValue: parts.spec });
  c.register(TOKENS.InitRng, { useValue: new Rng(parts.seed ?? 0) });
  if (parts.spec.stateDim > 0) registerJointsEncoder(c);
  if (featuresOfKind(parts.spec, 'image').length > 0) registerVisionResNet(c, parts.vision ?? {});
  registerTransformerDecoder(c);
  c.register(ActPolicy, { useClass: ActPolicy });
  // Weights are variables; tidy frees any temporary an initialiser forgets (not the variables).
  let policy: ActPolicy | undefined;
  tf.tidy(() => {
    policy = c.resolve(ActPolicy);
  });
  return { policy: policy!, container: c };
}
