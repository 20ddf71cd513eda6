export type { NativeAddonInfo, NativeKernels } from './native-addon.js';
export { packConvGeometry, type ConvGeometry } from './conv-geometry.js';
export { builtAddonPath, loadNativeKernels, NATIVE_ADDON_ENV, type NativeKernelsLoad } from './load-native-kernels.js';
