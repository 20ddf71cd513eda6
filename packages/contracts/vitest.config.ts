import { packageTestConfig } from '../../vitest.shared.js';

export default packageTestConfig('@actfusion/contracts');
