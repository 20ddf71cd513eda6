{
  "variables": {
    "actfusion_blas%": "<!(node scripts/find-blas.cjs)"
  },
  "targets": [
    {
      "target_name": "actfusion_native_kernels",
      "sources": ["native/addon.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions", "-O2"],
      "cflags_cc!": ["-fno-exceptions", "-O2"],
      "cflags": ["-O3"],
      "cflags_cc": ["-O3", "-std=c++17"],
      "conditions": [
        ["actfusion_blas==1", {
          "sources": ["native/conv.cc", "native/pool.cc"],
          "defines": ["ACTFUSION_HAVE_CBLAS"],
          "libraries": ["-lopenblas"]
        }, {
          "defines": ["ACTFUSION_NO_BLAS_REASON=\"built without BLAS: the compiler found no cblas.h / libopenblas when the package was installed (apt-get install libopenblas-dev, then npm rebuild @actfusion/native-kernels)\""]
        }]
      ]
    }
  ]
}
