import { describe, expect, it } from 'vitest';
import { createAdaptiveLimit } from './adaptive-limit.js';

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
