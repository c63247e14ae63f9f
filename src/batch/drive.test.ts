import { describe, expect, it } from 'vitest';
import { checkBudget } from './budget.js';
import { createAdaptiveLimit } from './drive.js';

describe('createAdaptiveLimit', () => {
  it('starts at the maximum and halves on a rate limit, never below 1', () => {
    const limit = createAdaptiveLimit(8);
    const seen = [limit.current];
    for (let round = 0; round < 5; round += 1) {
      limit.rateLimited(limit.epoch);
      seen.push(limit.current);
    }
    expect(seen).toEqual([8, 4, 2, 1, 1, 1]);
  });

  it('counts a burst of rate limits from calls started together once', () => {
    const limit = createAdaptiveLimit(8);
    const epoch = limit.epoch;
    limit.rateLimited(epoch);
    limit.rateLimited(epoch);
    limit.rateLimited(epoch);
    expect(limit.current).toBe(4);
    limit.rateLimited(limit.epoch);
    expect(limit.current).toBe(2);
  });

  it('raises the limit by one after every N successes in a row, up to the maximum', () => {
    const limit = createAdaptiveLimit(4, 3);
    limit.rateLimited(limit.epoch);
    expect(limit.current).toBe(2);
    const seen: number[] = [];
    for (let call = 0; call < 9; call += 1) {
      limit.succeeded();
      seen.push(limit.current);
    }
    expect(seen).toEqual([2, 2, 3, 3, 3, 4, 4, 4, 4]);
  });

  it('restarts the run of successes after a rate limit', () => {
    const limit = createAdaptiveLimit(4, 3);
    limit.rateLimited(limit.epoch);
    limit.succeeded();
    limit.succeeded();
    limit.rateLimited(-1); // an old call: no decrease, but the run of successes is broken
    limit.succeeded();
    expect(limit.current).toBe(2);
  });
});

describe('checkBudget', () => {
  const base = { maxCostUsd: 1, spentUsd: 0, meanCostUsd: undefined, inFlight: 0, groupSize: 1 };
  it.each([
    ['the first item, alone', base, 'go'],
    ['a second item before the first one finished', { ...base, inFlight: 1 }, 'wait'],
    ['an item that fits with those in flight', { ...base, spentUsd: 0.4, meanCostUsd: 0.2, inFlight: 2 }, 'go'],
    [
      'an item that would pass the budget while others run',
      { ...base, spentUsd: 0.5, meanCostUsd: 0.2, inFlight: 2 },
      'wait',
    ],
    ['a group that fits', { ...base, spentUsd: 0.2, meanCostUsd: 0.1, groupSize: 8 }, 'go'],
  ])('lets %s %s', (_name, state, expected) => {
    expect(checkBudget(state)).toBe(expected);
  });

  it.each([
    ['nothing is left', { ...base, spentUsd: 1, meanCostUsd: 0.1, inFlight: 3 }],
    ['the next item would pass the budget and nothing is in flight', { ...base, spentUsd: 0.95, meanCostUsd: 0.1 }],
    ['the budget is 0', { ...base, maxCostUsd: 0 }],
  ])('stops when %s', (_name, state) => {
    expect(checkBudget(state)).toMatchObject({ name: 'BudgetExceeded', message: expect.stringMatching(/^maxCostUsd/) });
  });
});
