import { type BatchStore, createBatchStore } from './batch-store.js';
import type { MockFaultSource } from './mock-fault.js';
import type { MockReplySource } from './mock-reply.js';
import type { MockQwenOptions, MockRequest } from './mock-types.js';
import { createRateLimiter, type RateLimiter } from './rate-limiter.js';

const DEFAULT_CREDITS = 100;
const DEFAULT_CREDITS_PER_CALL = 0.001;
const DEFAULT_WINDOW_MS = 60_000;

/** @internal Everything a running mock remembers between requests. */
export interface MockState {
  readonly options: MockQwenOptions;
  readonly now: () => number;
  readonly creditsPerCall: number;
  readonly rateLimiter: RateLimiter | undefined;
  readonly batches: BatchStore;
  reply: MockReplySource | undefined;
  faults: MockFaultSource | undefined;
  /** Position in an array of replies. */
  replyPosition: number;
  /** Chat requests received so far. */
  chatCount: number;
  credits: number;
  requests: MockRequest[];
}

/** @internal */
export function createMockState(options: MockQwenOptions): MockState {
  const now = options.now ?? Date.now;
  const rateLimit = options.rateLimit;
  return {
    options,
    now,
    creditsPerCall: options.creditsPerCall ?? DEFAULT_CREDITS_PER_CALL,
    rateLimiter:
      rateLimit === undefined
        ? undefined
        : createRateLimiter(rateLimit.requestsPerMinute, rateLimit.windowMs ?? DEFAULT_WINDOW_MS, now),
    batches: createBatchStore(),
    reply: options.reply,
    faults: options.faults,
    replyPosition: 0,
    chatCount: 0,
    credits: options.credits ?? DEFAULT_CREDITS,
    requests: [],
  };
}

/** @internal Back to the state of a fresh server (the current replies and faults stay). */
export function resetMockState(state: MockState): void {
  state.requests = [];
  state.replyPosition = 0;
  state.chatCount = 0;
  state.credits = state.options.credits ?? DEFAULT_CREDITS;
  state.rateLimiter?.clear();
  state.batches.clear();
}

/** @internal Whether a request may pass: no key configured, or the configured key presented. */
export function acceptsKey(state: MockState, request: MockRequest): boolean {
  return state.options.apiKey === undefined || request.keyPresented === state.options.apiKey;
}
