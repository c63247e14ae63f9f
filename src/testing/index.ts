/**
 * A loopback qwen-flash server for tests: both providers' wire formats, scripted replies, injected faults.
 * @module
 */
export type {
  MockEchoKeyFault,
  MockErrorShape,
  MockFault,
  MockFaultSource,
  MockHtmlFault,
  MockResetFault,
  MockSlowBodyFault,
  MockSlowHeadersFault,
  MockSseCutFault,
  MockSseErrorFault,
  MockStatusFault,
  MockTruncateFault,
} from './mock-fault.js';
export type {
  MockCompletionReply,
  MockRawReply,
  MockReply,
  MockReplySource,
  MockToolCallReply,
  MockUsageReply,
} from './mock-reply.js';
export type { MockMessage, MockQwen, MockQwenOptions, MockRateLimit, MockRequest, MockRoute } from './mock-types.js';
export { type SeededFaultKind, type SeededFaultsOptions, seededFaults } from './seeded-faults.js';
export { startMockQwen } from './start-mock-qwen.js';
