import type { BatchStopReason } from './batch-types.js';

/** What {@link checkBudget} looks at. @internal */
export interface BudgetState {
  maxCostUsd: number;
  /** Cost of the executions finished so far. */
  spentUsd: number;
  /** Mean cost of an item so far, or `undefined` before the first one finished. */
  meanCostUsd: number | undefined;
  /** Items in flight. */
  inFlight: number;
  /** Items the next execution would take. */
  groupSize: number;
}

/**
 * Whether the budget lets another execution start: `go`; `wait` while items in flight may still change the picture;
 * or the reason to stop. The first item runs alone (there is no estimate before it), then the spent cost plus the
 * mean cost of every item in flight and of the next group must stay within `maxCostUsd`. @internal
 */
export function checkBudget(state: BudgetState): 'go' | 'wait' | BatchStopReason {
  const { maxCostUsd, spentUsd, meanCostUsd, inFlight, groupSize } = state;
  if (spentUsd < maxCostUsd) {
    if (meanCostUsd === undefined) return inFlight === 0 ? 'go' : 'wait';
    if (spentUsd + meanCostUsd * (inFlight + groupSize) <= maxCostUsd) return 'go';
    if (inFlight > 0) return 'wait';
  }
  return {
    name: 'BudgetExceeded',
    message: `maxCostUsd ${maxCostUsd} USD reached: ${spentUsd.toPrecision(3)} USD spent, about ${(meanCostUsd ?? 0).toPrecision(3)} USD per item`,
  };
}
