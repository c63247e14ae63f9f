import { describe, expect, it } from 'vitest';
import { computeCostUsd } from './compute-cost.js';
import { QWEN_FLASH_PRICES } from './prices.js';
import type { PriceTier } from './types.js';

const usage = (promptTokens: number, completionTokens: number, cachedTokens = 0) => ({
  promptTokens,
  completionTokens,
  cachedTokens,
  totalTokens: promptTokens + completionTokens,
});

describe('computeCostUsd', () => {
  it.each([
    ['a small call in the first tier', usage(100_000, 10_000), 0.005 + 0.004],
    ['exactly 256K input in the first tier', usage(256_000, 0), 256_000 * 0.05e-6],
    ['256K + 1 input in the second tier', usage(256_001, 1_000), 256_001 * 0.25e-6 + 1_000 * 2e-6],
    ['a cache hit at 20% of the input price', usage(3019, 104, 2048), (971 * 0.05 + 2048 * 0.01 + 104 * 0.4) / 1e6],
    ['input above every tier in the last tier', usage(2_000_000, 0), 2_000_000 * 0.25e-6],
    ['nothing', usage(0, 0), 0],
  ])('prices %s', (_name, callUsage, expected) => {
    expect(computeCostUsd(callUsage, QWEN_FLASH_PRICES)).toBeCloseTo(expected, 12);
  });

  it('uses a tier-specific cache price when given', () => {
    const prices: PriceTier[] = [
      { maxInputTokens: 1e9, inputPerMillion: 1, outputPerMillion: 2, cachedInputPerMillion: 0 },
    ];
    expect(computeCostUsd(usage(1_000_000, 1_000_000, 500_000), prices)).toBeCloseTo(0.5 + 2, 12);
  });

  it('keeps the price table in one frozen constant', () => {
    expect(Object.isFrozen(QWEN_FLASH_PRICES)).toBe(true);
    expect(QWEN_FLASH_PRICES).toEqual([
      { maxInputTokens: 256_000, inputPerMillion: 0.05, outputPerMillion: 0.4 },
      { maxInputTokens: 1_000_000, inputPerMillion: 0.25, outputPerMillion: 2 },
    ]);
  });
});
