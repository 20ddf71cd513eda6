import * as h5wasm from 'h5wasm/node';

export type H5File = h5wasm.File;
export type H5Dataset = h5wasm.Dataset;
export type H5Group = h5wasm.Group;

let loaded: Promise<typeof h5wasm> | undefined;

/** h5wasm's Node build (HDF5 compiled to wasm, real files through NODERAWFS), loaded once. */
export function loadHdf5(): Promise<typeof h5wasm> {
  loaded ??= h5wasm.ready.then(() => h5wasm);
  return loaded;
}

/** HDF5 filter ids that h5wasm decodes correctly: deflate (gzip), shuffle, fletcher32. */
export const SUPPORTED_HDF5_FILTERS: ReadonlySet<number> = new Set([1, 2, 3]);

/** The 8-byte signature every HDF5 file starts with (at offset 0, 512, 1024, ...). */
export const HDF5_SIGNATURE = Uint8Array.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);
