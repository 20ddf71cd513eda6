#!/usr/bin/env node
// Runs when `node-gyp rebuild` failed during install (no C++ compiler, no Node headers, ...): the
// install goes on, and actfusion falls back to the wasm kernels, saying that the addon is not built.
'use strict';
process.stderr.write(
  '@actfusion/native-kernels: the native addon could not be built (see the node-gyp output above); ' +
    'actfusion will use the wasm kernels. Needs g++, make, python3 and libopenblas-dev; then npm rebuild @actfusion/native-kernels\n',
);
