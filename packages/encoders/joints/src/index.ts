export { JointsEncoder } from './joints-encoder.js';
export { registerJointsEncoder } from './register-joints-encoder.js';
