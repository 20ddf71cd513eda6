import { z } from 'zod';
import { schemaAt } from './overrides.js';
import type { KindRegistry, KindSection } from '../composition/kind-registry.js';
import { ConfigError, type ConfigIssue } from './config-error.js';
import { originOf, type Origins } from './deep-merge.js';
import { experimentSchema, type ExperimentConfig } from './experiment-schema.js';

function describeReceived(root: unknown, path: readonly PropertyKey[]): string {
  let v: unknown = root;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return '';
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  if (v === undefined) return '';
  const text = JSON.stringify(v);
  return text === undefined ? '' : `, got ${text.length > 60 ? `${text.slice(0, 57)}...` : text}`;
}

function knownKeys(path: readonly PropertyKey[]): string {
  const { schema } = schemaAt(path.map(String));
  let s = schema;
  while (s instanceof z.ZodOptional || s instanceof z.ZodDefault || s instanceof z.ZodPrefault) s = s.unwrap() as z.ZodType;
  return s instanceof z.ZodObject ? `; known keys: ${Object.keys(s.shape).join(', ')}` : '';
}

function zodIssues(error: z.ZodError, input: unknown, prefix: readonly PropertyKey[] = [], withKnownKeys = true): ConfigIssue[] {
  return error.issues.flatMap((issue) => {
    const fullPath = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      const known = withKnownKeys ? knownKeys(fullPath) : '';
      return issue.keys.map((key) => ({ path: [...fullPath, key].map(String).join('.'), message: `unknown key "${key}"${known}` }));
    }
    let message = issue.message;
    if (issue.code !== 'invalid_union') message += describeReceived(input, fullPath);
    return [{ path: fullPath.map(String).join('.'), message }];
  });
}

function checkKind(
  registry: KindRegistry,
  section: KindSection,
  entry: unknown,
  path: string,
  issues: ConfigIssue[],
): void {
  if (entry === null || typeof entry !== 'object') return;
  const { kind, ...options } = entry as Record<string, unknown>;
  if (typeof kind !== 'string') return;
  const known = registry.get(section, kind);
  if (known === undefined) {
    const kinds = registry.kinds(section);
    issues.push({
      path: `${path}.kind`,
      message:
        `unknown ${section} kind "${kind}"; known kinds: ${kinds.length > 0 ? kinds.join(', ') : '(none registered)'}` +
        ' (or a plug-in: a package name or a ./path whose module exports register and optionsSchema)',
    });
    return;
  }
  if (known.optionsSchema !== undefined) {
    const parsed = known.optionsSchema.safeParse(options);
    if (!parsed.success) {
      for (const i of zodIssues(parsed.error, options, [], false)) {
        issues.push({ path: i.path === '' ? path : `${path}.${i.path}`, message: `${i.message} (${section} "${kind}")` });
      }
    }
  }
}

/** Input images of one training batch, as float32, beyond which a config is refused. */
const MAX_BATCH_IMAGE_BYTES = 2 * 2 ** 30;

/** Rules across fields that one field's schema cannot express. */
function crossFieldIssues(config: ExperimentConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const k = config.policy.chunkSize;
  if (config.execution.mode === 'open-loop' && config.execution.nActionSteps !== undefined && config.execution.nActionSteps > k) {
    issues.push({
      path: 'execution.nActionSteps',
      message: `expected at most policy.chunkSize (${k}) actions per chunk, got ${config.execution.nActionSteps}`,
    });
  }
  if ((config.execution.mode === 'rtc' || config.execution.mode === 'async') && config.execution.rtc.executionHorizon + config.execution.rtc.inferenceDelay > k) {
    issues.push({
      path: 'execution.rtc.executionHorizon',
      message: `expected executionHorizon + inferenceDelay <= policy.chunkSize (${k})`,
    });
  }
  config.encoders.forEach((encoder, i) => {
    const cameras = encoder.cameras;
    if (!Array.isArray(cameras)) return;
    cameras.forEach((camera, j) => {
      if (!config.robot.cameras.includes(camera as string)) {
        issues.push({
          path: `encoders.${i}.cameras.${j}`,
          message: `expected one of robot.cameras (${config.robot.cameras.join(', ') || 'none'}), got ${JSON.stringify(camera)}`,
        });
      }
    });
  });
  const robot = config.robot as { imageHeight?: number; imageWidth?: number; cameras: readonly string[] };
  if (robot.imageHeight !== undefined && robot.imageWidth !== undefined && robot.cameras.length > 0) {
    // The input images of one batch alone, as float32: a floor under what a step needs.
    const bytes = config.train.batchSize * robot.cameras.length * robot.imageHeight * robot.imageWidth * 3 * 4;
    if (bytes > MAX_BATCH_IMAGE_BYTES) {
      issues.push({
        path: 'train.batchSize',
        message:
          `a batch of ${config.train.batchSize} x ${robot.cameras.length} camera image(s) of ${robot.imageHeight}x${robot.imageWidth} ` +
          `is ${(bytes / 2 ** 30).toFixed(1)} GiB as float32 before any activation; expected at most ` +
          `${MAX_BATCH_IMAGE_BYTES / 2 ** 30} GiB (the wasm heap is 4 GiB): lower train.batchSize or the image size`,
      });
    }
  }
  if (config.train.workers !== undefined && config.train.workers > config.train.batchSize) {
    issues.push({
      path: 'train.workers',
      message: `expected at most train.batchSize (${config.train.batchSize}) workers (each takes a shard of every batch), got ${config.train.workers}`,
    });
  }
  if (config.policy.dimModel % config.policy.nHeads !== 0) {
    issues.push({
      path: 'policy.nHeads',
      message: `expected a divisor of policy.dimModel (${config.policy.dimModel}), got ${config.policy.nHeads}`,
    });
  }
  return issues;
}

/**
 * Validates a merged config document: the schema, every `kind` against the registry (with
 * that kind's options), and the cross-field rules. Collects every problem, then throws one
 * `ConfigError` naming them all; returns the typed config with defaults filled in.
 */
export function validateExperiment(
  raw: unknown,
  options: { file: string; registry: KindRegistry; origins?: Origins },
): ExperimentConfig {
  const issues: ConfigIssue[] = [];
  const parsed = experimentSchema.safeParse(raw);
  if (!parsed.success) issues.push(...zodIssues(parsed.error, raw));
  if (raw !== null && typeof raw === 'object') {
    const doc = raw as Record<string, unknown>;
    if (Array.isArray(doc.encoders)) {
      doc.encoders.forEach((e, i) => checkKind(options.registry, 'encoder', e, `encoders.${i}`, issues));
    }
    checkKind(options.registry, 'decoder', doc.decoder, 'decoder', issues);
  }
  if (parsed.success) issues.push(...crossFieldIssues(parsed.data));
  if (issues.length > 0) {
    const withSource = issues.map((i) => {
      const source = options.origins === undefined ? undefined : originOf(options.origins, i.path);
      return source === undefined ? i : { ...i, source };
    });
    throw new ConfigError(options.file, withSource);
  }
  return parsed.data as ExperimentConfig;
}
