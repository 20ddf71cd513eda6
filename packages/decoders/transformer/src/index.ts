export { DecoderStack, TransformerActionDecoder } from './transformer-decoder.js';
export { registerTransformerDecoder } from './register-transformer-decoder.js';
