/**
 * A loopback qwen-flash server for tests: both providers' wire formats, scripted replies, injected faults.
 * See `docs/testing.md`.
 * @module
 */
export { type SeededFaultKind, type SeededFaultsOptions, seededFaults } from './faults.js';
export { startMockQwen } from './server.js';
export type {
  MockFault,
  MockFaultSource,
  MockLogprobs,
  MockQwen,
  MockQwenOptions,
  MockReply,
  MockReplySource,
  MockRequest,
  MockStreamPacing,
} from './types.js';
