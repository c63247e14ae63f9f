import { describe, expect, it } from 'vitest';
import { runBatch } from '../src/batch/run-batch.js';
import { createClient, defineTask } from '../src/index.js';
import { startMockQwen } from '../src/testing/index.js';
import { fileLines, hasText, ids, sortedIds, useBatchHarness } from './helpers/batch-harness.js';
import { createSkippingClock } from './reliability/skipping-clock.js';

const KEY = 'sk-test-batch-rate-limits';
const sentiment = defineTask({ name: 'sentiment', output: { labels: ['positive', 'negative', 'neutral'] } });

const { server, client, freshPath } = useBatchHarness(KEY);

describe('rate limits', () => {
  it('finishes every item under a rate-limited server with few 429s, lowering its concurrency', async () => {
    const limited = await startMockQwen({ apiKey: KEY, rateLimit: { requestsPerMinute: 20, windowMs: 1000 } });
    const limitedClient = createClient({ provider: 'dashscope', baseURL: limited.baseURL, apiKey: KEY, maxRetries: 0 });
    const concurrencies: number[] = [];
    try {
      const run = runBatch(sentiment, Array(60).fill('fine'), {
        client: limitedClient,
        concurrency: 8,
        onProgress: (progress) => concurrencies.push(progress.concurrency),
      });
      const summary = await run.summary;
      expect(summary).toMatchObject({ succeeded: 60, failed: 0 });
      const rejected = limited.chatRequests().length - 60;
      console.log(`rate-limited server (20 per 1 s window, 60 items, concurrency 8): ${rejected} answers of 429`);
      // 60 items at 20 per second need at least two refill waits; each wave of 429s is cut by halving the limit.
      expect(rejected).toBeGreaterThan(0);
      expect(rejected).toBeLessThanOrEqual(20);
      expect(Math.min(...concurrencies)).toBeLessThan(8);
    } finally {
      await limitedClient.close();
      await limited.close();
    }
  });
});

describe('rate limits with an injected clock', () => {
  function fakeClock() {
    let time = 0;
    const sleeps: number[] = [];
    return {
      sleeps,
      clock: {
        now: () => time,
        sleep: async (delayMs: number) => {
          sleeps.push(delayMs);
          time += delayMs;
        },
      },
    };
  }

  it('retries a rate-limited item after the retry-after-ms the server asked for, without recording it', async () => {
    server.setFaults({
      0: { type: 'status', status: 429, retryAfterMs: 5000 },
      1: { type: 'status', status: 429, retryAfterMs: 5000 },
    });
    const { clock, sleeps } = fakeClock();
    const output = freshPath('results.jsonl');
    const summary = await runBatch(sentiment, ['a', 'b', 'c'], { client, output, concurrency: 1, clock }).summary;
    expect(summary).toMatchObject({ succeeded: 3, failed: 0 });
    expect(sleeps).toEqual([5000, 5000]);
    expect(server.chatRequests()).toHaveLength(5);
    expect(sortedIds(await fileLines(output))).toEqual(ids(3));
  });

  it('records an item as failed once it stays rate limited after the runner retries', async () => {
    server.setFaults((request) =>
      hasText(request, 'hot') ? { type: 'status', status: 429, code: 'limit_requests' } : undefined,
    );
    const { clock, sleeps } = fakeClock();
    const results = [];
    for await (const result of runBatch(sentiment, ['hot', 'cold'], { client, clock })) results.push(result);
    const hot = results.find((result) => result.id === '0');
    expect(hot).toMatchObject({ ok: false, error: { name: 'RateLimitError', code: 'limit_requests' } });
    expect(results.find((result) => result.id === '1')?.ok).toBe(true);
    expect(sleeps).toEqual([500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
  });

  it('lowers its concurrency when the client had to retry a call', async () => {
    server.setFaults({ 0: { type: 'status', status: 429, retryAfterMs: 0 } });
    const retrying = createClient({ provider: 'dashscope', baseURL: server.baseURL, apiKey: KEY, maxRetries: 1 });
    const { clock } = fakeClock();
    let concurrency = 0;
    const summary = await runBatch(sentiment, ['a', 'b', 'c', 'd'], {
      client: retrying,
      clock,
      onProgress: (progress) => {
        concurrency = progress.concurrency;
      },
    }).summary;
    expect(summary.succeeded).toBe(4);
    expect(concurrency).toBe(4);
    await retrying.close();
  });
});

describe('a permanent 429 storm', () => {
  it('stops the run once every call for maxRateLimitedMs (120 s by default) was rate limited, with nothing lost, and a resume finishes', async () => {
    const clock = createSkippingClock();
    const storming = createClient({
      provider: 'dashscope',
      baseURL: server.baseURL,
      apiKey: KEY,
      maxRetries: 2,
      clock,
    });
    server.setFaults(() => ({ type: 'status', status: 429, code: 'limit_requests' }));
    const output = freshPath('storm.jsonl');
    const startedAt = clock.now();
    const realStart = Date.now();
    try {
      const summary = await runBatch(sentiment, ['a', 'b', 'c'], { client: storming, output, concurrency: 3, clock })
        .summary;
      const simulatedMs = clock.now() - startedAt;
      expect(summary.stoppedBy).toMatchObject({
        name: 'RateLimited',
        message: expect.stringMatching(/maxRateLimitedMs 120000/),
      });
      expect(summary).toMatchObject({ succeeded: 0, failed: 0 });
      expect(simulatedMs).toBeGreaterThanOrEqual(120_000);
      expect(simulatedMs).toBeLessThan(240_000);
      expect(Date.now() - realStart).toBeLessThan(15_000);
      expect(await fileLines(output)).toEqual([]);
    } finally {
      await storming.close();
    }
    server.setFaults(undefined);
    const resumed = await runBatch(sentiment, ['a', 'b', 'c'], { client, output, resume: true }).summary;
    expect(resumed).toMatchObject({ succeeded: 3, skipped: 0 });
    expect(sortedIds(await fileLines(output))).toEqual(ids(3));
  });

  it('gives up sooner with a smaller maxRateLimitedMs, however many items are in flight', async () => {
    for (const concurrency of [1, 4]) {
      const clock = createSkippingClock();
      server.setFaults(() => ({ type: 'status', status: 429 }));
      const startedAt = clock.now();
      const summary = await runBatch(sentiment, Array(8).fill('x'), {
        client,
        concurrency,
        clock,
        maxRateLimitedMs: 20_000,
      }).summary;
      expect(summary.stoppedBy?.name).toBe('RateLimited');
      expect(clock.now() - startedAt).toBeLessThan(60_000);
    }
  });
});
