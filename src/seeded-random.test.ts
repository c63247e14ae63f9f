import { describe, expect, it } from 'vitest';
import { seededRandom, shuffled } from './seeded-random.js';

describe('seededRandom', () => {
  it('repeats its sequence for a seed and stays within [0, 1)', () => {
    const numbers = (seed: number) => Array.from({ length: 1000 }, seededRandom(seed));
    expect(numbers(5)).toEqual(numbers(5));
    expect(numbers(5).every((value) => value >= 0 && value < 1)).toBe(true);
    expect(numbers(5)).not.toEqual(numbers(6));
  });
});

describe('shuffled', () => {
  const items = Array.from({ length: 20 }, (_, index) => index);

  it('gives the same order for the same seed, another for another seed, and leaves the input alone', () => {
    expect(shuffled(items, seededRandom(7))).toEqual(shuffled(items, seededRandom(7)));
    expect(shuffled(items, seededRandom(7))).not.toEqual(shuffled(items, seededRandom(8)));
    expect(items).toEqual(Array.from({ length: 20 }, (_, index) => index));
  });

  it('keeps every item exactly once', () => {
    expect([...shuffled(items, seededRandom(3))].sort((a, b) => a - b)).toEqual(items);
  });
});
