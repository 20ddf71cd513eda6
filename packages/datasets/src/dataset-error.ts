/**
 * The one error type of this package: a file (or dataset folder) was not what a reader expected.
 * The message always names the file, the field inside it (an HDF5 path, a Parquet column, a JSON
 * key, a video stream) and what was expected, so a user can find the bad byte.
 */
export class DatasetFormatError extends Error {
  override readonly name = 'DatasetFormatError';
  constructor(
    /** The file (or folder) that is wrong. */
    readonly file: string,
    /** The field inside the file: an HDF5 dataset path, a Parquet column, a JSON key. */
    readonly field: string,
    /** What was expected and what was found. */
    readonly problem: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${field}: ${problem}`, options);
  }
}

/** The message of an unknown thrown value. */
export function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
