import * as ort from 'onnxruntime-node';
import { OBSERVATION_STATE, TASK, type ImageFrame, type Observation } from '@actfusion/contracts';

/** One graph input as ONNX Runtime describes it. */
export interface OnnxInputSpec {
  readonly name: string;
  readonly type: string;
  readonly shape: readonly (number | string)[];
}

const BYTE_TO_UNIT = Float32Array.from({ length: 256 }, (_, v) => v / 255);

/**
 * One raw observation as batch-1 feeds of an exported graph, by feature key:
 * `observation.state` (float32 [1, S]), `observation.images.<camera>` and
 * `observation.tactile.<sensor>` (uint8 [1, H, W, 3] as the camera gives them, or float32
 * [1, 3, H, W] in [0, 1]), `observation.taxels.<sensor>` (float32 [1, rows, cols, C]) and
 * `task.embedding` (the instruction's sentence embedding). Errors name the input and what was expected.
 */
export function observationFeeds(
  observation: Observation,
  inputs: readonly OnnxInputSpec[],
  options: { source: string; instructionEmbedding?: (instruction: string) => Float32Array },
): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  const fail = (input: OnnxInputSpec, why: string): never => {
    throw new Error(`${options.source}: input '${input.name}' [${input.shape.join(', ')}] ${input.type}: ${why}`);
  };
  const dims = (input: OnnxInputSpec): number[] => input.shape.map((d, i) => (i === 0 ? 1 : typeof d === 'number' ? d : fail(input, `dimension ${i} is dynamic`)));
  for (const input of inputs) {
    const shape = dims(input);
    const size = shape.reduce((a, b) => a * b, 1);
    const floats = (values: ArrayLike<number>, what: string): ort.Tensor => {
      if (values.length !== size) fail(input, `the observation's ${what} has ${values.length} values, expected ${size}`);
      return new ort.Tensor('float32', Float32Array.from(values), shape);
    };
    const image = (frame: ImageFrame | undefined, what: string): ort.Tensor => {
      if (!frame) return fail(input, `the observation has no ${what}`);
      const chw = input.type === 'float32';
      const [h, w] = chw ? [shape[2]!, shape[3]!] : [shape[1]!, shape[2]!];
      if (frame.height !== h || frame.width !== w || frame.data.length !== h * w * 3) {
        fail(input, `${what} is ${frame.height}x${frame.width} with ${frame.data.length} bytes, expected ${h}x${w}x3`);
      }
      if (!chw) return new ort.Tensor('uint8', frame.data, shape);
      const out = new Float32Array(3 * h * w);
      for (let p = 0; p < h * w; p++) for (let c = 0; c < 3; c++) out[c * h * w + p] = BYTE_TO_UNIT[frame.data[p * 3 + c]!]!;
      return new ort.Tensor('float32', out, shape);
    };
    // Graph inputs are named by feature key, so the observation's value under that key is the feed.
    const key = input.name;
    const value = observation[key];
    if (key === OBSERVATION_STATE) feeds[key] = floats(observation[OBSERVATION_STATE], 'observation.state');
    else if (key.startsWith('observation.images.') || key.startsWith('observation.tactile.')) {
      feeds[key] = image(value as ImageFrame | undefined, `feature '${key}'`);
    } else if (key.startsWith('observation.taxels.')) {
      if (!(value instanceof Float32Array)) fail(input, `the observation has no Float32Array feature '${key}'`);
      feeds[key] = floats(value as Float32Array, `feature '${key}'`);
    } else if (key === 'task.embedding') {
      const task = observation[TASK];
      if (task === undefined) fail(input, `the observation has no instruction (feature '${TASK}')`);
      if (!options.instructionEmbedding) fail(input, 'no instruction embeddings table was given to the predictor');
      feeds[key] = floats(options.instructionEmbedding!(task!), 'instruction embedding');
    } else {
      fail(input, 'not a feature key actfusion knows how to fill from an observation');
    }
  }
  return feeds;
}
