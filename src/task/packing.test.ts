import { describe, expect, it } from 'vitest';
import { InputError } from '../errors.js';
import { packedItemIndex } from '../output/packed-reply.js';
import { packedItemCode } from '../prompt/messages.js';
import {
  addShares,
  MAX_PACK_ITEMS,
  mapLimited,
  NO_SHARE,
  type PendingItem,
  packedCallShares,
  packedGroups,
} from './packing.js';

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

describe('packed item letter codes (the prompt writes them, the output parser reads them back)', () => {
  it.each<[number, string]>([
    [0, 'A'],
    [8, 'I'],
    [25, 'Z'],
    [26, 'AA'],
    [51, 'AZ'],
    [52, 'BA'],
    [99, 'CV'],
    [701, 'ZZ'],
    [702, 'AAA'],
  ])('gives item index %i the code %s and reads it back', (index, code) => {
    expect(packedItemCode(index)).toBe(code);
    expect(packedItemIndex(code)).toBe(index);
  });

  it('round-trips every index of the largest pack, each code distinct', () => {
    const codes = Array.from({ length: 5000 }, (_, index) => packedItemCode(index));
    expect(new Set(codes).size).toBe(codes.length);
    expect(codes.map((code) => packedItemIndex(code))).toEqual(codes.map((_, index) => index));
  });

  it.each(['', 'a', 'Ab', '1', 'A1', ' A', 'A:', 'Ａ', 'ABCDEFG'])('reads %j as no code', (code) => {
    expect(packedItemIndex(code)).toBeUndefined();
  });

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('refuses the index %s', (index) => {
    expect(() => packedItemCode(index)).toThrow(InputError);
  });
});

describe('mapLimited', () => {
  it('keeps the input order and never runs more than the limit at once', async () => {
    let running = 0;
    let most = 0;
    const results = await mapLimited([30, 10, 20, 5, 15], 2, async (delayMs, index) => {
      running += 1;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      running -= 1;
      return `${index}:${delayMs}`;
    });
    expect(results).toEqual(['0:30', '1:10', '2:20', '3:5', '4:15']);
    expect(most).toBe(2);
  });

  it('rejects with the first error and starts no new calls after it', async () => {
    const started: number[] = [];
    const run = mapLimited([1, 2, 3, 4, 5], 1, async (item) => {
      started.push(item);
      if (item === 2) throw new Error('boom');
      return item;
    });
    await expect(run).rejects.toThrow('boom');
    expect(started).toEqual([1, 2]);
  });
});
