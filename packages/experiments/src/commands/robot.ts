import { createInterface } from 'node:readline/promises';
import { Command, Option } from 'commander';
import {
  alohaArm,
  kochArm,
  loadCalibration,
  MotorsBus,
  SafeRobot,
  saveCalibration,
  scanBus,
  ServoArm,
  ServoBus,
  soArm,
  Teleoperation,
  type ArmCalibration,
  type ArmPresetOptions,
  type ProtocolName,
  type ServoArmConfig,
} from '@actfusion/robot-io';
import { intOption, numberOption } from './options.js';

export const ARMS: Record<string, (o: ArmPresetOptions) => ServoArmConfig> = { so101: soArm, koch: kochArm, aloha: alohaArm };

const int = (name: string, min = 0) => intOption(name, { min });

export function armPreset(name: string): (o: ArmPresetOptions) => ServoArmConfig {
  const preset = ARMS[name];
  if (!preset) throw new Error(`--arm: unknown arm "${name}"; known arms: ${Object.keys(ARMS).join(', ')}`);
  return preset;
}

/** Waits for Enter on a terminal, or `seconds` otherwise (scripts, CI). */
async function waitForOperator(prompt: string, seconds: number): Promise<void> {
  if (process.stdin.isTTY) {
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    await rl.question(`${prompt} Press Enter when done. `);
    rl.close();
  } else {
    console.error(`${prompt} (${seconds} s)`);
    await new Promise((r) => setTimeout(r, seconds * 1000));
  }
}

/**
 * LeRobot's calibration: torque off, the operator puts the arm in the middle of its range
 * (half-turn homing offsets), then moves every joint through its full range (recorded min/max).
 */
export async function calibrateArm(options: { port: string; arm: string; baud: number; middleSeconds: number; rangeSeconds: number }): Promise<ArmCalibration> {
  const config = armPreset(options.arm)({ port: options.port, calibration: {} });
  const bus = await ServoBus.open(options.port, config.protocol, { baudRate: options.baud });
  try {
    const motors = new MotorsBus(bus, config.motors);
    await motors.disableTorque();
    await waitForOperator('Move the arm to the middle of its range of motion.', options.middleSeconds);
    const offsets = await motors.setHalfTurnHomings();
    const stop = new AbortController();
    const recording = motors.recordRangesOfMotion(stop.signal);
    await waitForOperator('Move every joint through its whole range of motion.', options.rangeSeconds);
    stop.abort();
    const ranges = await recording;
    return Object.fromEntries(
      Object.entries(config.motors).map(([name, m]) => [name, { id: m.id, driveMode: 0, homingOffset: offsets[name]!, rangeMin: ranges[name]!.min, rangeMax: ranges[name]!.max }]),
    );
  } finally {
    await bus.close();
  }
}

export function registerRobotCommand(program: Command): void {
  const robot = program.command('robot').description('Servo buses and arms: scan, ping, calibrate, teleoperate (Dynamixel Protocol 2.0, Feetech STS/SCS)');
  const protocol = () => new Option('--protocol <name>', 'servo protocol').choices(['dynamixel', 'feetech']).makeOptionMandatory();

  robot
    .command('scan')
    .description('List the servos on a bus (broadcast ping) with their ids and models')
    .requiredOption('--port <path>', 'serial port, e.g. /dev/ttyUSB0 or /dev/tty.usbmodem...')
    .addOption(protocol())
    .option('--baud <n>', 'baud rate', int('--baud', 1), 1_000_000)
    .option('--window-ms <ms>', 'how long one broadcast ping collects replies (default: the bus timing)', int('--window-ms', 1))
    .option('--rounds <n>', 'broadcast pings to send; the servos found are merged', int('--rounds', 1), 3)
    .action(async (o: { port: string; protocol: ProtocolName; baud: number; windowMs?: number; rounds: number }) => {
      const found = await scanBus(o.port, o.protocol, o.baud, { rounds: o.rounds, ...(o.windowMs ? { windowMs: o.windowMs } : {}) });
      if (found.length === 0) {
        throw new Error(
          `robot scan: no servo answered on ${o.port} (${o.protocol}, ${o.baud} baud, ${o.rounds} broadcast pings); ` +
            'check the power supply, the cable, the protocol and the baud rate',
        );
      }
      for (const s of found) console.log(`id ${s.id}\tmodel ${s.model ?? 'unknown'} (${s.modelNumber})${s.firmware !== undefined ? `\tfirmware ${s.firmware}` : ''}`);
    });

  robot
    .command('ping')
    .description('Ping one servo id')
    .requiredOption('--port <path>', 'serial port')
    .addOption(protocol())
    .requiredOption('--id <n>', 'servo id', int('--id'))
    .option('--baud <n>', 'baud rate', int('--baud', 1), 1_000_000)
    .action(async (o: { port: string; protocol: ProtocolName; id: number; baud: number }) => {
      const bus = await ServoBus.open(o.port, o.protocol, { baudRate: o.baud });
      try {
        const r = await bus.ping(o.id);
        console.log(`id ${r.id} answered${r.modelNumber !== undefined ? `: model number ${r.modelNumber}` : ''}${r.firmware !== undefined ? `, firmware ${r.firmware}` : ''}`);
      } finally {
        await bus.close();
      }
    });

  robot
    .command('calibrate')
    .description('Calibrate an arm (homing offsets and ranges of motion, LeRobot layout) and save it as JSON')
    .requiredOption('--port <path>', 'serial port of the arm')
    .requiredOption('--arm <name>', `arm type: ${Object.keys(ARMS).join(', ')}`)
    .requiredOption('--out <file>', 'calibration JSON to write')
    .option('--baud <n>', 'baud rate', int('--baud', 1), 1_000_000)
    .option('--middle-seconds <s>', 'without a terminal: seconds to place the arm mid-range', int('--middle-seconds'), 5)
    .option('--range-seconds <s>', 'without a terminal: seconds to sweep every joint through its range', int('--range-seconds'), 20)
    .action(async (o: { port: string; arm: string; out: string; baud: number; middleSeconds: number; rangeSeconds: number }) => {
      const calibration = await calibrateArm(o);
      await saveCalibration(o.out, calibration);
      for (const [name, c] of Object.entries(calibration)) console.log(`${name}\tid ${c.id}\thoming ${c.homingOffset}\trange [${c.rangeMin}, ${c.rangeMax}]`);
      console.log(`calibration saved to ${o.out}`);
    });

  robot
    .command('teleoperate')
    .description('Leader-follower teleoperation: the follower tracks the leader through the safety layer')
    .requiredOption('--arm <name>', `arm type of both arms: ${Object.keys(ARMS).join(', ')}`)
    .requiredOption('--leader-port <path>', 'serial port of the leader arm')
    .requiredOption('--leader-calibration <file>', 'leader calibration JSON (from `robot calibrate`)')
    .requiredOption('--follower-port <path>', 'serial port of the follower arm')
    .requiredOption('--follower-calibration <file>', 'follower calibration JSON')
    .option('--hz <n>', 'control rate', int('--hz', 1), 50)
    .option('--ticks <n>', 'stop after this many control ticks (default: until Ctrl-C)', int('--ticks', 1))
    .option('--max-relative-target <units>', 'largest per-tick move of a follower joint (safety cap)', numberOption('--max-relative-target', { min: 0 }), 10)
    .action(async (o: { arm: string; leaderPort: string; leaderCalibration: string; followerPort: string; followerCalibration: string; hz: number; ticks?: number; maxRelativeTarget: number }) => {
      const preset = armPreset(o.arm);
      const leader = new ServoArm(preset({ port: o.leaderPort, calibration: await loadCalibration(o.leaderCalibration), role: 'leader', controlHz: o.hz }));
      const follower = new ServoArm(preset({ port: o.followerPort, calibration: await loadCalibration(o.followerCalibration), controlHz: o.hz }));
      await leader.connect();
      try {
        await follower.connect();
        const teleop = new Teleoperation(leader, new SafeRobot(follower, { maxRelativeTarget: o.maxRelativeTarget }));
        const stop = new AbortController();
        process.once('SIGINT', () => stop.abort());
        const report = await teleop.run({ ...(o.ticks ? { ticks: o.ticks } : {}), signal: stop.signal });
        console.log(`teleoperation stopped (${report.stoppedBy ?? 'done'}) after ${report.ticks} ticks at ${report.hz} Hz; late ${report.lateTicks}, overruns ${report.overruns}`);
      } finally {
        await follower.disconnect();
        await leader.disconnect();
      }
    });
}
