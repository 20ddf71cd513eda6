// NHWC float32 convolutions by im2col + cblas_sgemm (see conv.cc).
#pragma once
#include <cstddef>
#include <cstdint>

struct ConvGeometry {
  int64_t n, h, w, ci, oh, ow, co, fh, fw, sh, sw, dh, dw, padTop, padLeft;
  size_t InputSize() const { return size_t(n * h * w * ci); }
  size_t OutputSize() const { return size_t(n * oh * ow * co); }
  size_t FilterSize() const { return size_t(fh * fw * ci * co); }
  /** The im2col row length: one output pixel's receptive field. */
  int64_t Taps() const { return fh * fw * ci; }
  /** A 1x1 stride-1 unpadded convolution: a plain matrix product of the pixels. */
  bool Pointwise() const { return fh == 1 && fw == 1 && sh == 1 && sw == 1 && padTop == 0 && padLeft == 0 && oh == h && ow == w; }
};

/** y [N,OH,OW,Co] = x [N,H,W,Ci] * filter [fh,fw,Ci,Co]. */
void Conv2DForward(const ConvGeometry& g, const float* x, const float* filter, float* y);
/** dx [N,H,W,Ci] from dy [N,OH,OW,Co] and filter [fh,fw,Ci,Co] (dx is overwritten). */
void Conv2DGradInput(const ConvGeometry& g, const float* dy, const float* filter, float* dx);
/** dw [fh,fw,Ci,Co] from x [N,H,W,Ci] and dy [N,OH,OW,Co] (dw is overwritten). */
void Conv2DGradFilter(const ConvGeometry& g, const float* x, const float* dy, float* dw);
/** Sets the largest im2col block (floats; tests use small blocks to cover the blocked path); returns the previous. */
int64_t SetIm2ColBlockFloats(int64_t floats);
