import type { ModalityEncoder } from '../../contracts/modality-encoder.js';
import type { ActionDecoder } from '../../contracts/action-decoder.js';
import type { OnnxGraphBuilder } from './onnx-graph-builder.js';

/**
 * What a modality encoder is handed to export itself into an ONNX graph. Features are asked for
 * by their LeRobot key; the context creates the graph input on first use (named by the key) and
 * returns the value the encoder's `encode` would see in its `ObservationBatch`, laid out for ONNX.
 */
export interface OnnxEncoderContext {
  readonly graph: OnnxGraphBuilder;
  readonly dimModel: number;
  /** `observation.state` as the network sees it (normalised when the export carries statistics), [B, S]. */
  state(): string;
  /**
   * An image feature (`observation.images.<camera>`, `observation.tactile.<sensor>`) as float32
   * NCHW [B, 3, H, W] holding the values the tfjs batch holds (in [0, 1] for raw camera bytes).
   */
  image(key: string, height: number, width: number): string;
  /** A float feature taken as given, [B, ...shape] (taxel grids, sentence embeddings). */
  tensor(key: string, shape: readonly number[]): string;
  /** The conditioning vector [B, dimModel] of the policy's Conditioner, when it has one. */
  readonly conditioning?: string;
}

/** An encoder's tokens in the graph: tokens [B, N, D] and their positions as an [N·D] constant. */
export interface OnnxTokens {
  readonly tokens: string;
  readonly count: number;
  readonly positions: Float32Array;
}

/** A `ModalityEncoder` that can write itself into an ONNX graph (every built-in encoder can). */
export interface OnnxExportableEncoder extends ModalityEncoder {
  exportOnnx(ctx: OnnxEncoderContext): OnnxTokens;
  /** A Conditioner's conditioning vector [B, D] (language FiLM); run before every encoder's export. */
  exportConditionOnnx?(ctx: OnnxEncoderContext): string;
}

/** An `ActionDecoder` that can write itself into an ONNX graph. */
export interface OnnxExportableDecoder extends ActionDecoder {
  /** memory [B, S, D] with positions `memoryPositions` ([S, D] constant) -> [B, k, D]. */
  exportOnnx(g: OnnxGraphBuilder, memory: string, memoryPositions: string, chunkSize: number): string;
}

export function isOnnxExportableEncoder(e: ModalityEncoder): e is OnnxExportableEncoder {
  return typeof (e as unknown as { exportOnnx?: unknown }).exportOnnx === 'function';
}

export function isOnnxExportableDecoder(d: ActionDecoder): d is OnnxExportableDecoder {
  return typeof (d as unknown as { exportOnnx?: unknown }).exportOnnx === 'function';
}
