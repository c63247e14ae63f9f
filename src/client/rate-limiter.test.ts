import { describe, expect, it } from 'vitest';
import { defaultTimeoutMs } from './default-timeout-ms.js';
import { estimateInputTokens } from './estimate-input-tokens.js';
import { createRateLimiter } from './rate-limiter.js';
import type { Clock } from './types.js';

function fakeClock() {
  const sleeps: number[] = [];
  let nowMs = 1_000_000;
  const clock: Clock = {
    now: () => nowMs,
    sleep: async (delayMs) => {
      sleeps.push(delayMs);
      nowMs += delayMs;
    },
  };
  return { clock, sleeps, advance: (delayMs: number) => (nowMs += delayMs) };
}

describe('createRateLimiter', () => {
  it('holds the request over the per-minute count until the oldest leaves the window', async () => {
    const { clock, sleeps, advance } = fakeClock();
    const limiter = createRateLimiter({ requestsPerMinute: 2 }, clock);
    await limiter.acquire(0);
    advance(10_000);
    await limiter.acquire(0);
    await limiter.acquire(0);
    expect(sleeps).toEqual([50_000]);
  });

  it('holds requests over the token budget and lets one oversized request through an empty window', async () => {
    const { clock, sleeps } = fakeClock();
    const limiter = createRateLimiter({ tokensPerMinute: 1_000 }, clock);
    await limiter.acquire(600);
    await limiter.acquire(600);
    expect(sleeps).toEqual([60_000]);
    await limiter.acquire(5_000);
    expect(sleeps).toEqual([60_000, 60_000]);
  });

  it('stops waiting when the signal aborts', async () => {
    const { clock } = fakeClock();
    const limiter = createRateLimiter({ requestsPerMinute: 1 }, clock);
    await limiter.acquire(0);
    const controller = new AbortController();
    controller.abort(new Error('enough'));
    await expect(limiter.acquire(0, controller.signal)).rejects.toThrow('enough');
  });
});

describe('defaultTimeoutMs', () => {
  it.each([
    [0, 60_000],
    [9_999, 60_000],
    [10_000, 61_000],
    [900_000, 150_000],
  ])('gives %d estimated input tokens %d ms', (tokens, expected) => {
    expect(defaultTimeoutMs(tokens)).toBe(expected);
  });

  it('estimates input tokens high, from the text of every message', () => {
    expect(
      estimateInputTokens([
        { role: 'system', content: 'abcdef' },
        { role: 'user', content: [{ type: 'text', text: 'abc' }] },
      ]),
    ).toBe(3);
  });
});
