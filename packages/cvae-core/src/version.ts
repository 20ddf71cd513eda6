/** The cvae-core package version, for run metadata. */
export const CVAE_CORE_VERSION = '0.1.0';
