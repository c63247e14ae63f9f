import { describe, expect, it } from 'vitest';
import { type PendingItem, packedGroups } from './packed-groups.js';

const item = (index: number, tokens: number): PendingItem => ({ index, text: `text ${index}`, tokens, key: undefined });

describe('packedGroups', () => {
  it.each<[string, number[], number, number[][]]>([
    ['keeps items that fit in one pack', [5, 5, 5], 100, [[0, 1, 2]]],
    [
      'starts a new pack when the budget would be passed',
      [5, 5, 5, 5],
      10,
      [
        [0, 1],
        [2, 3],
      ],
    ],
    ['gives an item over the budget a pack of its own', [3, 50, 3], 10, [[0], [1], [2]]],
    ['returns no packs for no items', [], 10, []],
  ])('%s', (_name, tokens, budget, expected) => {
    const groups = packedGroups(
      tokens.map((count, index) => item(index, count)),
      budget,
    );
    expect(groups.map((group) => group.map((pending) => pending.index))).toEqual(expected);
  });
});
