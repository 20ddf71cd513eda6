/**
 * A small seeded generator (mulberry32) for sampling initial object poses. robot-io keeps its own so
 * driving a robot never loads the tensor runtime (robot-io depends only on the types-only `@actfusion/contracts`).
 */
export class SimRng {
  private state: number;

  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new Error(`SimRng: seed must be a finite number, got ${seed}`);
    this.state = (Math.floor(seed) ^ 0x9e3779b9) >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }
}

/** A `SimRng` that always draws the middle: `uniform(lo, hi)` is (lo + hi) / 2 (objects not randomised). */
export class MidpointRng extends SimRng {
  constructor() {
    super(0);
  }

  override next(): number {
    return 0.5;
  }
}
