export { INSTRUCTION_EMBEDDINGS, LANGUAGE_ENCODER_OPTIONS, type LanguageEncoderOptions } from './language-encoder-options.js';
export { LanguageTokenEncoder, MINILM_EMBEDDING_DIM, TASK_EMBEDDING_KEY } from './language-token-encoder.js';
export { LanguageEncoder } from './language-encoder.js';
export { InstructionEmbeddings, LEARNED_INSTRUCTION_TABLE } from './instruction-embeddings.js';
export { registerLanguageEncoder } from './register-language-encoder.js';
