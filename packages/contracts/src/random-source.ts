/**
 * A seeded random stream, as samplers and augmentations draw from it. cvae-core's `Rng`
 * (xoshiro128**, checkpointable) is the implementation the Trainer passes; anything with these
 * methods works, so a dataset package never needs the tensor runtime for its types.
 */
export interface RandomSource {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [lo, hi). */
  uniform(lo?: number, hi?: number): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Normal with the given mean and standard deviation. */
  normal(mean?: number, std?: number): number;
  /** An independent stream derived from this one (advances this one). */
  fork(): RandomSource;
}
