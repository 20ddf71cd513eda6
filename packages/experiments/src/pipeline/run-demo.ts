import { join } from 'node:path';
import type { KindRegistry } from '../composition/kind-registry.js';
import type { ExperimentConfig } from '../config/experiment-schema.js';
import { writeFileAtomic } from '@actfusion/atomic-file';
import { ensureDataset } from './ensure-dataset.js';
import { evaluatePolicy, type EvalSummary } from './evaluate-policy.js';
import { trainExperiment, type TrainSummary } from './train-experiment.js';

export interface DemoSummary {
  train: TrainSummary;
  eval: EvalSummary;
  seconds: { record: number; train: number; eval: number; total: number };
  report: string;
  reportPath: string;
}

/**
 * The demo: record scripted demonstrations in the simulator (if the dataset is missing),
 * train the preset's policy, evaluate it with randomised object positions, and write a
 * success table (percent) with the plots beside it in `<outputDir>/demo.md`.
 */
export async function runDemo(config: ExperimentConfig, options: { registry: KindRegistry; log?: (line: string) => void; onTrainStep?: (step: number, total: number, loss: number) => void }): Promise<DemoSummary> {
  const log = options.log ?? (() => {});
  const t0 = performance.now();
  const recorded = await ensureDataset(config, log);
  const t1 = performance.now();
  log(`dataset ${config.dataset.path} ${recorded} (${((t1 - t0) / 1000).toFixed(1)} s)`);
  const train = await trainExperiment(config, {
    registry: options.registry,
    log,
    onProgress: (p) => {
      options.onTrainStep?.(p.step, p.totalSteps, p.loss);
      if (p.step % config.train.logFreq === 0 || p.step === p.totalSteps) log(`step ${p.step}/${p.totalSteps} loss ${p.loss.toFixed(4)} (${p.stepsPerSecond.toFixed(2)} steps/s)`);
    },
  });
  const t2 = performance.now();
  const evaluated = await evaluatePolicy(config, { registry: options.registry, checkpoint: train.checkpoint, log });
  const t3 = performance.now();
  const seconds = { record: (t1 - t0) / 1000, train: (t2 - t1) / 1000, eval: (t3 - t2) / 1000, total: (t3 - t0) / 1000 };
  const pct = (100 * evaluated.successes) / evaluated.episodes;
  const report = [
    `# actfusion demo: ${config.name}`,
    '',
    `Task \`${evaluated.task}\`, ${config.dataset.episodes} scripted demonstrations, ${train.steps} training steps on the ${train.backend} backend, ` +
      `${evaluated.episodes} evaluation episodes with randomised object positions.`,
    '',
    `**Success: ${evaluated.successes}/${evaluated.episodes} = ${pct.toFixed(1)} %**`,
    '',
    evaluated.markdown,
    `| phase | seconds |`,
    `|---|---|`,
    `| record | ${seconds.record.toFixed(1)} |`,
    `| train | ${seconds.train.toFixed(1)} |`,
    `| eval | ${seconds.eval.toFixed(1)} |`,
    `| total | ${seconds.total.toFixed(1)} |`,
    '',
    '![success rate](eval/success-rate.png) ![training curves](plots/training-curves.png)',
    '',
  ].join('\n');
  const reportPath = join(config.outputDir, 'demo.md');
  await writeFileAtomic(reportPath, report);
  return { train, eval: evaluated, seconds, report, reportPath };
}
