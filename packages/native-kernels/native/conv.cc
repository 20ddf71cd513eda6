// NHWC convolutions as matrix products. Rows of the im2col matrix are output pixels (n, oh, ow);
// columns are taps (kh, kw, ci), the filter's own [fh*fw*Ci, Co] layout, so
//   forward:        y[M, Co]  = col[M, K] x W[K, Co]
//   input grad:     col[M, K] = dy[M, Co] x W[K, Co]^T, then scattered back (col2im) into dx
//   filter grad:    dW[K, Co] = col[M, K]^T x dy[M, Co]
// with M = N*OH*OW and K = fh*fw*Ci. The im2col matrix is built in blocks of rows (at most
// SetIm2ColBlockFloats floats, 4 Mi by default) in a per-thread scratch buffer, so memory stays bounded for large images.
#include "conv.h"

#include <cblas.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <vector>

namespace {

std::atomic<int64_t> maxColFloats{int64_t(4) << 20};  // 16 MiB of scratch per block

thread_local std::vector<float> scratch;

float* Scratch(size_t floats) {
  if (scratch.size() < floats) scratch.resize(floats);
  return scratch.data();
}

int64_t RowsPerBlock(const ConvGeometry& g) {
  const int64_t m = g.n * g.oh * g.ow;
  return std::max<int64_t>(1, std::min<int64_t>(m, maxColFloats.load() / std::max<int64_t>(1, g.Taps())));
}

/**
 * The walk Im2Col and its transpose share: for every output pixel r in [r0, r1) and filter tap
 * (kh, kw), `visit(colOffset, pixelOffset)` with the offset (in floats) of that tap's Ci values in
 * the block's col matrix and of the input pixel it reads in x / dx, or -1 where the tap falls in the
 * padding.
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
    for (int64_t kh = 0; kh < g.fh; kh++) {
      const int64_t ih = oh * g.sh - g.padTop + kh * g.dh;
      for (int64_t kw = 0; kw < g.fw; kw++, colOffset += g.ci) {
        const int64_t iw = ow * g.sw - g.padLeft + kw * g.dw;
        const bool inside = ih >= 0 && ih < g.h && iw >= 0 && iw < g.w;
        visit(colOffset, inside ? image + (ih * g.w + iw) * g.ci : int64_t(-1));
      }
    }
  }
}

/** col[r - r0, :] for output pixels r in [r0, r1). */
void Im2Col(const ConvGeometry& g, const float* x, int64_t r0, int64_t r1, float* col) {
  const size_t rowBytes = sizeof(float) * size_t(g.ci);
  ForEachTap(g, r0, r1, [&](int64_t c, int64_t p) {
    if (p < 0) std::memset(col + c, 0, rowBytes);
    else std::memcpy(col + c, x + p, rowBytes);
  });
}

/** dx += scatter of col rows [r0, r1) (the transpose of Im2Col). */
void Col2ImAdd(const ConvGeometry& g, const float* col, int64_t r0, int64_t r1, float* dx) {
  ForEachTap(g, r0, r1, [&](int64_t c, int64_t p) {
    if (p < 0) return;
    float* d = dx + p;
    const float* src = col + c;
    for (int64_t i = 0; i < g.ci; i++) d[i] += src[i];
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
