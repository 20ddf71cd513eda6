import * as tf from '@tensorflow/tfjs-core';
import { trimSavedTensorsWhileRecording, type TapeNode } from './saved-tensor-trim.js';

/** The parts of tfjs-core 4.22's engine this module drives (not public API; checked at run time). */
interface EngineInternals {
  state: { gradientDepth: number; activeTape: TapeNode[] | null };
  scopedRun<T>(start: () => void, end: () => void, f: () => T): T;
  startTape(): void;
  endTape(): void;
  tidy<T extends tf.TensorContainer>(name: string, f: () => T): T;
  tidy<T extends tf.TensorContainer>(f: () => T): T;
}

function engineInternals(): EngineInternals | null {
  const e = tf.engine() as unknown as Partial<EngineInternals>;
  // `activeTape` is not an own property of the engine state until the first tape starts.
  const ok = typeof e.scopedRun === 'function' && typeof e.startTape === 'function' && typeof e.endTape === 'function' && typeof e.tidy === 'function' && typeof e.state?.gradientDepth === 'number';
  return ok ? (e as EngineInternals) : null;
}

/** What `leanVariableGrads` may do besides returning the gradients. */
export interface LeanGradHooks {
  /**
   * Called with each variable's gradient as soon as it is complete (the backward pass has
   * differentiated every use of the variable), while the pass goes on; the gradient is freed when
   * the call returns (keep a clone to hold it longer) and the variable is left out of the result.
   * The gradient is the one `tf.variableGrads` returns, bit for bit. Not called on the fallback.
   */
  readonly onGradient?: (variable: tf.Variable, grad: tf.Tensor) => void;
}

/**
 * `tf.variableGrads(f, vars)` with the memory of a framework that frees as it goes. tfjs's own
 * backward pass keeps, until it ends, the gradient of every intermediate tensor, every partial sum
 * of an accumulated gradient and every activation saved for the backward pass, so a training step
 * peaks at about (saved activations) + (all their gradients). Here, walking the same tape in the
 * same order with the same gradient functions, each intermediate gradient is freed once the node
 * that produced its tensor has been differentiated (it is complete by then: every consumer comes
 * later on the tape), replaced partial sums are freed, and each node's saved activations are freed
 * right after its gradient; and while the forward pass records, saved tensors whose values no gradient
 * will read are dropped at once (`trimSavedTensorsWhileRecording`: shape-only saves, the unneeded
 * factor of a product, Relu's input for its output), which about halves the activations a step
 * holds. The values are the same operations on the same inputs, so the result
 * equals `tf.variableGrads`'s bit for bit. With `hooks.onGradient`, each variable's gradient is
 * handed over and freed once complete instead of being held to the end (a data-parallel worker
 * streams it into the shared sum), so finished gradients do not add up in the backend. Nested gradients (a tape already recording) and an engine
 * without the expected internals fall back to `tf.variableGrads`.
 */
export function leanVariableGrads(f: () => tf.Scalar, vars: readonly tf.Variable[], hooks: LeanGradHooks = {}): { value: tf.Scalar; grads: tf.NamedTensorMap } {
  const engine = engineInternals();
  if (!engine || engine.state.gradientDepth !== 0) return tf.variableGrads(f, [...vars]);
  const xs = vars.filter((v) => v.trainable);
  if (xs.length === 0) throw new Error(`leanVariableGrads: none of the ${vars.length} variables is trainable`);
  const y = engine.scopedRun(
    () => {
      engine.startTape();
      trimSavedTensorsWhileRecording(engine, xs);
    },
    () => engine.endTape(),
    () => engine.tidy('forward', f),
  );
  const tape = engine.state.activeTape ?? [];
  try {
    let grads: (tf.Tensor | null)[];
    let handed = 0;
    const onGradient = hooks.onGradient
      ? (k: number, g: tf.Tensor): void => {
          handed++;
          hooks.onGradient!(xs[k]!, g);
        }
      : undefined;
    try {
      if (!(y instanceof tf.Tensor) || y.rank !== 0) throw new Error(`leanVariableGrads: f must return a scalar tensor, got ${y instanceof tf.Tensor ? `rank ${y.rank}` : typeof y}`);
      grads = engine.tidy('backward', () => backpropagate(engine, tape, xs, y, onGradient) as unknown as tf.TensorContainer) as unknown as (tf.Tensor | null)[];
    } catch (err) {
      tf.dispose(y);
      throw err;
    }
    const named: tf.NamedTensorMap = {};
    xs.forEach((v, i) => {
      if (grads[i]) named[v.name] = grads[i]!;
    });
    if (Object.keys(named).length === 0 && handed === 0) {
      tf.dispose(y);
      throw new Error('leanVariableGrads: no variable is connected to the result of f (are the ops that use them inside f?)');
    }
    return { value: y as tf.Scalar, grads: named };
  } finally {
    // As tfjs does at the end of a first-order gradient: free whatever the tape still saves.
    for (const node of tape) for (const t of node.saved ?? []) t.dispose();
    engine.state.activeTape = null;
  }
}

/**
 * Reverse-mode pass over the tape; returns the gradient of each x (or null), freeing as it goes.
 * With `onGradient`, each x's gradient is handed over once its first use on the tape has been
 * differentiated, then freed (null in the result).
 */
function backpropagate(
  engine: EngineInternals,
  tape: readonly TapeNode[],
  xs: readonly tf.Variable[],
  y: tf.Tensor,
  onGradient?: (k: number, g: tf.Tensor) => void,
): (tf.Tensor | null)[] {
  const nodes = filteredNodes(tape, xs, y);
  const keep = new Set(xs.map((x) => x.id));
  // Node index -> the xs whose first use it is: their gradients are complete once it is done.
  const completeAt = new Map<number, number[]>();
  if (onGradient) {
    const index = new Map(xs.map((x, k) => [x.id, k]));
    const found = new Set<number>();
    nodes.forEach((node, i) => {
      for (const t of Object.values(node.inputs)) {
        const k = index.get(t.id);
        if (k === undefined || found.has(k)) continue;
        found.add(k);
        completeAt.set(i, [...(completeAt.get(i) ?? []), k]);
      }
    });
  }
  // Tensor id -> its accumulated gradient; a gradient object may back several ids (a gradient
  // function can hand its dy on unchanged), so objects are reference-counted before disposal.
  const acc = new Map<number, tf.Tensor>();
  const refs = new Map<tf.Tensor, number>();
  const saved = new Set<tf.Tensor>();
  for (const n of nodes) for (const t of n.saved ?? []) if (t instanceof tf.Tensor) saved.add(t);
  const put = (id: number, g: tf.Tensor): void => {
    acc.set(id, g);
    refs.set(g, (refs.get(g) ?? 0) + 1);
  };
  const release = (g: tf.Tensor): void => {
    const n = (refs.get(g) ?? 0) - 1;
    if (n > 0) refs.set(g, n);
    else {
      refs.delete(g);
      if (!saved.has(g)) g.dispose();
    }
  };
  const drop = (id: number): void => {
    const g = acc.get(id);
    if (g === undefined) return;
    acc.delete(id);
    release(g);
  };
  put(y.id, tf.onesLike(y));
  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i]!;
    if (!node.gradient) throw new Error(`Cannot compute gradient: gradient function not found for ${node.kernelName}.`);
    const dys = node.outputs.map((o) => acc.get(o.id) ?? null);
    const names = Object.keys(node.inputs);
    // One scope per node: zero-filled dys of unused outputs and the gradient functions' temporaries go at its end.
    const dxs = engine.tidy(() => {
      const fns = node.gradient!(dys);
      return names.map((name) => {
        if (!(name in fns)) throw new Error(`Cannot backprop through input ${name}. Available gradients found: ${Object.keys(fns)}.`);
        return fns[name]!();
      });
    });
    names.forEach((name, k) => {
      const dx = dxs[k]!;
      const x = node.inputs[name]!;
      if (dx.dtype !== 'float32') throw new Error(`Error in gradient for op ${node.kernelName}. The gradient of input ${name} must have 'float32' dtype, but has '${dx.dtype}'`);
      if (!tf.util.arraysEqual(dx.shape, x.shape)) {
        throw new Error(`Error in gradient for op ${node.kernelName}. The gradient of input '${name}' has shape '${dx.shape}', which does not match the shape of the input '${x.shape}'`);
      }
      const cur = acc.get(x.id);
      if (cur === undefined) {
        put(x.id, dx);
        return;
      }
      const sum = tf.add(cur, dx);
      drop(x.id);
      put(x.id, sum);
      // dx may be an object that still backs another entry (a dy handed on): free it only if not.
      if (!refs.has(dx) && !saved.has(dx)) dx.dispose();
    });
    // Every consumer of this node's outputs came later on the tape: their gradients are complete and used.
    for (const o of node.outputs) if (!keep.has(o.id)) drop(o.id);
    for (const t of node.saved ?? []) {
      if (!(t instanceof tf.Tensor)) continue;
      saved.delete(t);
      if (!refs.has(t)) t.dispose();
    }
    for (const k of completeAt.get(i) ?? []) {
      const g = acc.get(xs[k]!.id);
      if (g === undefined) continue;
      onGradient!(k, g);
      drop(xs[k]!.id);
    }
  }
  const seen = new Set<tf.Tensor>();
  return xs.map((x) => {
    const g = acc.get(x.id);
    if (g === undefined) return null;
    // Two variables handed the same gradient object would free each other's: give the second a copy.
    if (seen.has(g)) return tf.clone(g);
    seen.add(g);
    return g;
  });
}

/** tfjs's `getFilteredNodesXToY`: the tape nodes on a path from some x to y, inputs pruned to those that depend on an x. */
function filteredNodes(tape: readonly TapeNode[], xs: readonly tf.Tensor[], y: tf.Tensor): TapeNode[] {
  const fromX = new Set<number>(xs.map((x) => x.id));
  const nodesFromX = new Set<number>();
  for (const node of tape) {
    if (Object.values(node.inputs).some((t) => fromX.has(t.id))) {
      for (const o of node.outputs) fromX.add(o.id);
      nodesFromX.add(node.id);
    }
  }
  const toY = new Set<number>([y.id]);
  const nodesToY = new Set<number>();
  for (let i = tape.length - 1; i >= 0; i--) {
    const node = tape[i]!;
    if (node.outputs.some((o) => toY.has(o.id))) {
      for (const t of Object.values(node.inputs)) toY.add(t.id);
      nodesToY.add(node.id);
    }
  }
  const out: TapeNode[] = [];
  for (const node of tape) {
    if (!(nodesFromX.has(node.id) && nodesToY.has(node.id))) continue;
    const inputs: Record<string, tf.Tensor> = {};
    for (const [name, t] of Object.entries(node.inputs)) if (fromX.has(t.id)) inputs[name] = t;
    out.push({ ...node, inputs });
  }
  return out;
}
