export { VISUO_TACTILE_OPTIONS, type VisuoTactileOptions } from './visuo-tactile-options.js';
export { TaxelMlp } from './taxel-mlp.js';
export { VisuoTactileEncoder } from './visuo-tactile-encoder.js';
export { registerVisuoTactileEncoder } from './register-visuo-tactile-encoder.js';
