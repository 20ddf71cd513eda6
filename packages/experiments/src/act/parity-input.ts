import { readFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs-core';
import type { LeRobotPolicyDescription } from '@actfusion/cvae-core/io';
import { featureOf } from '@actfusion/contracts';

/** Observations in the `parity.json` layout of the PyTorch peer (`act_torch.py --export`). */
export interface ParityInput {
  /** [B, S], as given (already normalised). */
  readonly qpos: tf.Tensor2D;
  /** Feature key (`observation.images.cam0`) -> [B, H, W, 3] (NHWC), as given. */
  readonly images: Readonly<Record<string, tf.Tensor4D>>;
  /** The expected chunk [B, k, A] when the file has one. */
  readonly expected: number[][][] | null;
}

/**
 * Read `{"observation.state": [B][S], "images": {"observation.images.cam0": [B][3][H][W], ...},
 * "action"?: [B][k][A]}` (already-normalised inputs) into tensors (NHWC images, by feature key;
 * `assembleBatch(policy.encoders, qpos, images)` makes the policy's batch of them).
 * Shapes are checked against the policy's description; errors name the file and field.
 */
export async function readParityInput(path: string, d: LeRobotPolicyDescription): Promise<ParityInput> {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`${path}: cannot read JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  const state = json['observation.state'];
  const S = d.spec.stateDim;
  if (!isMatrix(state) || state.some((r) => r.length !== S)) {
    throw new Error(`${path}: "observation.state" must be a [B][${S}] array of numbers`);
  }
  const B = state.length;
  const images = (json['images'] ?? {}) as Record<string, unknown>;
  const out: Record<string, tf.Tensor4D> = {};
  try {
    for (const key of Object.values(d.cameraKeys)) {
      const [H, W] = featureOf(d.spec, key)!.shape;
      const v = images[key];
      let t: tf.Tensor;
      try {
        t = tf.tensor(v as number[][][][]);
      } catch {
        throw new Error(`${path}: images["${key}"] must be a [${B}][3][${H}][${W}] array of numbers`);
      }
      if (!tf.util.arraysEqual(t.shape, [B, 3, H, W])) {
        const shape = t.shape;
        t.dispose();
        throw new Error(`${path}: images["${key}"] has shape [${shape}], expected [${B}, 3, ${H}, ${W}]`);
      }
      out[key] = tf.tidy(() => tf.transpose(t, [0, 2, 3, 1]) as tf.Tensor4D);
      t.dispose();
    }
  } catch (err) {
    for (const t of Object.values(out)) t.dispose();
    throw err;
  }
  const expected = Array.isArray(json['action']) ? (json['action'] as number[][][]) : null;
  return { qpos: tf.tensor2d(state, [B, S]), images: out, expected };
}

function isMatrix(v: unknown): v is number[][] {
  return Array.isArray(v) && v.length > 0 && v.every((r) => Array.isArray(r) && r.every((x) => typeof x === 'number'));
}
