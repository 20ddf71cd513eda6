import type * as tf from '@tensorflow/tfjs-core';
import type { AdamWParamGroup } from './adamw.js';

/**
 * ACT's two parameter groups (original `policy.py`, LeRobot `get_optim_params`): every trainable
 * parameter whose name does not mark it as backbone at `lr`, the backbone at `lrBackbone`, both
 * with the same weight decay. Empty groups are dropped.
 */
export function actParamGroups(
  params: readonly [string, tf.Variable][],
  options: { lr: number; lrBackbone: number; weightDecay?: number; isBackbone?: (name: string) => boolean },
): AdamWParamGroup[] {
  const isBackbone = options.isBackbone ?? ((n: string) => n.includes('backbone'));
  const trainable = params.filter(([, v]) => v.trainable);
  const groups: AdamWParamGroup[] = [
    { name: 'default', params: trainable.filter(([n]) => !isBackbone(n)), lr: options.lr, weightDecay: options.weightDecay },
    { name: 'backbone', params: trainable.filter(([n]) => isBackbone(n)), lr: options.lrBackbone, weightDecay: options.weightDecay },
  ];
  return groups.filter((g) => g.params.length > 0);
}
