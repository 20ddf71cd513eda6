// NHWC float32 max-pooling gradient (see pool.cc).
#pragma once
#include "conv.h"

/**
 * dx [N,H,W,C] of y = maxPool(x) from x [N,H,W,C] and dy [N,OH,OW,C] (dx is overwritten). The pool's
 * shape is a ConvGeometry with ci == co == C (fh x fw window, strides, dilations, top/left padding).
 */
void MaxPoolGrad(const ConvGeometry& g, const float* x, const float* dy, float* dx);
