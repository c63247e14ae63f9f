import { describe, expect, it } from 'vitest';
import { checkBudget } from './check-budget.js';

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
