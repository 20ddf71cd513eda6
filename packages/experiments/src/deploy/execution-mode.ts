import type { ChunkExecutionMode } from '@actfusion/cvae-core/inference';
import type { ExperimentConfig } from '../config/experiment-schema.js';

/**
 * The chunk execution the config asks for, as cvae-core's ChunkExecutor mode. `realtime`: a
 * late chunk does not hold the control loop while the plan lasts (`run`); otherwise it is awaited
 * at its due step (`eval` in simulated time: deterministic).
 */
export function executionModeOf(config: ExperimentConfig, options: { realtime?: boolean } = {}): ChunkExecutionMode {
  const e = config.execution;
  const lateChunk = options.realtime ? 'continue' : 'wait';
  switch (e.mode) {
    case 'open-loop':
      return { kind: 'open-loop', nActionSteps: e.nActionSteps ?? config.policy.chunkSize };
    case 'temporal-ensemble':
      return { kind: 'temporal-ensemble', coeff: e.temporalEnsembleCoeff };
    case 'async':
      return { kind: 'real-time-chunking', executionHorizon: e.rtc.executionHorizon, inferenceDelay: e.rtc.inferenceDelay, schedule: 'zeros', lateChunk };
    case 'rtc':
      return { kind: 'real-time-chunking', executionHorizon: e.rtc.executionHorizon, inferenceDelay: e.rtc.inferenceDelay, schedule: e.rtc.schedule, lateChunk };
  }
}

/**
 * Fit a mode to a measured inference latency at `hz`: asynchronous and real-time-chunking
 * execution need the chunk within `inferenceDelay` ticks, so the delay is raised to
 * ceil(latency / period) + 1 (and the execution horizon with it) when it is shorter. Open-loop and
 * temporal-ensemble execution wait for inference on the control path; `note` says how long.
 */
export function fitToLatency(mode: ChunkExecutionMode, latencyMs: number, hz: number, chunkSize: number): { mode: ChunkExecutionMode; note: string } {
  const period = 1000 / hz;
  const ticks = Math.ceil(latencyMs / period);
  switch (mode.kind) {
    case 'real-time-chunking': {
      const needed = ticks + 1;
      if (mode.inferenceDelay >= needed) return { mode, note: `inference ${latencyMs.toFixed(1)} ms fits in inferenceDelay ${mode.inferenceDelay} ticks (${(mode.inferenceDelay * period).toFixed(0)} ms)` };
      const d = needed;
      const s = Math.max(mode.executionHorizon, d);
      if (s > chunkSize - d) {
        // The chunk is too short to hide this latency: use the longest delay it allows; chunks will be late.
        const dMax = Math.floor(chunkSize / 2);
        return {
          mode: { ...mode, inferenceDelay: dMax, executionHorizon: dMax },
          note: `inference ${latencyMs.toFixed(1)} ms = ${ticks} ticks at ${hz} Hz does not fit in a chunk of ${chunkSize} (needs inferenceDelay ${d} <= chunkSize / 2); using inferenceDelay = executionHorizon = ${dMax}: expect late chunks`,
        };
      }
      return {
        mode: { ...mode, inferenceDelay: d, executionHorizon: s },
        note: `inference ${latencyMs.toFixed(1)} ms > inferenceDelay ${mode.inferenceDelay} ticks: raised to inferenceDelay ${d}, executionHorizon ${s}`,
      };
    }
    case 'open-loop':
      return { mode, note: `open-loop: every ${mode.nActionSteps} ticks the control loop waits ~${latencyMs.toFixed(1)} ms for inference (use execution.mode async or rtc)` };
    case 'temporal-ensemble':
      return {
        mode,
        note: `temporal-ensemble queries every tick: ${latencyMs.toFixed(1)} ms of inference per ${period.toFixed(1)} ms tick${latencyMs > period ? ' does not fit (use execution.mode rtc)' : ''}`,
      };
  }
}
