// Max-pooling gradient in one pass over the pooled windows: for each output pixel, the first maximum
// of every channel in its window (rows, then columns; padding never wins; `>` as tfjs's cpu backend,
// so among equal values the first stays and NaN never wins) gets that pixel's dy added. The outputs
// are visited in row-major order, so each dx element sums its contributions in the order tfjs's cpu
// kernel does: the same float32 result. tfjs-backend-wasm 4.22's MaxPoolGrad instead re-scans every
// window once per input pixel it covers (about 100x slower at ResNet18's stem at 480x640).
#include "pool.h"

#include <cstring>
#include <limits>
#include <vector>

namespace {

constexpr int64_t kLanes = 16;  // channels compared at once: fixed-size local arrays the compiler vectorizes

/**
 * One output pixel, channels [c0, c0 + L): the first maximum of each channel over the window's taps
 * (`taps` pixel offsets in the image, in row-major window order) receives dy.
 */
template <int64_t L>
inline void PoolPixel(const float* __restrict xi, float* __restrict dxi, const float* __restrict d, const int64_t* taps, int64_t nTaps, int64_t c0) {
  float best[L];
  int32_t tap[L];
  for (int64_t c = 0; c < L; c++) {
    best[c] = -std::numeric_limits<float>::infinity();
    tap[c] = -1;
  }
  for (int64_t t = 0; t < nTaps; t++) {
    const float* __restrict p = xi + taps[t] + c0;
    for (int64_t c = 0; c < L; c++) {
      const bool more = p[c] > best[c];
      best[c] = more ? p[c] : best[c];
      tap[c] = more ? int32_t(t) : tap[c];
    }
  }
  for (int64_t c = 0; c < L; c++) {
    if (tap[c] >= 0) dxi[taps[tap[c]] + c0 + c] += d[c0 + c];
  }
}

}  // namespace

void MaxPoolGrad(const ConvGeometry& g, const float* x, const float* dy, float* dx) {
  std::memset(dx, 0, sizeof(float) * g.InputSize());
  const int64_t C = g.ci;
  if (C == 0 || g.oh == 0 || g.ow == 0) return;
  thread_local std::vector<int64_t> taps;
  taps.resize(size_t(g.fh * g.fw));
  const int64_t image = g.h * g.w * C;
  for (int64_t n = 0; n < g.n; n++) {
    const float* xi = x + n * image;
    float* dxi = dx + n * image;
    for (int64_t oy = 0; oy < g.oh; oy++) {
      for (int64_t ox = 0; ox < g.ow; ox++) {
        // The window's taps inside the image, row-major (padding never wins a max).
        int64_t nTaps = 0;
        for (int64_t ky = 0; ky < g.fh; ky++) {
          const int64_t iy = oy * g.sh - g.padTop + ky * g.dh;
          if (iy < 0 || iy >= g.h) continue;
          for (int64_t kx = 0; kx < g.fw; kx++) {
            const int64_t ix = ox * g.sw - g.padLeft + kx * g.dw;
            if (ix >= 0 && ix < g.w) taps[size_t(nTaps++)] = (iy * g.w + ix) * C;
          }
        }
        const float* d = dy + ((n * g.oh + oy) * g.ow + ox) * C;
        int64_t c0 = 0;
        for (; c0 + kLanes <= C; c0 += kLanes) PoolPixel<kLanes>(xi, dxi, d, taps.data(), nTaps, c0);
        for (; c0 < C; c0++) PoolPixel<1>(xi, dxi, d, taps.data(), nTaps, c0);
      }
    }
  }
}
