import type { Usage } from '../client/types.js';

/** One item's part of a call it shared with others. @internal */
export interface CallShare {
  calls: number;
  usage: Usage;
  costUsd: number;
}

/**
 * Splits one call's usage and cost evenly over `count` items: token counts as whole numbers (the remainder goes to
 * the first items; each share's total is its prompt plus completion tokens), cost as a fraction, so summing the
 * shares gives back the call's exact totals. Each share counts the call once (`calls: 1`): every item took part
 * in it. @internal
 */
export function packedCallShares(usage: Usage, costUsd: number, count: number): CallShare[] {
  const split = (total: number, index: number): number => Math.floor(total / count) + (index < total % count ? 1 : 0);
  return Array.from({ length: count }, (_, index) => ({
    calls: 1,
    usage: {
      promptTokens: split(usage.promptTokens, index),
      completionTokens: split(usage.completionTokens, index),
      cachedTokens: split(usage.cachedTokens, index),
      totalTokens:
        split(usage.promptTokens, index) +
        split(usage.completionTokens, index) +
        split(usage.totalTokens - usage.promptTokens - usage.completionTokens, index),
    },
    costUsd: costUsd / count,
  }));
}

/** A share with nothing in it. @internal */
export const NO_SHARE: CallShare = Object.freeze({
  calls: 0,
  usage: Object.freeze({ promptTokens: 0, completionTokens: 0, cachedTokens: 0, totalTokens: 0 }),
  costUsd: 0,
});

/** The sum of two shares. @internal */
export function addShares(left: CallShare, right: CallShare): CallShare {
  return {
    calls: left.calls + right.calls,
    usage: {
      promptTokens: left.usage.promptTokens + right.usage.promptTokens,
      completionTokens: left.usage.completionTokens + right.usage.completionTokens,
      cachedTokens: left.usage.cachedTokens + right.usage.cachedTokens,
      totalTokens: left.usage.totalTokens + right.usage.totalTokens,
    },
    costUsd: left.costUsd + right.costUsd,
  };
}
