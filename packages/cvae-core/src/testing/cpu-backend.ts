import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll } from 'vitest';
import { ensureGradientsRegistered } from '../runtime/register-gradients.js';

/** Run this test file on the `cpu` reference backend, with the tfjs-core gradients registered. */
export function useCpuBackend(): void {
  beforeAll(async () => {
    await tf.setBackend('cpu');
    await tf.ready();
    await ensureGradientsRegistered();
  });
}
