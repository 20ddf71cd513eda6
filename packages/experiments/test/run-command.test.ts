import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime, parsePolicyConfig, type TensorRuntime } from '@actfusion/cvae-core';
import { writeLeRobotCheckpoint } from '@actfusion/cvae-core/io';
import { observationSpec } from '@actfusion/contracts';
import { openPtyPair, parseCalibration, ServoEmulator, SimRobot, SO_JOINTS } from '@actfusion/robot-io';
import { buildActPolicy } from '../src/act/build-act-policy.js';
import { builtinKinds } from '../src/composition/builtin-kinds.js';
import { configForCheckpoint } from '../src/deploy/checkpoint-config.js';
import { createChunkPredictor } from '../src/deploy/create-predictor.js';
import { resolveCheckpoint } from '../src/deploy/resolve-checkpoint.js';
import { actfusion } from './support/in-process-cli.js';

// A tiny untrained ACT for lift-cube (7-D state and action, a 24x32 `top` camera) whose action
// statistics put every output far outside the joint limits: SafeRobot must clamp each one.
let runtime: TensorRuntime;
let dir: string;
let ckptDir: string;
const calibrationFile = new URL('../../robot-io/test/fixtures/so101_follower.json', import.meta.url);

beforeAll(async () => {
  runtime = await createRuntime({ backend: 'cpu', seed: 1 });
  dir = await mkdtemp(join(tmpdir(), 'actfusion-run-'));
  const config = parsePolicyConfig({ dimModel: 16, nHeads: 2, dimFeedforward: 32, nEncoderLayers: 1, nVaeEncoderLayers: 1, latentDim: 4, chunkSize: 40 });
  const spec = observationSpec({ stateDim: 7, actionDim: 7, cameras: { top: [24, 32] } });
  const { policy } = buildActPolicy({ config, spec, vision: { width: 4 }, seed: 5 });
  ckptDir = join(dir, 'pretrained_model');
  const normalizer = {
    qpos: { mode: 'MEAN_STD' as const, shift: new Array(7).fill(0), scale: new Array(7).fill(1) },
    action: { mode: 'MEAN_STD' as const, shift: new Array(7).fill(50), scale: new Array(7).fill(0.01) },
  };
  await writeLeRobotCheckpoint(ckptDir, policy, {}, { normalizer, images: 'imagenet' });
  policy.dispose();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  runtime.dispose();
});

/** A state-only ACT for an SO-101's 6 joints whose action statistics aim far past the limits (written once). */
let armCkptDir: string | undefined;
async function armCheckpoint(): Promise<string> {
  if (armCkptDir) return armCkptDir;
  const config = parsePolicyConfig({ dimModel: 16, nHeads: 2, dimFeedforward: 32, nEncoderLayers: 1, nVaeEncoderLayers: 1, latentDim: 4, chunkSize: 20 });
  const { policy } = buildActPolicy({ config, spec: observationSpec({ stateDim: 6, actionDim: 6 }), seed: 2 });
  const armCkpt = join(dir, 'arm', 'pretrained_model');
  const normalizer = {
    qpos: { mode: 'MEAN_STD' as const, shift: new Array(6).fill(0), scale: new Array(6).fill(50) },
    action: { mode: 'MEAN_STD' as const, shift: new Array(6).fill(500), scale: new Array(6).fill(0.01) },
  };
  await writeLeRobotCheckpoint(armCkpt, policy, {}, { normalizer });
  policy.dispose();
  return (armCkptDir = armCkpt);
}

describe('deployment path', () => {
  it('the tfjs worker-thread predictor gives the in-process chunk', async () => {
    const registry = builtinKinds();
    const ckpt = await resolveCheckpoint(ckptDir);
    const { config } = await configForCheckpoint(ckpt, { registry, set: ['robot.task=lift-cube', 'runtime.backend=cpu'] });
    const sim = await SimRobot.create({ task: 'lift-cube', cameras: [{ name: 'top', height: 24, width: 32 }], tactile: false, seed: 3 });
    const obs = sim.observeNow();
    const inProcess = await createChunkPredictor({ config, pretrainedDir: ckpt.pretrainedDir, registry, spec: sim.observationSpec(), inProcess: true });
    const worker = await createChunkPredictor({ config, pretrainedDir: ckpt.pretrainedDir, registry, spec: sim.observationSpec() });
    try {
      expect(worker.runtime).toBe('tfjs-cpu (worker thread)');
      const [a, b] = await Promise.all([inProcess.predict(obs), worker.predict(obs)]);
      expect(b).toHaveLength(40);
      expect(b[0]).toHaveLength(7);
      b.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(a[i]![j]!, 4)));
      // Requests overlap and come back in order.
      const many = await Promise.all([worker.predict(obs), worker.predict(obs), worker.predict(obs)]);
      many.forEach((c) => expect(c[3]![2]).toBeCloseTo(a[3]![2]!, 4));
    } finally {
      await worker.dispose();
      await inProcess.dispose();
      sim.close();
    }
    await expect(worker.predict(obs)).rejects.toThrow(/after dispose/);
  });

  it('actfusion run drives the simulator through SafeRobot and the ControlLoop (async execution, worker inference)', async () => {
    const report = join(dir, 'run.json');
    const out = await actfusion(
      'run', '--checkpoint', ckptDir, '--set', 'robot.task=lift-cube', '--set', 'runtime.backend=cpu',
      '--set', 'execution.mode=async', '--set', 'execution.rtc.executionHorizon=4', '--set', 'execution.rtc.inferenceDelay=2',
      '--ticks', '30', '--report', report,
    );
    expect(out).toMatch(/run completed: 30 ticks at [\d.]+ Hz \(target 50\) on tfjs-cpu \(worker thread\)/);
    expect(out).toMatch(/safety: 30 actions, 30 clamped to limits/);
    const r = JSON.parse(await readFile(report, 'utf8'));
    expect(r.loop.ticks).toBe(30);
    expect(r.executor.steps).toBe(30);
    // How many chunks arrive in 30 ticks depends on the machine's load (inference runs off the
    // control thread and never blocks a tick): at least the first one did.
    expect(r.executor.queries).toBeGreaterThanOrEqual(1);
    expect(r.mode).toMatchObject({ kind: 'real-time-chunking', schedule: 'zeros', lateChunk: 'continue' });
    expect(r.safety.limitClamped).toBe(30);
    // Per joint: every one clamped on every tick, the gripper (0..1) asked for about 50, i.e. ~49 past its limit.
    expect(Object.keys(r.safety.limitClampedByJoint)).toHaveLength(7);
    expect(Object.values(r.safety.limitClampedByJoint).map((c) => (c as { count: number }).count)).toEqual(new Array(7).fill(30));
    const gripper = Object.entries(r.safety.limitClampedByJoint).find(([name]) => name.endsWith('gripper'))![1] as { maxExcess: number };
    expect(gripper.maxExcess).toBeGreaterThan(45);
    expect(out).toMatch(/clamped to joint limits: \w+ 30 \(at most [\d.]+ past the limit\)/);
  });

  it('actfusion run --runtime onnx: the policy exported in memory, ONNX Runtime off the control thread, rtc execution', async () => {
    const report = join(dir, 'run-onnx.json');
    const out = await actfusion('run', '--checkpoint', ckptDir, '--set', 'robot.task=lift-cube', '--set', 'execution.mode=rtc', '--runtime', 'onnx', '--ticks', '20', '--report', report);
    expect(out).toMatch(/run completed: 20 ticks at [\d.]+ Hz \(target 50\) on onnxruntime-1-thread/);
    const r = JSON.parse(await readFile(report, 'utf8'));
    expect(r.mode).toMatchObject({ kind: 'real-time-chunking', schedule: 'exp', lateChunk: 'continue' });
    expect(r.safety.limitClamped).toBe(20);
  });

  it('actfusion run drives a servo arm (emulated SO-101 over a socat pty pair) through SafeRobot with a per-tick cap', async () => {
    const cal = parseCalibration(JSON.parse(await readFile(calibrationFile, 'utf8')));
    const pty = await openPtyPair();
    const emulator = await ServoEmulator.open(
      pty.b,
      'feetech',
      SO_JOINTS.map((name, i) => ({ id: i + 1, model: 'sts3215', position: Math.round((cal[name]!.rangeMin + cal[name]!.rangeMax) / 2) + cal[name]!.homingOffset })),
    );
    try {
      const armCkpt = await armCheckpoint();
      const calFile = join(dir, 'follower.json');
      await writeFile(calFile, await readFile(calibrationFile, 'utf8'));
      const report = join(dir, 'run-arm.json');
      const before = emulator.registerValue(1, 'Goal_Position');
      const out = await actfusion(
        'run', '--checkpoint', armCkpt, '--arm', 'so101', '--port', pty.a, '--calibration', calFile,
        '--set', 'execution.mode=async', '--max-relative-target', '2', '--ticks', '15', '--report', report, '--bus-timeout-ms', '150',
      );
      expect(out).toMatch(/run completed: 15 ticks .* on tfjs-\w+ \(worker thread\)/);
      const r = JSON.parse(await readFile(report, 'utf8'));
      expect(r.safety.actions).toBe(15);
      expect(r.safety.stepClamped).toBe(15); // every target capped at 2 degrees from the present position
      expect(emulator.registerValue(1, 'Goal_Position')).not.toBe(before);
    } finally {
      await emulator.close();
      await pty.close();
    }
  });

  it('actfusion run on robot.kind servo addresses the configured robot.ids (an SO-101 on servo ids 11..16)', async () => {
    const ids = [11, 12, 13, 14, 15, 16];
    const raw = JSON.parse(await readFile(calibrationFile, 'utf8')) as Record<string, { id: number }>;
    SO_JOINTS.forEach((name, i) => (raw[name]!.id = ids[i]!));
    const calFile = join(dir, 'follower-11.json');
    await writeFile(calFile, JSON.stringify(raw));
    const cal = parseCalibration(raw);
    const pty = await openPtyPair();
    const emulator = await ServoEmulator.open(
      pty.b,
      'feetech',
      SO_JOINTS.map((name, i) => ({ id: ids[i]!, model: 'sts3215', position: Math.round((cal[name]!.rangeMin + cal[name]!.rangeMax) / 2) + cal[name]!.homingOffset })),
    );
    try {
      const armCkpt = await armCheckpoint();
      const robot = `robot={kind: servo, port: ${pty.a}, protocol: feetech, ids: [${ids.join(', ')}], calibration: ${calFile}}`;
      const before = emulator.registerValue(11, 'Goal_Position');
      const out = await actfusion('run', '--checkpoint', armCkpt, '--arm', 'so101', '--set', robot, '--set', 'execution.mode=async', '--max-relative-target', '2', '--ticks', '5', '--bus-timeout-ms', '150');
      expect(out).toMatch(/run completed: 5 ticks/);
      expect(emulator.registerValue(11, 'Goal_Position')).not.toBe(before);
      // ids that do not fit the arm are named before the bus is opened
      await expect(actfusion('run', '--checkpoint', armCkpt, '--arm', 'so101', '--set', robot.replace('[11, ', '['), '--ticks', '2')).rejects.toThrow(/robot\.ids has 5 servo ids, but the so101 arm has 6 joints \(shoulder_pan, .*gripper\)/);
      await expect(actfusion('run', '--checkpoint', armCkpt, '--arm', 'so101', '--set', robot.replace('feetech', 'dynamixel'), '--ticks', '2')).rejects.toThrow(/robot\.protocol is dynamixel, but the so101 arm's servos speak feetech/);
    } finally {
      await emulator.close();
      await pty.close();
    }
  });

  it('names the problem when the checkpoint does not fit the robot', async () => {
    await expect(actfusion('run', '--checkpoint', ckptDir, '--set', 'robot.task=transfer-cube', '--set', 'runtime.backend=cpu', '--ticks', '2')).rejects.toThrow(/pretrained_model\/model\.safetensors: tensor 'action_head\.weight' has shape \[7,16\], expected \[14,16\]/);
  });
});
