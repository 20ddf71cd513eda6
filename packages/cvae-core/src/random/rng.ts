/**
 * A small seeded random number generator (xoshiro128**, seeded through splitmix32) whose
 * whole state is four 32-bit words, so a training checkpoint can save and restore it and a
 * resumed run draws the same numbers. Used for weight initialisation, dropout seeds,
 * reparameterisation noise and data sampling.
 */
export type RngState = readonly [number, number, number, number];

export class Rng {
  private s = new Uint32Array(4);
  private spareNormal: number | null = null;

  /**
   * @param sampleOffset the global index of the first sample of the batch this generator draws
   *   per-sample noise for (dropout masks, VAE noise: see `sampleStream`). A data-parallel worker or
   *   a micro-batch holding samples [o, o + b) of a batch uses a generator in the same state with
   *   offset o, so every sample gets the noise it would get in the whole batch.
   */
  constructor(
    seed: number | RngState = 0,
    readonly sampleOffset = 0,
  ) {
    if (!(Number.isInteger(sampleOffset) && sampleOffset >= 0)) {
      throw new RangeError(`Rng: sampleOffset must be a non-negative integer, got ${sampleOffset}`);
    }
    if (typeof seed === 'number') this.reseed(seed);
    else this.setState(seed);
  }

  /** A generator in this one's state whose batches start at global sample `offset`. */
  atSample(offset: number): Rng {
    return new Rng(this.getState(), offset);
  }

  reseed(seed: number): void {
    let x = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
    if (this.s.every((v) => v === 0)) this.s[0] = 1;
    this.spareNormal = null;
  }

  /** Next raw 32-bit unsigned integer. */
  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1]!, 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1]! << 9) >>> 0;
    s[2]! ^= s[0]!;
    s[3]! ^= s[1]!;
    s[1]! ^= s[2]!;
    s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = rotl(s[3]!, 11);
    return result;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform in [lo, hi). */
  uniform(lo = 0, hi = 1): number {
    return lo + (hi - lo) * this.next();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!(n > 0)) throw new RangeError(`Rng.int: n must be positive, got ${n}`);
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box-Muller, caching the second value). */
  normal(mean = 0, std = 1): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return mean + std * v;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return mean + std * r * Math.cos(2 * Math.PI * v);
  }

  /** A fresh 31-bit seed for a tfjs op that takes one (`tf.randomNormal(..., seed)`, `tf.dropout`). */
  opSeed(): number {
    return this.nextUint32() & 0x7fffffff;
  }

  /** An independent generator derived from this one (advances this one by one draw). */
  fork(): Rng {
    return new Rng(this.nextUint32());
  }

  getState(): RngState {
    if (this.spareNormal !== null) {
      // Drop the cached normal so that the state fully describes the future stream.
      this.spareNormal = null;
    }
    return [this.s[0]!, this.s[1]!, this.s[2]!, this.s[3]!];
  }

  setState(state: RngState): void {
    if (state.length !== 4 || state.some((v) => !Number.isInteger(v) || v < 0 || v > 0xffffffff)) {
      throw new Error(`Rng.setState: expected four uint32 words, got ${JSON.stringify(state)}`);
    }
    this.s = Uint32Array.from(state);
    this.spareNormal = null;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/**
 * The seed of sample `index`'s own stream under a per-call `seed`: per-sample noise (a dropout mask
 * row, a VAE noise vector) is drawn from `new Rng(sampleStream(seed, index))`, so it depends on the
 * sample's global index and not on how the batch is split into shards or micro-batches.
 */
export function sampleStream(seed: number, index: number): number {
  let z = (seed ^ Math.imul(index + 1, 0x9e3779b9)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x7feb352d) >>> 0;
  z = Math.imul(z ^ (z >>> 15), 0x846ca68b) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}
