export { ProtoMessage, varintBytes } from './protobuf-writer.js';
export {
  ONNX_DTYPE,
  encodeOnnxModel,
  encodeTensor,
  type OnnxAttribute,
  type OnnxDim,
  type OnnxDtype,
  type OnnxGraph,
  type OnnxModel,
  type OnnxNode,
  type OnnxTensor,
  type OnnxValueInfo,
} from './onnx-model.js';
export { OnnxGraphBuilder, attr } from './onnx-graph-builder.js';
export {
  exportActivation,
  exportAffine,
  exportDecoderLayer,
  exportEncoderLayer,
  exportLayerNorm,
  exportLinear,
  exportMultiheadAttention,
  transposedRows,
  valuesOf,
} from './transformer-export.js';
export { exportFeatureMapTokens, exportImagenetNormalize, sinePositions } from './image-tokens-export.js';
export {
  isOnnxExportableDecoder,
  isOnnxExportableEncoder,
  type OnnxEncoderContext,
  type OnnxExportableDecoder,
  type OnnxExportableEncoder,
  type OnnxTokens,
} from './onnx-exportable.js';
export {
  ACT_ONNX_OPSET,
  ONNX_BATCH_DIM,
  exportActPolicyOnnx,
  type ActOnnxExportOptions,
  type OnnxFeatureAffine,
  type OnnxImageInput,
} from './export-act-policy.js';
export { writeOnnxModel } from './write-onnx-model.js';
