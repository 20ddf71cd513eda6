// @actfusion/native-kernels: float32 matrix products and NHWC convolutions (forward and both
// gradients) on caller-owned Float32Arrays (in actfusion: views on the tfjs wasm heap, so nothing is
// copied), computed with OpenBLAS's cblas_sgemm (im2col + sgemm for convolutions). Built without
// BLAS (ACTFUSION_HAVE_CBLAS undefined), the addon only reports why it has no kernels. Also the
// max-pooling gradient (pool.cc), which tfjs's wasm backend computes about 100x slower.
#include <napi.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#ifdef ACTFUSION_HAVE_CBLAS
#include <cblas.h>
#include "conv.h"
#include "pool.h"
#endif

namespace {

#ifdef ACTFUSION_HAVE_CBLAS

float* F32(const Napi::CallbackInfo& info, size_t i, size_t need, const char* what) {
  if (!info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a Float32Array");
  }
  auto a = info[i].As<Napi::Float32Array>();
  if (a.ElementLength() < need) {
    throw Napi::RangeError::New(info.Env(), std::string(what) + " has " + std::to_string(a.ElementLength()) +
                                                 " elements, needs " + std::to_string(need));
  }
  return a.Data();
}

int64_t Int(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (!info[i].IsNumber()) throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a number");
  int64_t v = info[i].As<Napi::Number>().Int64Value();
  if (v < 0) throw Napi::RangeError::New(info.Env(), std::string(what) + " must be >= 0");
  return v;
}

// matMul(a, b, out, batchA, batchB, m, n, k, transposeA, transposeB)
// a: batchA x ([m,k] or [k,m] when transposeA), b: batchB x ([k,n] or [n,k]), out: max(batchA,batchB) x [m,n].
// A batch of 1 broadcasts against the other side's.
Napi::Value MatMul(const Napi::CallbackInfo& info) {
  const int64_t batchA = Int(info, 3, "batchA"), batchB = Int(info, 4, "batchB");
  const int64_t m = Int(info, 5, "m"), n = Int(info, 6, "n"), k = Int(info, 7, "k");
  const bool ta = info[8].ToBoolean(), tb = info[9].ToBoolean();
  if (batchA != batchB && batchA != 1 && batchB != 1) {
    throw Napi::RangeError::New(info.Env(), "matMul: batch sizes must be equal or one of them 1");
  }
  const int64_t batch = std::max(batchA, batchB);
  const float* a = F32(info, 0, size_t(batchA * m * k), "a");
  const float* b = F32(info, 1, size_t(batchB * k * n), "b");
  float* c = F32(info, 2, size_t(batch * m * n), "out");
  if (m == 0 || n == 0) return info.Env().Undefined();
  if (k == 0) {
    std::memset(c, 0, sizeof(float) * size_t(batch * m * n));
    return info.Env().Undefined();
  }
  const int lda = ta ? int(m) : int(k), ldb = tb ? int(k) : int(n);
  if (batchB == 1 && batchA > 1 && !ta) {
    // [batch*m, k] x [k, n]: one product.
    cblas_sgemm(CblasRowMajor, CblasNoTrans, tb ? CblasTrans : CblasNoTrans, int(batchA * m), int(n), int(k), 1.0f, a, lda, b,
                ldb, 0.0f, c, int(n));
    return info.Env().Undefined();
  }
  for (int64_t i = 0; i < batch; i++) {
    const float* ai = a + (batchA == 1 ? 0 : i * m * k);
    const float* bi = b + (batchB == 1 ? 0 : i * k * n);
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, int(m), int(n), int(k), 1.0f, ai,
                lda, bi, ldb, 0.0f, c + i * m * n, int(n));
  }
  return info.Env().Undefined();
}

ConvGeometry Geometry(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array ||
      info[i].As<Napi::Int32Array>().ElementLength() != 15) {
    throw Napi::TypeError::New(info.Env(), "geometry must be an Int32Array of 15 values");
  }
  const int32_t* g = info[i].As<Napi::Int32Array>().Data();
  for (int j = 0; j < 15; j++) {
    if (g[j] < 0) throw Napi::RangeError::New(info.Env(), "geometry value " + std::to_string(j) + " is negative");
  }
  ConvGeometry c{g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8], g[9], g[10], g[11], g[12], g[13], g[14]};
  if (c.sh == 0 || c.sw == 0 || c.dh == 0 || c.dw == 0) throw Napi::RangeError::New(info.Env(), "strides and dilations must be >= 1");
  return c;
}

// conv2d(x, filter, y, geometry): y [N,OH,OW,Co] = x [N,H,W,Ci] * filter [fh,fw,Ci,Co]
Napi::Value Conv2D(const Napi::CallbackInfo& info) {
  const ConvGeometry g = Geometry(info, 3);
  Conv2DForward(g, F32(info, 0, g.InputSize(), "x"), F32(info, 1, g.FilterSize(), "filter"), F32(info, 2, g.OutputSize(), "y"));
  return info.Env().Undefined();
}

// conv2dBackpropInput(dy, filter, dx, geometry)
Napi::Value Conv2DBackpropInput(const Napi::CallbackInfo& info) {
  const ConvGeometry g = Geometry(info, 3);
  Conv2DGradInput(g, F32(info, 0, g.OutputSize(), "dy"), F32(info, 1, g.FilterSize(), "filter"), F32(info, 2, g.InputSize(), "dx"));
  return info.Env().Undefined();
}

// conv2dBackpropFilter(x, dy, dw, geometry)
Napi::Value Conv2DBackpropFilter(const Napi::CallbackInfo& info) {
  const ConvGeometry g = Geometry(info, 3);
  Conv2DGradFilter(g, F32(info, 0, g.InputSize(), "x"), F32(info, 1, g.OutputSize(), "dy"), F32(info, 2, g.FilterSize(), "dw"));
  return info.Env().Undefined();
}

// maxPoolGrad(x, dy, dx, geometry): dx [N,H,W,C] of a max pool (geometry with inChannels == outChannels == C)
Napi::Value MaxPoolGradient(const Napi::CallbackInfo& info) {
  const ConvGeometry g = Geometry(info, 3);
  if (g.ci != g.co) throw Napi::RangeError::New(info.Env(), "maxPoolGrad: the geometry's in and out channels must be equal");
  MaxPoolGrad(g, F32(info, 0, g.InputSize(), "x"), F32(info, 1, g.OutputSize(), "dy"), F32(info, 2, g.InputSize(), "dx"));
  return info.Env().Undefined();
}

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  const int64_t n = Int(info, 0, "threads");
  if (n < 1) throw Napi::RangeError::New(info.Env(), "threads must be >= 1");
  openblas_set_num_threads(int(n));
  return Napi::Number::New(info.Env(), openblas_get_num_threads());
}

// setIm2colBlockFloats(n): the largest im2col block in floats; returns the previous limit.
Napi::Value SetIm2colBlockFloats(const Napi::CallbackInfo& info) {
  const int64_t n = Int(info, 0, "floats");
  if (n < 1) throw Napi::RangeError::New(info.Env(), "floats must be >= 1");
  return Napi::Number::New(info.Env(), double(SetIm2ColBlockFloats(n)));
}

#endif  // ACTFUSION_HAVE_CBLAS

Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Object o = Napi::Object::New(info.Env());
#ifdef ACTFUSION_HAVE_CBLAS
  o.Set("blas", true);
  o.Set("config", std::string(openblas_get_config()));
  o.Set("core", std::string(openblas_get_corename()));
  o.Set("threads", openblas_get_num_threads());
  o.Set("cores", openblas_get_num_procs());
#else
  o.Set("blas", false);
  o.Set("reason", ACTFUSION_NO_BLAS_REASON);
#endif
  return o;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("info", Napi::Function::New(env, Info));
#ifdef ACTFUSION_HAVE_CBLAS
  exports.Set("matMul", Napi::Function::New(env, MatMul));
  exports.Set("conv2d", Napi::Function::New(env, Conv2D));
  exports.Set("conv2dBackpropInput", Napi::Function::New(env, Conv2DBackpropInput));
  exports.Set("conv2dBackpropFilter", Napi::Function::New(env, Conv2DBackpropFilter));
  exports.Set("maxPoolGrad", Napi::Function::New(env, MaxPoolGradient));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads));
  exports.Set("setIm2colBlockFloats", Napi::Function::New(env, SetIm2colBlockFloats));
#endif
  return exports;
}

}  // namespace

NODE_API_MODULE(actfusion_native_kernels, Init)
