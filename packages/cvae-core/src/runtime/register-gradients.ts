import * as tf from '@tensorflow/tfjs-core';

/**
 * Makes sure the gradient functions of the tfjs-core kernels are registered.
 *
 * On Node, `@tensorflow/tfjs-core` resolves to its CommonJS bundle, which registers no gradients:
 * `tf.grad(x => tf.sum(x))` fails with "gradient function not found for Sum". Bundlers reach them
 * through `@tensorflow/tfjs-core/dist/register_all_gradients`, but that file is untranspiled ESM
 * with extensionless imports, so Node cannot load it. The Node bundle of `@tensorflow/tfjs-layers`
 * (same version, tfjs-core as peer) carries the same gradient configs and registers them in the
 * process-wide gradient registry that every copy of tfjs-core shares; importing it is the supported
 * way to get them. Nothing is loaded when the gradients are already there (for example when
 * `@tensorflow/tfjs` or `@tensorflow/tfjs-node` was imported first).
 *
 * @returns where the gradients came from.
 */
export async function ensureGradientsRegistered(): Promise<'already-registered' | '@tensorflow/tfjs-layers'> {
  if (hasCoreGradients()) return 'already-registered';
  await import('@tensorflow/tfjs-layers');
  if (!hasCoreGradients()) {
    throw new Error(
      'cvae-core runtime: importing @tensorflow/tfjs-layers did not register the tfjs-core gradients ' +
        '(expected a gradient for Sum, Conv2D, BatchMatMul and GatherV2); check that a single copy of ' +
        '@tensorflow/tfjs-core 4.22 is installed (`npm ls @tensorflow/tfjs-core`).',
    );
  }
  return '@tensorflow/tfjs-layers';
}

function hasCoreGradients(): boolean {
  return ['Sum', 'Conv2D', 'BatchMatMul', 'GatherV2'].every((name) => tf.getGradient(name) != null);
}
