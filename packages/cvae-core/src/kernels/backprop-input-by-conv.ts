import * as tf from '@tensorflow/tfjs-core';
import type { ConvGeometry } from '@actfusion/native-kernels';
import { callWasmKernel, heapF32, release, type BackendWasm } from './wasm-kernel-call.js';

/** One stride phase (residue r of i + padBefore modulo the stride) along one spatial axis. */
interface Phase {
  readonly residue: number;
  /** Taps of the filter in this phase: k = residue + stride * j, j < taps. */
  readonly taps: number;
  /** dy rows to drop before / after, and zero rows to pad before / after, for a 'valid' stride-1 conv. */
  readonly cropBefore: number;
  readonly cropAfter: number;
  readonly padBefore: number;
  readonly padAfter: number;
}

/** The common range of phase indices q and the phases of one axis. */
interface AxisPlan {
  readonly q0: number;
  readonly count: number;
  /** dx index = (q - q0) * stride + residue - offset. */
  readonly offset: number;
  readonly phases: readonly Phase[];
}

/**
 * dx as forward XNNPACK convolutions. With stride 1 it is one Conv2D of dy with the filter flipped in
 * space and its channels swapped. With stride s it splits into s x s phases: the dx pixels with
 * (i + p) mod s = r only see the taps k = r, r + s, ..., so each phase is a stride-1 Conv2D of dy with
 * that (flipped) sub-filter, and the phases are interleaved into dx. No zeros are inserted into dy, so
 * the multiply-adds equal the forward convolution's. Each call packs a new filter into XNNPACK, which
 * costs about as much as the conv itself when the filter is large and the image small.
 */
export function backpropInputByConv(backend: BackendWasm, dy: tf.TensorInfo, filter: tf.TensorInfo, g: ConvGeometry): tf.TensorInfo {
  const rows = planAxis(g.inHeight, g.outHeight, g.filterHeight, g.strideHeight, g.padTop);
  const cols = planAxis(g.inWidth, g.outWidth, g.filterWidth, g.strideWidth, g.padLeft);
  if (g.strideHeight === 1 && g.strideWidth === 1) return phaseConv(backend, dy, filter, g, rows.phases[0]!, cols.phases[0]!);

  const dx = backend.makeOutput([g.batch, g.inHeight, g.inWidth, g.inChannels], 'float32');
  // Phases without taps (filter smaller than the stride) receive no gradient: zero them up front.
  if (rows.phases.some((p) => p.taps === 0) || cols.phases.some((p) => p.taps === 0)) heapF32(backend, dx).fill(0);
  for (const ph of rows.phases) {
    for (const pw of cols.phases) {
      if (ph.taps === 0 || pw.taps === 0) continue;
      const out = phaseConv(backend, dy, filter, g, ph, pw);
      scatterPhase(heapF32(backend, out), heapF32(backend, dx), g, rows, cols, ph.residue, pw.residue);
      release(backend, out);
    }
  }
  return dx;
}

function planAxis(inSize: number, outSize: number, kernel: number, stride: number, padBefore: number): AxisPlan {
  const q0 = Math.floor(padBefore / stride);
  const q1 = Math.floor((inSize - 1 + padBefore) / stride);
  const phases: Phase[] = [];
  for (let r = 0; r < stride; r++) {
    const taps = r < kernel ? Math.ceil((kernel - r) / stride) : 0;
    const first = q0 - (taps - 1); // first dy index the phase reads
    phases.push({
      residue: r,
      taps,
      cropBefore: Math.max(0, first),
      padBefore: Math.max(0, -first),
      cropAfter: Math.max(0, outSize - 1 - q1),
      padAfter: Math.max(0, q1 - (outSize - 1)),
    });
  }
  return { q0, count: q1 - q0 + 1, offset: padBefore - q0 * stride, phases };
}

/** The stride-1 'valid' Conv2D of (cropped, padded) dy with the phase's flipped sub-filter: [N, Qh, Qw, Ci]. */
function phaseConv(backend: BackendWasm, dy: tf.TensorInfo, filter: tf.TensorInfo, g: ConvGeometry, ph: Phase, pw: Phase): tf.TensorInfo {
  const sub = backend.makeOutput([ph.taps, pw.taps, g.outChannels, g.inChannels], 'float32');
  flippedSubFilter(heapF32(backend, filter), heapF32(backend, sub), g, ph, pw);
  let input = dy;
  if (ph.cropBefore + ph.cropAfter + pw.cropBefore + pw.cropAfter > 0) {
    input = callWasmKernel(backend, 'Slice', { x: dy }, {
      begin: [0, ph.cropBefore, pw.cropBefore, 0],
      size: [g.batch, g.outHeight - ph.cropBefore - ph.cropAfter, g.outWidth - pw.cropBefore - pw.cropAfter, g.outChannels],
    });
  }
  const out = callWasmKernel(backend, 'Conv2D', { x: input, filter: sub }, {
    strides: [1, 1],
    pad: [[0, 0], [ph.padBefore, ph.padAfter], [pw.padBefore, pw.padAfter], [0, 0]],
    dataFormat: 'NHWC',
    dilations: [1, 1],
  });
  release(backend, sub);
  if (input !== dy) release(backend, input);
  return out;
}

/**
 * sub[jh, jw, co, ci] = w[kh, kw, ci, co] with kh = rh + sh * (Jh - 1 - jh) (flipped), likewise kw;
 * the Ci x Co blocks are transposed in 32 x 32 tiles.
 */
function flippedSubFilter(w: Float32Array, sub: Float32Array, g: ConvGeometry, ph: Phase, pw: Phase): void {
  const ci = g.inChannels;
  const co = g.outChannels;
  const block = ci * co;
  const T = 32;
  for (let jh = 0; jh < ph.taps; jh++) {
    const kh = ph.residue + g.strideHeight * (ph.taps - 1 - jh);
    for (let jw = 0; jw < pw.taps; jw++) {
      const kw = pw.residue + g.strideWidth * (pw.taps - 1 - jw);
      const src = (kh * g.filterWidth + kw) * block;
      const dst = (jh * pw.taps + jw) * block;
      for (let i0 = 0; i0 < ci; i0 += T) {
        const i1 = Math.min(ci, i0 + T);
        for (let o0 = 0; o0 < co; o0 += T) {
          const o1 = Math.min(co, o0 + T);
          for (let i = i0; i < i1; i++) {
            const s = src + i * co;
            for (let o = o0; o < o1; o++) sub[dst + o * ci + i] = w[s + o]!;
          }
        }
      }
    }
  }
}

/** Copies phase (rh, rw) of dx from its [N, Qh, Qw, Ci] conv output. */
function scatterPhase(src: Float32Array, dx: Float32Array, g: ConvGeometry, rows: AxisPlan, cols: AxisPlan, rh: number, rw: number): void {
  const C = g.inChannels;
  const H = g.inHeight;
  const W = g.inWidth;
  for (let n = 0; n < g.batch; n++) {
    for (let qh = 0; qh < rows.count; qh++) {
      const i = qh * g.strideHeight + rh - rows.offset;
      if (i < 0 || i >= H) continue;
      for (let qw = 0; qw < cols.count; qw++) {
        const j = qw * g.strideWidth + rw - cols.offset;
        if (j < 0 || j >= W) continue;
        const s = ((n * rows.count + qh) * cols.count + qw) * C;
        const d = ((n * H + i) * W + j) * C;
        if (C < 16) for (let c = 0; c < C; c++) dx[d + c] = src[s + c]!;
        else dx.set(src.subarray(s, s + C), d);
      }
    }
  }
}
