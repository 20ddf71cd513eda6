import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { builtAddonPath, loadNativeKernels, NATIVE_ADDON_ENV, packConvGeometry } from '../src/index.js';

const findBlas = fileURLToPath(new URL('../scripts/find-blas.cjs', import.meta.url));
const built = loadNativeKernels();

afterEach(() => {
  delete process.env[NATIVE_ADDON_ENV];
});

/** A [rows, cols] row-major matrix product, plainly. */
function reference(a: Float32Array, b: Float32Array, m: number, n: number, k: number, ta: boolean, tb: boolean): Float32Array {
  const out = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += (ta ? a[p * m + i]! : a[i * k + p]!) * (tb ? b[j * k + p]! : b[p * n + j]!);
      out[i * n + j] = s;
    }
  }
  return out;
}

const random = (n: number, seed: number): Float32Array => Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 7919 + i * 104729));

describe('loadNativeKernels', () => {
  it('reports a missing addon file in one sentence instead of throwing', () => {
    process.env[NATIVE_ADDON_ENV] = '/nonexistent/addon.node';
    const load = loadNativeKernels();
    expect(load).toEqual({ ok: false, reason: `native addon not found at /nonexistent/addon.node (set by ${NATIVE_ADDON_ENV})` });
  });

  it('reports a file that is not an addon', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'native-kernels-'));
    const file = join(dir, 'not-an-addon.node');
    await writeFile(file, 'not a shared library');
    process.env[NATIVE_ADDON_ENV] = file;
    const load = loadNativeKernels();
    await rm(dir, { recursive: true, force: true });
    expect(load.ok).toBe(false);
    if (!load.ok) expect(load.reason).toMatch(/^native addon .*not-an-addon\.node failed to load: .*(invalid ELF header|file too short)/);
  });

  it('the BLAS probe of the build says 0 when BLAS is switched off (the addon then builds without kernels)', () => {
    const r = spawnSync(process.execPath, [findBlas], { encoding: 'utf8', env: { ...process.env, ACTFUSION_NATIVE_BLAS: 'off' } });
    expect(r.stdout).toBe('0');
    expect(r.stderr).toMatch(/OpenBLAS \(cblas\.h, libopenblas\) not found; building without native kernels/);
  });

  it.skipIf(!built.ok)('the built addon links OpenBLAS and multiplies like the definition, with transposes and batches (needs libopenblas-dev)', () => {
    if (!built.ok) return;
    expect(built.file).toBe(builtAddonPath());
    expect(built.info.config).toMatch(/^OpenBLAS \d/);
    const { kernels } = built;
    expect(kernels.setThreads(1)).toBe(1);
    for (const [m, n, k, ta, tb] of [[3, 4, 5, false, false], [17, 9, 33, true, false], [8, 31, 7, false, true], [12, 12, 64, true, true]] as const) {
      const batch = 3;
      const a = random(batch * m * k, m);
      const b = random(batch * k * n, n);
      const out = new Float32Array(batch * m * n);
      kernels.matMul(a, b, out, batch, batch, m, n, k, ta, tb);
      for (let i = 0; i < batch; i++) {
        const ref = reference(a.subarray(i * m * k, (i + 1) * m * k), b.subarray(i * k * n, (i + 1) * k * n), m, n, k, ta, tb);
        const got = out.subarray(i * m * n, (i + 1) * m * n);
        for (let j = 0; j < ref.length; j++) expect(Math.abs(got[j]! - ref[j]!), `[${m},${n},${k}] ${ta} ${tb} batch ${i} at ${j}`).toBeLessThan(1e-4);
      }
    }
  });

  it.skipIf(!built.ok)('refuses arrays too short for the shapes, naming the argument (needs libopenblas-dev)', () => {
    if (!built.ok) return;
    expect(() => built.kernels.matMul(new Float32Array(5), new Float32Array(6), new Float32Array(4), 1, 1, 2, 2, 3, false, false)).toThrow(/a has 5 elements, needs 6/);
    const g = packConvGeometry({
      batch: 1, inHeight: 4, inWidth: 4, inChannels: 2, outHeight: 4, outWidth: 4, outChannels: 3,
      filterHeight: 3, filterWidth: 3, strideHeight: 1, strideWidth: 1, dilationHeight: 1, dilationWidth: 1, padTop: 1, padLeft: 1,
    });
    expect(() => built.kernels.conv2d(new Float32Array(32), new Float32Array(54), new Float32Array(47), g)).toThrow(/y has 47 elements, needs 48/);
    expect(() => built.kernels.conv2d(new Float32Array(32), new Float32Array(54), new Float32Array(48), new Int32Array(3))).toThrow(/geometry must be an Int32Array of 15 values/);
    expect(() => built.kernels.maxPoolGrad(new Float32Array(32), new Float32Array(48), new Float32Array(32), g)).toThrow(/maxPoolGrad: the geometry's in and out channels must be equal/);
  });
});

describe('packConvGeometry', () => {
  it('refuses values that are not non-negative int32s, naming the position', () => {
    expect(() =>
      packConvGeometry({
        batch: 1, inHeight: 4, inWidth: 4.5, inChannels: 2, outHeight: 4, outWidth: 4, outChannels: 3,
        filterHeight: 3, filterWidth: 3, strideHeight: 1, strideWidth: 1, dilationHeight: 1, dilationWidth: 1, padTop: 1, padLeft: 1,
      }),
    ).toThrow(/value 2 \(4\.5\) must be an int32 >= 0/);
  });
});
