import * as tf from '@tensorflow/tfjs-core';

/** A tape node as tfjs-core 4.22's engine records it (not public API). */
export interface TapeNode {
  readonly id: number;
  readonly kernelName: string;
  inputs: Record<string, tf.Tensor>;
  readonly outputs: tf.Tensor[];
  readonly saved?: (tf.Tensor | SavedShape)[];
  readonly gradient?: (dys: (tf.Tensor | null)[]) => Record<string, () => tf.Tensor>;
}

/**
 * What a gradient function gets in place of a saved tensor whose values it never reads: its shape,
 * rank, size and dtype, no data. A gradient that tried to read values from it would fail loudly
 * (it is not a tensor), never compute with wrong numbers.
 */
export class SavedShape {
  readonly shape: number[];
  readonly rank: number;
  readonly size: number;
  readonly dtype: tf.DataType;

  constructor(t: tf.Tensor) {
    this.shape = [...t.shape];
    this.rank = t.rank;
    this.size = t.size;
    this.dtype = t.dtype;
  }

  dispose(): void {}
}

/**
 * tfjs-core 4.22 kernels whose gradient reads only the shapes of the inputs it saves (broadcast
 * reductions and reshapes): Add, Sub, Reshape, Mean, Sum, PadV2, Concat, Slice.
 */
const SHAPE_ONLY = new Set(['Add', 'Sub', 'Reshape', 'Mean', 'Sum', 'PadV2', 'Concat', 'Slice']);
/** Products a·b: the gradient of a reads b's values, the gradient of b reads a's. */
const PRODUCTS = new Set(['Multiply', 'BatchMatMul']);

/** The save lists each rule assumes; a kernel whose registered gradient saves otherwise is left alone. */
function savesAsAssumed(kernelName: string): boolean {
  const g = tf.getGradient(kernelName) as (tf.GradConfig & { outputsToSave?: boolean[] }) | undefined;
  if (!g || (g.outputsToSave ?? []).some(Boolean)) return false;
  if (kernelName === 'Concat') return g.saveAllInputs === true;
  const inputs = (g.inputsToSave ?? []).join();
  if (SHAPE_ONLY.has(kernelName)) return inputs === 'a,b' || inputs === 'x';
  if (PRODUCTS.has(kernelName) || kernelName === 'RealDiv') return inputs === 'a,b';
  if (kernelName === 'Relu') return inputs === 'x';
  return false;
}

interface RecordingEngine {
  readonly state: { gradientDepth: number; activeTape: TapeNode[] | null };
}

/**
 * Make the engine's active tape drop, as each node is recorded, the saved tensors its gradient will
 * never read, so activations the forward pass no longer needs are freed at once instead of living
 * until the backward pass reaches them. tfjs saves inputs by kernel, not by need:
 * - a node none of whose inputs depends on `xs` is never differentiated: nothing it saved is needed;
 * - Add, Sub, Reshape, Mean, Sum, PadV2, Concat and Slice read their saved inputs' shapes only;
 * - a product a·b (Multiply, BatchMatMul) or quotient a/b whose `b` does not depend on `xs` (a
 *   frozen batch norm's scale, a dropout mask, a constant) never computes b's gradient, the only
 *   one that reads a (and for Multiply/BatchMatMul the same with a and b swapped);
 * - Relu's gradient `dy·step(x)` equals `dy·step(relu(x))`, so it keeps its output (which the next
 *   layer saves anyway) instead of its input.
 * The gradients are the same operations on the same values, so the results are bit-identical
 * (a NaN input to a Relu is the one case where step(x) and step(relu(x)) may differ; the loss is
 * then NaN and training stops on it). Call right after `startTape()` when no tape was recording.
 */
export function trimSavedTensorsWhileRecording(engine: RecordingEngine, xs: readonly tf.Tensor[]): void {
  const tape = engine.state.activeTape;
  if (!tape || tape.length > 0) return;
  const fromX = new Set<number>(xs.map((x) => x.id));
  const assumed = new Map<string, boolean>();
  const ruleHolds = (k: string): boolean => {
    let ok = assumed.get(k);
    if (ok === undefined) assumed.set(k, (ok = savesAsAssumed(k)));
    return ok;
  };
  const push = (node: TapeNode): number => {
    const names = Object.keys(node.inputs);
    const inX = names.map((n) => fromX.has(node.inputs[n]!.id));
    const reached = inX.some(Boolean);
    if (reached) for (const o of node.outputs) fromX.add(o.id);
    const saved = node.saved;
    if (saved && saved.length > 0) {
      const k = node.kernelName;
      const drop = (i: number): void => {
        const t = saved[i];
        if (!(t instanceof tf.Tensor)) return;
        saved[i] = new SavedShape(t);
        t.dispose();
      };
      if (!reached) saved.forEach((_, i) => drop(i));
      else if (SHAPE_ONLY.has(k) && ruleHolds(k)) saved.forEach((_, i) => drop(i));
      else if ((PRODUCTS.has(k) || k === 'RealDiv') && saved.length === 2 && names.join() === 'a,b' && ruleHolds(k)) {
        if (!inX[1]) drop(0);
        else if (!inX[0] && k !== 'RealDiv') drop(1);
      } else if (k === 'Relu' && saved.length === 1 && node.outputs.length === 1 && ruleHolds(k)) {
        const x = saved[0]!;
        saved[0] = keepUnrecorded(engine, node.outputs[0]!);
        x.dispose();
      }
    }
    return Array.prototype.push.call(tape, node);
  };
  Object.defineProperty(tape, 'push', { value: push, configurable: true });
}

/** A kept clone of `t` (a shared reference on the wasm and cpu backends) that the tape does not record. */
function keepUnrecorded(engine: RecordingEngine, t: tf.Tensor): tf.Tensor {
  const depth = engine.state.gradientDepth;
  engine.state.gradientDepth = 0;
  try {
    return tf.keep(tf.clone(t));
  } finally {
    engine.state.gradientDepth = depth;
  }
}
