import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ImageFrame } from '@actfusion/contracts';

export const FIXTURES = join(import.meta.dirname, 'fixtures');

/** The pixel formula of test/fixtures/aloha/make_fixtures.py. */
export function fixturePixel(t: number, cam: number, h = 24, w = 32): Uint8Array {
  const out = new Uint8Array(h * w * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) {
    out[(y * w + x) * 3 + c] = (2 * x + 2 * y + 3 * t + 30 * c + 20 * cam) % 256;
  }
  return out;
}

/** The low-dimensional formula of make_fixtures.py. */
export function fixtureLowdim(T: number, offset: number, dim = 14): Float32Array {
  const out = new Float32Array(T * dim);
  for (let t = 0; t < T; t++) for (let j = 0; j < dim; j++) out[t * dim + j] = Math.sin(0.1 * t + 0.3 * j + offset);
  return out;
}

/** A smooth synthetic frame, different per (t, seed). */
export function syntheticFrame(t: number, seed: number, h: number, w: number): ImageFrame {
  const data = new Uint8Array(h * w * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) {
    data[(y * w + x) * 3 + c] = Math.round(127 + 100 * Math.sin(0.2 * x + 0.15 * y + 0.3 * t + seed + c));
  }
  return { height: h, width: w, data };
}

export function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]! - b[i]!);
  return s / a.length;
}

export function tempDir(prefix = 'actfusion-datasets-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Debian's Python with h5py (CI installs python3-h5py); undefined when absent. */
export const PYTHON_H5PY: string | undefined = (() => {
  for (const py of ['/usr/bin/python3', 'python3']) {
    if (py.startsWith('/') && !existsSync(py)) continue;
    const r = spawnSync(py, ['-c', 'import h5py, numpy'], { encoding: 'utf8' });
    if (r.status === 0) return py;
  }
  return undefined;
})();

export function runPython(py: string, code: string, args: string[] = []): string {
  const r = spawnSync(py, ['-c', code, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  return r.stdout;
}
