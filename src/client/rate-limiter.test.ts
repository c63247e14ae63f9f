import { describe, expect, it } from 'vitest';
import { estimateInputTokens } from '../tokens.js';
import { defaultTimeoutMs } from './default-timeout-ms.js';
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
  // Windows are counted 5% long (63 s, 1.05 s), so that transit time cannot push a request into the server's window.
  it('holds the request over the per-minute count until the oldest leaves the window', async () => {
    const { clock, sleeps, advance } = fakeClock();
    const limiter = createRateLimiter({ requestsPerMinute: 2 }, clock);
    await limiter.acquire(0);
    advance(10_000);
    await limiter.acquire(0);
    await limiter.acquire(0);
    expect(sleeps).toEqual([53_000]);
  });

  it('holds requests over the token budget and lets one oversized request through an empty window', async () => {
    const { clock, sleeps } = fakeClock();
    const limiter = createRateLimiter({ tokensPerMinute: 1_000 }, clock);
    await limiter.acquire(600);
    await limiter.acquire(600);
    expect(sleeps).toEqual([63_000]);
    await limiter.acquire(5_000);
    expect(sleeps).toEqual([63_000, 63_000]);
  });

  it('with perSecond, holds each second to a sixtieth of the per-minute limits', async () => {
    const { clock, sleeps } = fakeClock();
    const limiter = createRateLimiter({ requestsPerMinute: 600, perSecond: true }, clock);
    for (let request = 0; request < 25; request += 1) await limiter.acquire(0);
    // 10 a second: the 11th and the 21st wait for the second's first request to leave the 1.05 s window.
    expect(sleeps).toEqual([1050, 1050]);
  });

  it('with perSecond, counts tokens per second too, and keeps at least one request a second', async () => {
    const { clock, sleeps } = fakeClock();
    const limiter = createRateLimiter({ requestsPerMinute: 30, tokensPerMinute: 60_000, perSecond: true }, clock);
    await limiter.acquire(600);
    await limiter.acquire(600);
    expect(sleeps).toEqual([1050]);
    const tokens = fakeClock();
    const byTokens = createRateLimiter({ tokensPerMinute: 60_000, perSecond: true }, tokens.clock);
    await byTokens.acquire(800);
    await byTokens.acquire(300);
    expect(tokens.sleeps).toEqual([1050]);
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
