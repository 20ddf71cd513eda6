// NHWC convolutions as matrix products. Rows of the im2col matrix are output pixels (n, oh, ow);
// columns are taps (kh, kw, ci), the filter's own [fh*fw*Ci, Co] layout, so
//   forward:        y[M, Co]  = col[M, K] x W[K, Co]
//   input grad:     col[M, K] = dy[M, Co] x W[K, Co]^T, then scattered back (col2im) into dx
//   filter grad:    dW[K, Co] = col[M, K]^T x dy[M, Co]
// with M = N*OH*OW and K = fh*fw*Ci. The im2col matrix is built in blocks of kBlockRows output pixels
// (fewer when a block would exceed SetIm2ColBlockFloats floats, 4 Mi by default) in a per-thread
// scratch buffer, so memory stays bounded for large images. Small blocks are also faster: a block of
// 512 rows (0.3-9 MiB at ResNet18's K = 147..4608) stays in cache between im2col writing it and sgemm
// packing it; measured at act-paper's shapes (4 x 480 x 640, one thread, forward + both gradients,
// CPU time), layer1's 3x3 64->64 conv took 276 ms in 16 MiB blocks (7,281 rows) against 206 ms in
// blocks of 512 rows, layer2's 224 -> 194 ms, the stem's 401 -> 349 ms; layer3/4 (K = 2304, 4608)
// are the same within 2 % from 256 rows up.
#include "conv.h"

#include <cblas.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <vector>

namespace {

std::atomic<int64_t> maxColFloats{int64_t(4) << 20};  // at most 16 MiB of scratch per block
constexpr int64_t kBlockRows = 512;

thread_local std::vector<float> scratch;

float* Scratch(size_t floats) {
  if (scratch.size() < floats) scratch.resize(floats);
  return scratch.data();
}

int64_t RowsPerBlock(const ConvGeometry& g) {
  const int64_t m = g.n * g.oh * g.ow;
  return std::max<int64_t>(1, std::min<int64_t>({m, kBlockRows, maxColFloats.load() / std::max<int64_t>(1, g.Taps())}));
}

/**
 * The walk Im2Col and its transpose share: for every output pixel r in [r0, r1) and filter row kh,
 * `visit(colOffset, pixelOffset, floats)` over runs of the row's taps: `floats` values at `colOffset`
 * in the block's col matrix that come from `pixelOffset` in x / dx onwards, or -1 where they fall in
 * the padding. With dilation 1 the taps of one filter row that lie inside the image are adjacent
 * pixels, so they form one run (fw * Ci floats when none is in the padding: 21 floats at the 7x7
 * stem on RGB instead of 7 runs of 3).
 */
template <typename Visit>
void ForEachTap(const ConvGeometry& g, int64_t r0, int64_t r1, Visit visit) {
  const int64_t K = g.Taps();
  for (int64_t r = r0; r < r1; r++) {
    const int64_t n = r / (g.oh * g.ow);
    const int64_t rem = r % (g.oh * g.ow);
    const int64_t oh = rem / g.ow, ow = rem % g.ow;
    int64_t colOffset = (r - r0) * K;
    const int64_t image = n * g.h * g.w * g.ci;
    const int64_t iw0 = ow * g.sw - g.padLeft;
    for (int64_t kh = 0; kh < g.fh; kh++) {
      const int64_t ih = oh * g.sh - g.padTop + kh * g.dh;
      if (ih < 0 || ih >= g.h) {
        visit(colOffset, int64_t(-1), g.fw * g.ci);
        colOffset += g.fw * g.ci;
        continue;
      }
      if (g.dw == 1) {
        // Taps kw in [lo, hi) are inside the image.
        const int64_t lo = std::min(g.fw, std::max<int64_t>(0, -iw0));
        const int64_t hi = std::max(lo, std::min(g.fw, g.w - iw0));
        if (lo > 0) visit(colOffset, int64_t(-1), lo * g.ci);
        if (hi > lo) visit(colOffset + lo * g.ci, image + (ih * g.w + iw0 + lo) * g.ci, (hi - lo) * g.ci);
        if (hi < g.fw) visit(colOffset + hi * g.ci, int64_t(-1), (g.fw - hi) * g.ci);
        colOffset += g.fw * g.ci;
        continue;
      }
      for (int64_t kw = 0; kw < g.fw; kw++, colOffset += g.ci) {
        const int64_t iw = iw0 + kw * g.dw;
        visit(colOffset, iw >= 0 && iw < g.w ? image + (ih * g.w + iw) * g.ci : int64_t(-1), g.ci);
      }
    }
  }
}

/** col[r - r0, :] for output pixels r in [r0, r1). */
void Im2Col(const ConvGeometry& g, const float* x, int64_t r0, int64_t r1, float* col) {
  ForEachTap(g, r0, r1, [&](int64_t c, int64_t p, int64_t floats) {
    if (p < 0) std::memset(col + c, 0, sizeof(float) * size_t(floats));
    else std::memcpy(col + c, x + p, sizeof(float) * size_t(floats));
  });
}

/** dx += scatter of col rows [r0, r1) (the transpose of Im2Col). */
void Col2ImAdd(const ConvGeometry& g, const float* col, int64_t r0, int64_t r1, float* dx) {
  ForEachTap(g, r0, r1, [&](int64_t c, int64_t p, int64_t floats) {
    if (p < 0) return;
    float* __restrict d = dx + p;
    const float* __restrict src = col + c;
    for (int64_t i = 0; i < floats; i++) d[i] += src[i];
  });
}

}  // namespace

void Conv2DForward(const ConvGeometry& g, const float* x, const float* filter, float* y) {
  const int64_t m = g.n * g.oh * g.ow, K = g.Taps();
  if (m == 0 || g.co == 0) return;
  if (K == 0) {
    std::memset(y, 0, sizeof(float) * g.OutputSize());
    return;
  }
  if (g.Pointwise()) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, int(m), int(g.co), int(K), 1.0f, x, int(K), filter, int(g.co), 0.0f, y, int(g.co));
    return;
  }
  const int64_t block = RowsPerBlock(g);
  float* col = Scratch(size_t(block * K));
  for (int64_t r0 = 0; r0 < m; r0 += block) {
    const int64_t r1 = std::min(m, r0 + block);
    Im2Col(g, x, r0, r1, col);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, int(r1 - r0), int(g.co), int(K), 1.0f, col, int(K), filter, int(g.co), 0.0f,
                y + r0 * g.co, int(g.co));
  }
}

void Conv2DGradInput(const ConvGeometry& g, const float* dy, const float* filter, float* dx) {
  const int64_t m = g.n * g.oh * g.ow, K = g.Taps();
  if (g.Pointwise() && m > 0 && K > 0 && g.co > 0) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, int(m), int(K), int(g.co), 1.0f, dy, int(g.co), filter, int(g.co), 0.0f, dx, int(K));
    return;
  }
  std::memset(dx, 0, sizeof(float) * g.InputSize());
  if (m == 0 || K == 0 || g.co == 0) return;
  const int64_t block = RowsPerBlock(g);
  float* col = Scratch(size_t(block * K));
  for (int64_t r0 = 0; r0 < m; r0 += block) {
    const int64_t r1 = std::min(m, r0 + block);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, int(r1 - r0), int(K), int(g.co), 1.0f, dy + r0 * g.co, int(g.co), filter, int(g.co),
                0.0f, col, int(K));
    Col2ImAdd(g, col, r0, r1, dx);
  }
}

void Conv2DGradFilter(const ConvGeometry& g, const float* x, const float* dy, float* dw) {
  const int64_t m = g.n * g.oh * g.ow, K = g.Taps();
  if (K == 0 || g.co == 0) return;
  if (m == 0) {
    std::memset(dw, 0, sizeof(float) * g.FilterSize());
    return;
  }
  if (g.Pointwise()) {
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, int(K), int(g.co), int(m), 1.0f, x, int(K), dy, int(g.co), 0.0f, dw, int(g.co));
    return;
  }
  const int64_t block = RowsPerBlock(g);
  float* col = Scratch(size_t(block * K));
  for (int64_t r0 = 0; r0 < m; r0 += block) {
    const int64_t r1 = std::min(m, r0 + block);
    Im2Col(g, x, r0, r1, col);
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, int(K), int(g.co), int(r1 - r0), 1.0f, col, int(K), dy + r0 * g.co, int(g.co),
                r0 == 0 ? 0.0f : 1.0f, dw, int(g.co));
  }
}

int64_t SetIm2ColBlockFloats(int64_t floats) {
  return maxColFloats.exchange(std::max<int64_t>(1, floats));
}
