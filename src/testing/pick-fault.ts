import type { MockFault } from './mock-fault.js';
import type { MockState } from './mock-state.js';
import type { MockRequest } from './mock-types.js';

/** @internal The fault to inject into a chat request (or batch line), if any. */
export function pickFault(state: MockState, request: MockRequest): MockFault | undefined {
  const source = state.faults;
  if (source === undefined) return undefined;
  if (typeof source === 'function') return source(request);
  const byIndex: Readonly<Record<number, MockFault | undefined>> = source;
  return byIndex[request.index];
}

/** @internal Whether a fault leaves the answer whole (it only slows it down), so the request counts as answered. */
export function keepsAnswerWhole(fault: MockFault | undefined): boolean {
  return fault === undefined || fault.type === 'slow-headers' || fault.type === 'slow-body';
}
