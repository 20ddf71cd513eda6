/** What the compiled addon (`build/Release/actfusion_native_kernels.node`) exports. */
export interface NativeAddonInfo {
  /** True when the addon was built against OpenBLAS and has kernels. */
  readonly blas: boolean;
  /** OpenBLAS's build description (version, target), when `blas`. */
  readonly config?: string;
  /** The CPU kernel set OpenBLAS chose, when `blas`. */
  readonly core?: string;
  /** OpenBLAS threads now in use, when `blas`. */
  readonly threads?: number;
  /** Cores OpenBLAS sees, when `blas`. */
  readonly cores?: number;
  /** Why there are no kernels, when not `blas`. */
  readonly reason?: string;
}

/**
 * The kernels. Every array is float32, dense, row-major; outputs are overwritten. Geometry of a
 * convolution: see `ConvGeometry` (15 int32 values). All run synchronously on the calling thread
 * (and OpenBLAS's threads), reading and writing the arrays in place.
 */
export interface NativeKernels {
  info(): NativeAddonInfo;
  /**
   * out[i] = op(a[i]) x op(b[i]) for i < max(batchA, batchB); a batch of 1 broadcasts. op(a) is [m, k]
   * (a stored [k, m] when transposeA), op(b) is [k, n] (b stored [n, k] when transposeB).
   */
  matMul(a: Float32Array, b: Float32Array, out: Float32Array, batchA: number, batchB: number, m: number, n: number, k: number, transposeA: boolean, transposeB: boolean): void;
  /** y [N,OH,OW,Co] = x [N,H,W,Ci] convolved with filter [fh,fw,Ci,Co]. */
  conv2d(x: Float32Array, filter: Float32Array, y: Float32Array, geometry: Int32Array): void;
  /** dx [N,H,W,Ci] of the convolution, from dy [N,OH,OW,Co] and the filter. */
  conv2dBackpropInput(dy: Float32Array, filter: Float32Array, dx: Float32Array, geometry: Int32Array): void;
  /** dW [fh,fw,Ci,Co] of the convolution, from x and dy. */
  conv2dBackpropFilter(x: Float32Array, dy: Float32Array, dw: Float32Array, geometry: Int32Array): void;
  /**
   * dx [N,H,W,C] of a max pool from its input x [N,H,W,C] and dy [N,OH,OW,C] (geometry: the pool's
   * window as filter, inChannels == outChannels == C): each window's first maximum per channel (padding
   * never wins) receives the window's dy, summed in tfjs's cpu order.
   */
  maxPoolGrad(x: Float32Array, dy: Float32Array, dx: Float32Array, geometry: Int32Array): void;
  /**
   * Sets the largest im2col block in floats (default 4 Mi = 16 MiB of per-thread scratch; process-wide);
   * returns the previous limit. Convolutions larger than a block are done block by block.
   */
  setIm2colBlockFloats(floats: number): number;
  /** Sets OpenBLAS's thread count (process-wide); returns the count now in use. */
  setThreads(threads: number): number;
}
