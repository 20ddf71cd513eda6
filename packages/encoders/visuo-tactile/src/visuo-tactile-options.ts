import type { ResNetDepth } from '@actfusion/encoder-vision-resnet';

/** DI token of the visuo-tactile encoder's options. */
export const VISUO_TACTILE_OPTIONS = Symbol.for('actfusion.VisuoTactileOptions');

export interface VisuoTactileOptions {
  /**
   * Tactile sensors read as images (`observation.tactile.<sensor>`, GelSight-style, featurised to
   * [B, H, W, 3] in [0, 1]) through a ResNet, in token order. Default: every `tactile-image`
   * feature of the observation spec. A sensor may also be listed in `taxels` (two features).
   */
  readonly sensors?: readonly string[];
  /**
   * Sensors read as raw taxel arrays (`observation.taxels.<sensor>`, featurised to
   * [B, rows, cols, taxelChannels], shape from the spec): a small MLP makes ONE token per sensor,
   * with its own learned position. Default none.
   */
  readonly taxels?: readonly string[];
  /** Depth of the tactile ResNet: 18 (FreeTacMan, TactileACT) or 34. */
  readonly depth?: ResNetDepth;
  /** First-stage channels of the tactile ResNet (torchvision 64). */
  readonly width?: number;
  /**
   * `false` (default, FreeTacMan): one backbone per image sensor (`tactile_backbones.0`, `.1`, ...).
   * `true`: one backbone for all tactile images (`tactile_backbones.0`). Never shared with the RGB backbone.
   */
  readonly sharedBackbone?: boolean;
  /** `imagenet` (default): tactile images are normalised with ImageNet mean/std; `none`: used as they come. */
  readonly normalize?: 'imagenet' | 'none';
  /** Values per taxel (1: normal force; 3: a 3-axis force). Default: the taxel feature's third dimension, else 1. */
  readonly taxelChannels?: number;
  /** Taxel forces are divided by this when featurised (e.g. the sensor's full-scale force). Default 1. */
  readonly taxelScale?: number;
  /** Hidden width of the taxel MLP. Default 128. */
  readonly taxelHidden?: number;
}
