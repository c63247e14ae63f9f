import { describe, expect, it } from 'vitest';
import { packedItemCode } from '../prompt/index.js';
import { MAX_PACK_ITEMS, type PendingItem, packedGroups } from './packed-groups.js';

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

  it('holds at most 702 items a pack, so every letter code has one or two letters', () => {
    const groups = packedGroups(
      Array.from({ length: 1500 }, (_, index) => item(index, 1)),
      1_000_000,
    );
    expect(groups.map((group) => group.length)).toEqual([MAX_PACK_ITEMS, MAX_PACK_ITEMS, 96]);
    expect(packedItemCode(MAX_PACK_ITEMS - 1)).toBe('ZZ');
  });
});
