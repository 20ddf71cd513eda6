#!/usr/bin/env node
// Prints 1 when the C++ compiler can build and link a cblas_sgemm call against OpenBLAS (Debian's
// libopenblas-dev), else 0. binding.gyp builds the kernels only with 1; with 0 the addon loads but
// reports that it has no BLAS, and actfusion uses the wasm kernels. ACTFUSION_NATIVE_BLAS=off forces 0.
'use strict';
const { spawnSync } = require('node:child_process');
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

function found() {
  if (process.env.ACTFUSION_NATIVE_BLAS === 'off') return false;
  const dir = mkdtempSync(join(tmpdir(), 'actfusion-blas-'));
  try {
    const program = '#include <cblas.h>\nint main(){float a=1,b=1,c=0;cblas_sgemm(CblasRowMajor,CblasNoTrans,CblasNoTrans,1,1,1,1.f,&a,1,&b,1,0.f,&c,1);return c==1?0:1;}\n';
    const r = spawnSync(process.env.CXX || 'c++', ['-x', 'c++', '-', '-o', join(dir, 'probe'), '-lopenblas'], { input: program, stdio: ['pipe', 'ignore', 'ignore'] });
    return r.status === 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const ok = found();
if (!ok) process.stderr.write('@actfusion/native-kernels: OpenBLAS (cblas.h, libopenblas) not found; building without native kernels\n');
process.stdout.write(ok ? '1' : '0');
