/**
 * What an online run's items cost before and after they are sent: the per-item estimate that `maxCostUsd` checks
 * before sending each item (its own prompt tokens, known before sending, calibrated on the items finished so far),
 * the budget that keeps the spent cost plus the estimates of the items in flight within the limit, and the estimate
 * of a call the server reported no usage for. See `docs/running-at-scale.md` (Concurrency, rate limits and stops).
 * @module
 */

import type { Usage } from '../client/types.js';
import { BATCH_PRICE_SHARE, computeCostUsd, QWEN_FLASH_PRICES } from '../client/wire.js';
import { compileTask } from '../task/define-task.js';
import { estimateTokens } from '../tokens.js';
import type { BatchRunStart } from './run-batch.js';
import type { BatchItem, BatchItemOutcome, BatchStopReason } from './types.js';

/** How an item's cost is estimated before it is sent. */
export interface ItemEstimate {
  /** The prompt tokens of the item's first call: the task's system prompt and the item's text. */
  promptTokens(item: Pick<BatchItem, 'text'>): number;
  /** The price of some usage at the client's online prices. */
  priceUsd(usage: Pick<Usage, 'promptTokens' | 'completionTokens'>): number;
}

/** Tokens a chat request adds around its messages (roles, template). */
const MESSAGE_OVERHEAD_TOKENS = 12;
/** The token estimate is within ±20% of the tokenizer; a budget must not count low, so the text counts 25% more. */
const TEXT_MARGIN = 1.25;

/**
 * The estimate of a run (or of a `tuneTask` evaluation): its task's system prompt, the client's prices (the
 * default prices without a client).
 */
export function createItemEstimate(start: Pick<BatchRunStart, 'task' | 'client'>): ItemEstimate {
  const { systemTokens } = compileTask(start.task);
  const { client } = start;
  return {
    promptTokens: (item) => systemTokens + Math.ceil(estimateTokens(item.text) * TEXT_MARGIN) + MESSAGE_OVERHEAD_TOKENS,
    priceUsd: (usage) => {
      const full = { ...usage, cachedTokens: 0, totalTokens: usage.promptTokens + usage.completionTokens };
      return client === undefined
        ? computeCostUsd(full, QWEN_FLASH_PRICES)
        : client.batchApi.estimateCostUsd(full) / BATCH_PRICE_SHARE;
    },
  };
}

/** `go`, `wait` (for the items in flight), or why the run stops. */
export type BudgetVerdict = 'go' | 'wait' | BatchStopReason;

/** The `maxCostUsd` of a run: the estimate of every group before it is sent, and of the groups in flight. */
export interface Budget {
  /** Whether `group` may be sent now. */
  check(group: readonly BatchItem[], now: { spentUsd: number; inFlight: number }): BudgetVerdict;
  /** The group was sent: its estimate counts as in flight. */
  started(group: readonly BatchItem[]): void;
  /** An item finished: its real usage calibrates the estimate. */
  finished(item: BatchItem, outcome: BatchItemOutcome): void;
  /** The group's execution ended: its estimate no longer counts. */
  ended(group: readonly BatchItem[]): void;
}

/**
 * A budget: before the first item finished, items run one at a time (nothing is known of the replies yet); then each
 * group's estimate is its items' own prompt tokens (the text counted 25% high), scaled up when the finished items'
 * real prompt tokens were above their estimates (repair turns included), plus the mean completion tokens so far.
 */
export function createBudget(maxCostUsd: number, estimate: ItemEstimate): Budget {
  const inFlightUsd = new Map<readonly BatchItem[], number>();
  let finished = 0;
  let estimatedPrompt = 0;
  let realPrompt = 0;
  let realCompletion = 0;

  function groupUsd(group: readonly BatchItem[]): number | undefined {
    if (finished === 0) return undefined;
    // Only ever scaled up: finished items whose prompts counted more than estimated raise the estimate of the rest.
    const scale = estimatedPrompt > 0 ? Math.max(1, realPrompt / estimatedPrompt) : 1;
    const completionTokens = realCompletion / finished;
    let total = 0;
    for (const item of group) {
      total += estimate.priceUsd({ promptTokens: estimate.promptTokens(item) * scale, completionTokens });
    }
    return total;
  }

  return {
    check(group, { spentUsd, inFlight }) {
      const nextUsd = groupUsd(group);
      let inFlightTotal = 0;
      for (const value of inFlightUsd.values()) inFlightTotal += value;
      return checkBudget({
        maxCostUsd,
        spentUsd,
        meanCostUsd: nextUsd === undefined ? undefined : nextUsd / group.length,
        inFlight,
        groupSize: group.length,
        ...(nextUsd === undefined ? {} : { nextUsd, inFlightUsd: inFlightTotal }),
      });
    },
    started(group) {
      inFlightUsd.set(group, groupUsd(group) ?? 0);
    },
    finished(item, outcome) {
      if (outcome.calls === 0) return;
      finished += 1;
      estimatedPrompt += estimate.promptTokens(item) * outcome.calls;
      realPrompt += outcome.usage.promptTokens;
      realCompletion += outcome.usage.completionTokens;
    },
    ended(group) {
      inFlightUsd.delete(group);
    },
  };
}

/** What {@link checkBudget} looks at. */
interface BudgetState {
  maxCostUsd: number;
  /** Cost of the executions finished so far. */
  spentUsd: number;
  /** Mean cost of an item so far, or `undefined` before the first one finished. */
  meanCostUsd: number | undefined;
  /** Items in flight. */
  inFlight: number;
  /** Items the next execution would take. */
  groupSize: number;
  /** The estimate of the next group from its own items; the mean cost times its size otherwise. */
  nextUsd?: number;
  /** The estimates of the groups in flight; the mean cost times their items otherwise. */
  inFlightUsd?: number;
}

/**
 * Whether the budget lets another execution start: `go`; `wait` while items in flight may still change the picture;
 * or the reason to stop. The first item runs alone (there is no estimate before it), then the spent cost plus the
 * estimates of every item in flight and of the next group must stay within `maxCostUsd`.
 */
export function checkBudget(state: BudgetState): BudgetVerdict {
  const { maxCostUsd, spentUsd, meanCostUsd, inFlight, groupSize } = state;
  if (spentUsd < maxCostUsd) {
    if (meanCostUsd === undefined) return inFlight === 0 ? 'go' : 'wait';
    const nextUsd = state.nextUsd ?? meanCostUsd * groupSize;
    const inFlightUsd = state.inFlightUsd ?? meanCostUsd * inFlight;
    if (spentUsd + inFlightUsd + nextUsd <= maxCostUsd) return 'go';
    if (inFlight > 0) return 'wait';
  }
  return {
    name: 'BudgetExceeded',
    message: `maxCostUsd ${maxCostUsd} USD reached: ${spentUsd.toPrecision(3)} USD spent, about ${(meanCostUsd ?? 0).toPrecision(3)} USD per item`,
  };
}
