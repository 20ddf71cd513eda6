/**
 * Entry of a data-parallel training worker thread (see `WorkerPoolStepRunner`). It builds the
 * policy from the pool's factory, reads the trainer's weights from shared memory, then for every
 * step: gradients of its shard (in micro-batches when needed), each added in worker order into the
 * shared weights buffer as soon as it is finished (the weights are in every backend by then), the
 * clipped AdamW update of its range of that sum in the shared moments, written back as the new
 * weights (no worker holds optimiser state in its tensor backend, no gradient slot exists per
 * worker), and the new weights.
 */
// The policy factory may import cvae-core's tsyringe-decorated classes, which need the polyfill first.
import 'reflect-metadata';
import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { actParamGroups } from '../../optim/param-groups.js';
import { batchGradients } from '../batch-gradients.js';
import { Normalizer } from '../normalizer.js';
import { MicroBatchResolver, type LocalStepConfig } from '../step-runner.js';
import type { TrainablePolicy } from '../trainable-policy.js';
import { loadPolicyFactory, type WorkerPolicy } from './policy-factory.js';
import { barrier, abortBarrier, PoolAbortedError, reduceRange, type SharedGradientBuffers } from './shared-gradients.js';
import { StreamedGradientSum } from './streamed-gradient-sum.js';
import { fromPayload, toPayload, transferList } from './tensor-payload.js';
import { nonTrainable, parameterOffsets, readSharedWeights } from './shared-training-state.js';
import { shardedAdamWStep, sumOfSquares, type ShardedParam } from './sharded-adamw.js';
import { threadMemory } from './thread-memory.js';
import type { FromWorker, InitMessage, StepMessage, ToWorker } from './worker-messages.js';
import type { BackendWasm } from '../../kernels/wasm-kernel-call.js';

interface WorkerState {
  readonly init: InitMessage;
  readonly built: WorkerPolicy;
  readonly policy: TrainablePolicy;
  readonly params: [string, tf.Variable][];
  /** Float offset of each parameter in the shared weights. */
  readonly offsets: number[];
  /** Float count of each parameter. */
  readonly sizes: number[];
  readonly floats: number;
  /** Offsets, sizes and group hyper-parameters of every parameter (for the sharded AdamW step). */
  readonly sharded: ShardedParam[];
  /** Update count of every parameter (the same in every worker). */
  readonly steps: Int32Array;
  readonly cfg: LocalStepConfig;
  readonly microBatch: MicroBatchResolver;
  readonly control: Int32Array;
  /** This worker's side of the step's gradient sum in the shared weights buffer. */
  readonly sum: StreamedGradientSum;
}

const port = parentPort;
if (!port) throw new Error('gradient-worker: must run in a worker thread');
const post = (m: FromWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);
let state: WorkerState | null = null;

port.on('message', (msg: ToWorker) => {
  void handle(msg).catch((err: unknown) => {
    const aborted = err instanceof PoolAbortedError;
    if (state && !aborted) abortBarrier(state.control);
    post({ type: 'error', message: err instanceof Error ? err.message : String(err), aborted });
  });
});

async function handle(msg: ToWorker): Promise<void> {
  if (msg.type === 'init') {
    state = await initialise(msg);
    post({ type: 'ready' });
  } else if (msg.type === 'step') {
    post(await step(need(state), msg));
  } else if (msg.type === 'pull') {
    // The weights and optimiser state are in shared memory already; only the buffers travel.
    const s = need(state);
    const buffers = toPayload(nonTrainable(s.policy, s.params));
    post({ type: 'pulled', buffers }, transferList(buffers));
  } else if (msg.type === 'memory') {
    post({ type: 'memory', memory: threadMemory(`worker ${need(state).init.index + 1}`) });
  } else if (msg.type === 'close') {
    if (state) {
      await state.built.dispose?.();
      state = null;
    }
    post({ type: 'closed' });
    port!.close();
  }
}

function need(s: WorkerState | null): WorkerState {
  if (!s) throw new Error('gradient-worker: not initialised');
  return s;
}

async function initialise(init: InitMessage): Promise<WorkerState> {
  const factory = await loadPolicyFactory(init.factory);
  const built = await factory(init.factory.args);
  const policy = built.policy;
  const params = policy.trainableParameters();
  const names = params.map(([n]) => n);
  if (names.length !== init.paramNames.length || names.some((n, i) => n !== init.paramNames[i])) {
    const diff = names.find((n, i) => n !== init.paramNames[i]) ?? '(count)';
    throw new Error(
      `worker ${init.index}: the policy built by '${init.factory.module}' has ${names.length} trainable parameters, the trainer's has ${init.paramNames.length} (first difference: ${diff})`,
    );
  }
  const { offsets, floats } = parameterOffsets(params);
  const source = `worker ${init.index}: the trainer's weights`;
  const buffers = fromPayload(init.buffers);
  try {
    const own = nonTrainable(policy, params);
    const missing = [...own.keys()].filter((k) => !buffers.has(k));
    const unexpected = [...buffers.keys()].filter((k) => !own.has(k));
    if (missing.length > 0 || unexpected.length > 0) throw new Error(`${source}: buffers do not match: missing [${missing.slice(0, 8)}], unexpected [${unexpected.slice(0, 8)}]`);
    policy.loadStateDict(buffers, { strict: false, source });
  } finally {
    tf.dispose([...buffers.values()]);
  }
  params.forEach(([n, v], i) => {
    if (v.shape.join() !== init.paramShapes[i]!.join()) throw new Error(`${source}: tensor '${n}' has shape [${init.paramShapes[i]}], expected [${v.shape}]`);
  });
  readSharedWeights(init.state, params, offsets);
  const o = init.optimizer;
  const groups = actParamGroups(params, {
    lr: o.lr,
    lrBackbone: o.backboneLr,
    weightDecay: o.weightDecay,
    isBackbone: (name) => name.startsWith(o.backbonePrefix),
  });
  const hyper = new Map<string, { lr: number; weightDecay: number }>();
  for (const g of groups) for (const [n] of g.params) hyper.set(n, { lr: g.lr, weightDecay: g.weightDecay ?? o.weightDecay });
  const sharded = params.map(([n, v], i) => ({ offset: offsets[i]!, size: v.size, ...hyper.get(n)! }));
  policy.train();
  const control = new Int32Array(init.shared.control);
  const sizes = params.map(([, v]) => v.size);
  const cfg: LocalStepConfig = {
    spec: init.spec,
    normalizer: Normalizer.fromJSON(init.normalizer),
    reduction: init.reduction,
    clip: init.clip,
    microBatch: init.microBatch,
    ...(init.budgetBytes !== undefined ? { budgetBytes: init.budgetBytes } : {}),
    log: (line) => post({ type: 'log', line }),
    label: `worker ${init.index + 1}/${init.workers} (${tf.getBackend()})`,
  };
  return {
    init,
    built,
    policy,
    params,
    offsets,
    sizes,
    floats,
    sharded,
    steps: new Int32Array(init.state.steps).slice(),
    cfg,
    microBatch: new MicroBatchResolver(cfg),
    control,
    sum: new StreamedGradientSum(init.state.weights, init.shared.arrivals, control, init.index, offsets, sizes),
  };
}

/**
 * One data-parallel step: this worker's shard gradients, each added into the shared weights buffer
 * as soon as it is complete (`StreamedGradientSum`: in worker order per parameter, so the sum does
 * not depend on who finishes first; every worker read the weights into its backend at the end of
 * the previous step), then the parameters the last pass did not hand over; barrier (the sum is
 * whole); the loss check, its float range's sum of squares; barrier; the global norm (partial sums
 * in worker order, so every worker gets the same), the clipped AdamW update of its range, written
 * over the sum as the new weights; barrier; every worker reads the new weights; barrier (no worker
 * adds the next step's gradients before all have read these weights).
 */
async function step(s: WorkerState, m: StepMessage): Promise<FromWorker> {
  const { index, workers } = s.init;
  const shared: SharedGradientBuffers = s.init.shared;
  const P = s.params.length;
  const present = new Uint8Array(shared.present);
  present.fill(0, index * P, (index + 1) * P);
  // Cached after the first step, which may profile a one-sample pass (`auto` on wasm).
  const microBatch = await s.microBatch.resolve(s.policy, s.params, m.samples, m.rngState);
  // Gradients whose turn in the sum has not come (workers 3 and up only); added after the backward pass.
  const waiting = new Map<number, tf.Tensor>();
  const offerWaiting = (): void => {
    for (const [i, g] of waiting) {
      if (!s.sum.offer(i, valuesOf(g))) continue;
      waiting.delete(i);
      g.dispose();
    }
  };
  let r: ReturnType<typeof batchGradients> | null = null;
  try {
    r = batchGradients(s.policy, s.params, m.samples, {
      ...s.cfg,
      rngState: m.rngState,
      offset: m.offset,
      whole: m.whole,
      microBatch,
      onGradient: (i, g) => {
        present[index * P + i] = 1;
        // A view on this backend's memory, read before the gradient is freed.
        if (!s.sum.offer(i, valuesOf(g))) waiting.set(i, tf.keep(tf.clone(g)));
        offerWaiting();
      },
    });
    for (const [i, g] of waiting) s.sum.add(i, valuesOf(g));
    s.params.forEach(([name], i) => {
      if (present[index * P + i] === 1) return;
      const g = r!.grads.get(name);
      if (g) present[index * P + i] = 1;
      s.sum.add(i, g ? valuesOf(g) : null);
    });
  } finally {
    tf.dispose([...waiting.values(), ...(r ? r.grads.values() : [])]);
  }
  const losses = new Float64Array(shared.losses);
  losses.set([r.loss, r.l1, r.kl], index * 3);
  barrier(s.control, workers);
  if (index === 0) s.sum.reset();
  const terms = [0, 0, 0];
  for (let w = 0; w < workers; w++) for (let j = 0; j < 3; j++) terms[j] += losses[w * 3 + j]!;
  if (!Number.isFinite(terms[0]!)) throw new Error(`Trainer: loss is ${terms[0]} at step ${m.stepNumber}`);
  const [lo, hi] = reduceRange(s.floats, index, workers);
  const total = new Float32Array(s.init.state.weights);
  const norms = new Float64Array(shared.norms);
  norms[index] = sumOfSquares(total, lo, hi);
  barrier(s.control, workers);
  let squares = 0;
  for (let w = 0; w < workers; w++) squares += norms[w]!;
  const gradNorm = Math.sqrt(squares);
  const clip = s.cfg.clip;
  const presentAny = s.params.map((_, i) => {
    for (let w = 0; w < workers; w++) if (present[w * P + i] === 1) return true;
    return false;
  });
  shardedAdamWStep({
    state: s.init.state,
    current: (i) => valuesOf(s.params[i]![1]),
    params: s.sharded,
    present: presentAny,
    steps: s.steps,
    lo,
    hi,
    coef: clip ? clip / (gradNorm + 1e-6) : Infinity,
    betas: s.init.optimizer.betas ?? [0.9, 0.999],
    eps: s.init.optimizer.eps ?? 1e-8,
  });
  barrier(s.control, workers);
  readSharedWeights(s.init.state, s.params, s.offsets);
  barrier(s.control, workers);
  return { type: 'stepped', gradNorm, loss: terms[0]!, l1: terms[1]!, kl: terms[2]!, rngEnd: r.rngEnd };
}

/** A float32 tensor's values without a JavaScript copy on wasm (a view on its heap), else `dataSync()`. */
function valuesOf(t: tf.Tensor): Float32Array {
  if (tf.getBackend() === 'wasm') return (tf.backend() as unknown as BackendWasm).typedArrayFromHeap(t) as Float32Array;
  return t.dataSync() as Float32Array;
}
