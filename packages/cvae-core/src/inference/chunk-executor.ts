import type { Action, Observation } from '@actfusion/contracts';
import { prefixWeights, type PrefixSchedule } from './rtc-prefix-weights.js';
import { TemporalEnsembler } from './temporal-ensembler.js';

/** One predicted chunk, unnormalised: `chunkSize` actions, index 0 = the step it was predicted at. */
export type ActionChunk = readonly Float32Array[];

/** Predict a chunk for one observation (see `policyChunkSource`). */
export type ChunkSource = (observation: Observation) => Promise<ActionChunk>;

export type ChunkExecutionMode =
  /** LeRobot `select_action`: query when the queue is empty, execute the first nActionSteps actions. */
  | { readonly kind: 'open-loop'; readonly nActionSteps: number }
  /** ACT temporal ensembling: query every step, weights exp(-coeff * i), i = 0 the oldest. Default coeff 0.01. */
  | { readonly kind: 'temporal-ensemble'; readonly coeff?: number }
  /**
   * Asynchronous real-time chunking (RTC execution, ACT-compatible output blending):
   * every `executionHorizon` (s) steps the next chunk is requested with the current observation
   * and the robot keeps executing the current plan for `inferenceDelay` (d) steps while it computes.
   * When it is due, the new chunk is blended with the old plan:
   * `plan[i] = w_i * old[i + s] + (1 - w_i) * new[i]`, `w = prefixWeights(d, H - s, H, schedule)`,
   * so the d committed actions are kept (the stale head of the new chunk is skipped) and the overlap
   * fades from the old plan to the new one. Needs d <= s <= H - d. Default schedule `exp`.
   */
  | {
      readonly kind: 'real-time-chunking';
      readonly executionHorizon: number;
      readonly inferenceDelay: number;
      readonly schedule?: PrefixSchedule;
      /**
       * A chunk not ready when due: `wait` (default) awaits it at that step, as if inference took
       * exactly `inferenceDelay` steps (deterministic, for evaluation in simulated time);
       * `continue` keeps executing the current plan while it has actions and merges the chunk at
       * the first step it is ready, skipping its stale head (a real-time control loop never waits
       * while the plan lasts). Late chunks are counted either way.
       */
      readonly lateChunk?: 'wait' | 'continue';
    };

export interface ChunkExecutorStats {
  /** Control steps executed. */
  readonly steps: number;
  /** Chunks requested from the policy. */
  readonly queries: number;
  /** RTC: chunks that were not ready `inferenceDelay` steps after their request (the step waited). */
  readonly lateChunks: number;
}

interface PendingChunk {
  readonly requestedAt: number;
  readonly promise: Promise<ActionChunk>;
  settled: boolean;
  countedLate?: boolean;
}

/**
 * Turns chunks predicted by a policy into one action per control tick. One executor drives one
 * robot (batch size 1); call `reset()` between episodes.
 */
export class ChunkExecutor {
  private tick = 0;
  private queries = 0;
  private late = 0;
  private queue: Float32Array[] = [];
  private readonly ensembler: TemporalEnsembler | null = null;
  // Real-time chunking state.
  private plan: ActionChunk | null = null;
  private planStart = 0;
  private nextRequestAt = 0;
  private pending: PendingChunk | null = null;
  private readonly rtcWeights: Float64Array | null = null;

  constructor(
    private readonly source: ChunkSource,
    readonly chunkSize: number,
    readonly mode: ChunkExecutionMode,
  ) {
    if (!(Number.isInteger(chunkSize) && chunkSize >= 1)) {
      throw new Error(`ChunkExecutor: chunkSize must be a positive integer, got ${chunkSize}`);
    }
    switch (mode.kind) {
      case 'open-loop':
        if (!(Number.isInteger(mode.nActionSteps) && mode.nActionSteps >= 1 && mode.nActionSteps <= chunkSize)) {
          throw new Error(`ChunkExecutor: nActionSteps must be an integer in [1, chunkSize = ${chunkSize}], got ${mode.nActionSteps}`);
        }
        break;
      case 'temporal-ensemble':
        this.ensembler = new TemporalEnsembler(mode.coeff ?? 0.01, chunkSize);
        break;
      case 'real-time-chunking': {
        const { executionHorizon: s, inferenceDelay: d } = mode;
        if (!(Number.isInteger(s) && Number.isInteger(d) && d >= 0 && s >= 1 && d <= s && s <= chunkSize - d)) {
          throw new Error(
            `ChunkExecutor: real-time chunking needs integers with 0 <= inferenceDelay <= executionHorizon <= chunkSize - inferenceDelay, ` +
              `executionHorizon >= 1; got inferenceDelay ${d}, executionHorizon ${s}, chunkSize ${chunkSize}`,
          );
        }
        this.rtcWeights = prefixWeights(d, chunkSize - s, chunkSize, mode.schedule ?? 'exp');
        break;
      }
      default:
        throw new Error(`ChunkExecutor: unknown mode ${JSON.stringify(mode)}`);
    }
  }

  get stats(): ChunkExecutorStats {
    return { steps: this.tick, queries: this.queries, lateChunks: this.late };
  }

  /** Start a new episode: drop queued actions, pending predictions and counters. */
  reset(): void {
    this.tick = 0;
    this.queries = 0;
    this.late = 0;
    this.queue = [];
    this.ensembler?.reset();
    this.plan = null;
    this.pending = null;
    this.planStart = 0;
    this.nextRequestAt = 0;
  }

  /**
   * Fetch the first chunk before the first control tick (open loop and real-time chunking), so
   * that tick does not wait for inference. Temporal ensembling queries every step; nothing to do.
   */
  async prime(observation: Observation): Promise<void> {
    if (this.tick !== 0) throw new Error(`ChunkExecutor.prime: call it before the first step (at step ${this.tick})`);
    switch (this.mode.kind) {
      case 'open-loop':
        if (this.queue.length === 0) this.queue.push(...(await this.query(observation)).slice(0, this.mode.nActionSteps));
        break;
      case 'real-time-chunking':
        if (this.plan === null) {
          this.plan = await this.query(observation);
          this.planStart = 0;
          this.nextRequestAt = this.mode.executionHorizon;
        }
        break;
      default:
        break;
    }
  }

  /** The action to execute at this control tick, given the current observation. */
  async step(observation: Observation): Promise<Action> {
    let action: Float32Array;
    switch (this.mode.kind) {
      case 'open-loop':
        if (this.queue.length === 0) {
          const chunk = await this.query(observation);
          this.queue.push(...chunk.slice(0, this.mode.nActionSteps));
        }
        action = this.queue.shift()!;
        break;
      case 'temporal-ensemble':
        action = this.ensembler!.update(await this.query(observation));
        break;
      case 'real-time-chunking':
        action = await this.rtcStep(observation, this.mode.executionHorizon, this.mode.inferenceDelay);
        break;
    }
    this.tick++;
    return Float32Array.from(action);
  }

  private async rtcStep(observation: Observation, s: number, d: number): Promise<Float32Array> {
    const t = this.tick;
    if (this.plan === null) {
      // Nothing to execute yet: the first chunk is awaited synchronously.
      this.plan = await this.query(observation);
      this.planStart = t;
      this.nextRequestAt = t + s;
    }
    // A chunk due now is merged before the next one is requested (s = d makes them coincide);
    // with d = 0 the chunk requested now is also due now.
    await this.mergeDueChunk(t, d);
    // (`continue`: a request falls due while the previous chunk is still out; it waits for that one.)
    if (t >= this.nextRequestAt && this.pending === null) {
      // Start inference after this step has returned its action: an in-process policy computes
      // synchronously, and would otherwise delay this tick by the whole inference time.
      const promise = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.query(observation));
      const pending: PendingChunk = { requestedAt: t, promise, settled: false };
      // Mark settlement; the rejection itself is rethrown when the chunk is awaited.
      promise.then(
        () => (pending.settled = true),
        () => (pending.settled = true),
      );
      this.pending = pending;
      this.nextRequestAt = t + s;
    }
    await this.mergeDueChunk(t, d);
    const action = this.plan[t - this.planStart];
    if (!action) throw new Error(`ChunkExecutor: plan exhausted at step ${t} (internal error)`);
    return action;
  }

  private async mergeDueChunk(t: number, d: number): Promise<void> {
    const pending = this.pending;
    if (!pending || t < pending.requestedAt + d) return;
    const mode = this.mode as Extract<ChunkExecutionMode, { kind: 'real-time-chunking' }>;
    if (mode.lateChunk === 'continue') {
      if (!pending.settled) {
        if (!pending.countedLate) this.late++;
        pending.countedLate = true;
        // Keep to the current plan while it lasts; wait only when it has run out.
        if (this.plan![t - this.planStart]) return;
      }
    } else if (!pending.settled) {
      this.late++;
    }
    const fresh = await pending.promise;
    this.pending = null;
    const elapsed = t - pending.requestedAt;
    const w = elapsed === d ? this.rtcWeights! : prefixWeights(elapsed, this.chunkSize - mode.executionHorizon, this.chunkSize, mode.schedule ?? 'exp');
    this.plan = this.blend(this.plan!, pending.requestedAt - this.planStart, fresh, w);
    this.planStart = pending.requestedAt;
  }

  /** plan[i] = w_i * old[i + shift] + (1 - w_i) * fresh[i]; old plan ends at index H - shift. */
  private blend(old: ActionChunk, shift: number, fresh: ActionChunk, w: Float64Array): Float32Array[] {
    return fresh.map((a, i) => {
      const prev = old[i + shift];
      if (!prev || w[i] === 0) return Float32Array.from(a);
      return a.map((v, dIdx) => w[i]! * prev[dIdx]! + (1 - w[i]!) * v);
    });
  }

  private async query(observation: Observation): Promise<ActionChunk> {
    this.queries++;
    const chunk = await this.source(observation);
    if (chunk.length !== this.chunkSize) {
      throw new Error(`ChunkExecutor: the chunk source returned ${chunk.length} actions, expected chunkSize ${this.chunkSize}`);
    }
    const dim = chunk[0]!.length;
    chunk.forEach((a, i) => {
      if (a.length !== dim) throw new Error(`ChunkExecutor: chunk action ${i} has ${a.length} values, expected ${dim}`);
    });
    return chunk;
  }
}
