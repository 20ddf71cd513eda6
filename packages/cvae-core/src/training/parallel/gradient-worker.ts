/**
 * Entry of a data-parallel training worker thread (see `WorkerPoolStepRunner`). It builds the
 * policy from the pool's factory, takes the trainer's weights and optimiser state, then for every
 * step: gradients of its shard (in micro-batches when needed) into its shared slot, a barrier, its
 * range of the slot sum, a barrier, and the same clipping and AdamW update as every other worker.
 */
// The policy factory may import cvae-core's tsyringe-decorated classes, which need the polyfill first.
import 'reflect-metadata';
import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { actParamGroups } from '../../optim/param-groups.js';
import { batchGradients } from '../batch-gradients.js';
import { Normalizer } from '../normalizer.js';
import { finishStep, MicroBatchResolver, type LocalStepConfig } from '../step-runner.js';
import { adamWTrainerOptimizer, type TrainerOptimizer } from '../trainer-optimizer.js';
import type { TrainablePolicy } from '../trainable-policy.js';
import { loadPolicyFactory, type WorkerPolicy } from './policy-factory.js';
import { barrier, abortBarrier, PoolAbortedError, reduceRange, reduceSlots, type SharedGradientBuffers } from './shared-gradients.js';
import { fromPayload, toPayload, transferList } from './tensor-payload.js';
import { threadMemory } from './thread-memory.js';
import type { FromWorker, InitMessage, StepMessage, ToWorker } from './worker-messages.js';
import type { BackendWasm } from '../../kernels/wasm-kernel-call.js';

interface WorkerState {
  readonly init: InitMessage;
  readonly built: WorkerPolicy;
  readonly policy: TrainablePolicy;
  readonly params: [string, tf.Variable][];
  /** Float offset of each parameter in a slot. */
  readonly offsets: number[];
  readonly floats: number;
  readonly optimizer: TrainerOptimizer;
  readonly cfg: LocalStepConfig;
  readonly microBatch: MicroBatchResolver;
  readonly control: Int32Array;
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
    const s = need(state);
    const model = toPayload(s.policy.stateDict());
    const opt = s.optimizer.stateTensors();
    const optimizerState = toPayload(opt);
    tf.dispose([...opt.values()].filter((t) => !(t instanceof tf.Variable)));
    post({ type: 'pulled', model, optimizerState }, [...transferList(model), ...transferList(optimizerState)]);
  } else if (msg.type === 'memory') {
    post({ type: 'memory', memory: threadMemory(`worker ${need(state).init.index + 1}`) });
  } else if (msg.type === 'close') {
    if (state) {
      state.optimizer.dispose();
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
  const model = fromPayload(init.model);
  try {
    policy.loadStateDict(model, { source: `worker ${init.index}: the trainer's weights` });
  } finally {
    tf.dispose([...model.values()]);
  }
  const o = init.optimizer;
  const groups = actParamGroups(params, {
    lr: o.lr,
    lrBackbone: o.backboneLr,
    weightDecay: o.weightDecay,
    isBackbone: (name) => name.startsWith(o.backbonePrefix),
  });
  const optimizer = adamWTrainerOptimizer(groups, {
    ...(o.betas ? { betas: o.betas } : {}),
    ...(o.eps !== undefined ? { eps: o.eps } : {}),
    weightDecay: o.weightDecay,
  });
  const optState = fromPayload(init.optimizerState);
  try {
    optimizer.loadState(optState, `worker ${init.index}: the trainer's optimiser state`);
  } finally {
    tf.dispose([...optState.values()]);
  }
  policy.train();
  const offsets: number[] = [];
  let floats = 0;
  for (const [, v] of params) {
    offsets.push(floats);
    floats += v.size;
  }
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
    floats,
    optimizer,
    cfg,
    microBatch: new MicroBatchResolver(cfg),
    control: new Int32Array(init.shared.control),
  };
}

async function step(s: WorkerState, m: StepMessage): Promise<FromWorker> {
  const { index, workers } = s.init;
  const shared: SharedGradientBuffers = s.init.shared;
  // Cached after the first step, which may profile a one-sample pass (`auto` on wasm).
  const microBatch = await s.microBatch.resolve(s.policy, s.params, m.samples, m.rngState);
  {
    const r = batchGradients(s.policy, s.params, m.samples, { ...s.cfg, rngState: m.rngState, offset: m.offset, whole: m.whole, microBatch });
    const slot = new Float32Array(shared.grads, index * s.floats * 4, s.floats);
    const present = new Uint8Array(shared.present);
    const P = s.params.length;
    s.params.forEach(([name, v], i) => {
      const g = r.grads.get(name);
      if (g) slot.set(valuesOf(g), s.offsets[i]!);
      else slot.fill(0, s.offsets[i]!, s.offsets[i]! + v.size);
      present[index * P + i] = g ? 1 : 0;
    });
    tf.dispose([...r.grads.values()]);
    const losses = new Float64Array(shared.losses);
    losses.set([r.loss, r.l1, r.kl], index * 3);
    barrier(s.control, workers);
    const [lo, hi] = reduceRange(s.floats, index, workers);
    reduceSlots(shared.grads, workers, s.floats, lo, hi);
    barrier(s.control, workers);
    const sum = [0, 0, 0];
    for (let w = 0; w < workers; w++) for (let j = 0; j < 3; j++) sum[j] += losses[w * 3 + j]!;
    const total = new Float32Array(shared.grads, 0, s.floats);
    const grads = new Map<string, tf.Tensor>();
    s.params.forEach(([name, v], i) => {
      let any = false;
      for (let w = 0; w < workers; w++) any ||= present[w * P + i] === 1;
      if (any) grads.set(name, tensorFrom(total, s.offsets[i]!, v));
    });
    const out = finishStep(grads, { loss: sum[0]!, l1: sum[1]!, kl: sum[2]!, rngEnd: r.rngEnd }, s.optimizer, s.cfg.clip, m.stepNumber);
    return { type: 'stepped', ...out };
  }
}

/** A float32 tensor's values without a JavaScript copy on wasm (a view on its heap), else `dataSync()`. */
function valuesOf(t: tf.Tensor): Float32Array {
  if (tf.getBackend() === 'wasm') return (tf.backend() as unknown as BackendWasm).typedArrayFromHeap(t) as Float32Array;
  return t.dataSync() as Float32Array;
}

/**
 * A tensor of a parameter's range of the summed slot. The wasm backend copies a view straight into
 * its heap; other backends may keep the array they are given, so they get a private copy.
 */
function tensorFrom(total: Float32Array, offset: number, v: tf.Variable): tf.Tensor {
  const range = tf.getBackend() === 'wasm' ? total.subarray(offset, offset + v.size) : total.slice(offset, offset + v.size);
  return tf.tensor(range, v.shape, 'float32');
}
