import { describe, expect, it } from 'vitest';
import { addShares, NO_SHARE, packedCallShares } from './packed-call-shares.js';

describe('packedCallShares', () => {
  it.each([
    [{ promptTokens: 100, completionTokens: 11, cachedTokens: 64, totalTokens: 111 }, 3],
    [{ promptTokens: 7, completionTokens: 2, cachedTokens: 0, totalTokens: 9 }, 20],
    [{ promptTokens: 1000, completionTokens: 80, cachedTokens: 0, totalTokens: 1100 }, 7],
  ])('splits %o over %i items into whole tokens that sum to the call', (usage, count) => {
    const shares = packedCallShares(usage, 0.0003, count);
    expect(shares).toHaveLength(count);
    const total = shares.reduce(addShares, NO_SHARE);
    expect(total.usage).toEqual(usage);
    expect(total.costUsd).toBeCloseTo(0.0003, 15);
    expect(total.calls).toBe(count);
    for (const share of shares) {
      expect(share.calls).toBe(1);
      expect(Object.values(share.usage).every(Number.isInteger)).toBe(true);
      expect(Math.abs(share.usage.promptTokens - usage.promptTokens / count)).toBeLessThan(1);
    }
  });
});
