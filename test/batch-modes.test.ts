import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { runBatch } from '../src/batch/run-batch.js';
import type { BatchItemResult } from '../src/batch/types.js';
import type { Clock } from '../src/client/types.js';
import { defineTask, InputError, type QwenClient } from '../src/index.js';
import { createMemoryCache } from '../src/task/result-cache.js';
import type { MockQwen, MockRequest } from '../src/testing/index.js';
import { collect, useBatchHarness } from './helpers/batch-harness.js';

const KEY = 'sk-test-batch-modes-0123456789';
const sentiment = defineTask({ name: 'sentiment', output: { labels: ['positive', 'negative', 'neutral'] } });
/** Polls without waiting: the loopback batches move one status step per poll. */
const INSTANT_CLOCK: Clock = { now: () => Date.now(), sleep: async (_delayMs, signal) => signal?.throwIfAborted() };

const sentimentOf = (text: string): string => (text.includes('bad') ? 'negative' : 'positive');
const isPacked = (request: MockRequest): boolean =>
  request.messages[0]?.content.includes('"ID: label" line per text') === true;
/** Answers packed requests line by line (`ID: label`), single ones with the label. */
function model(request: MockRequest): string {
  const last = request.messages.at(-1)?.content ?? '';
  if (!isPacked(request)) return sentimentOf(last);
  return last
    .split('\n')
    .map((line) => {
      const [, code, text] = /^([A-Z]{1,2})(?: (.*))?$/.exec(line) ?? [];
      return `${code}: ${sentimentOf(text ?? '')}`;
    })
    .join('\n');
}

// The loopback URL makes the provider openai-compatible, as it was when this file built its own client.
const harness = useBatchHarness(KEY, {
  reply: model,
  client: { provider: 'openai-compatible', env: {}, clock: INSTANT_CLOCK },
});
let server: MockQwen;
let client: QwenClient;
beforeAll(() => {
  ({ server, client } = harness);
});
const freshPath = (name: string): string => harness.freshPath(name);

const texts = Array.from({ length: 12 }, (_, position) => `review ${position} ${position % 4 === 0 ? 'bad' : 'good'}`);
const expectedValue = (result: BatchItemResult): string => (result.index % 4 === 0 ? 'negative' : 'positive');

describe('runBatch with pack', () => {
  it('classifies items in packs of N, one request per pack, every id once', async () => {
    const output = freshPath('results.jsonl');
    const run = runBatch(sentiment, texts, { client, pack: 5, concurrency: 2, output });
    const results = await collect(run);
    expect(results.map((result) => result.id).sort((a, b) => Number(a) - Number(b))).toEqual(
      texts.map((_, position) => String(position)),
    );
    for (const result of results) expect(result.value).toBe(expectedValue(result));
    expect(server.chatRequests()).toHaveLength(3);
    const summary = await run.summary;
    expect(summary).toMatchObject({ total: 12, succeeded: 12, failed: 0 });
    expect(summary.costUsd).toBeCloseTo(
      results.reduce((sum, result) => sum + result.costUsd, 0),
      12,
    );
    expect((await readFile(output, 'utf8')).split('\n')).toHaveLength(13);
  });
});

describe('runBatch with a cache', () => {
  it('answers repeated items from the cache without a call', async () => {
    const cache = createMemoryCache();
    const first = await runBatch(sentiment, texts.slice(0, 4), { client, cache }).summary;
    expect(first).toMatchObject({ succeeded: 4, cached: 0 });
    expect(server.chatRequests()).toHaveLength(4);
    server.reset();

    const run = runBatch(sentiment, texts.slice(0, 4), { client, cache });
    const results = await collect(run);
    expect(results.every((result) => result.cached === true && result.calls === 0 && result.costUsd === 0)).toBe(true);
    for (const result of results) expect(result.value).toBe(expectedValue(result));
    expect(await run.summary).toMatchObject({ succeeded: 4, cached: 4, costUsd: 0 });
    expect(server.chatRequests()).toHaveLength(0);
  });
});

describe("runBatch with mode 'batch-api'", () => {
  it('sends the items through the Batch API, with the same results file, resume and summary', async () => {
    const output = freshPath('results.jsonl');
    const progressDone: number[] = [];
    const first = await runBatch(sentiment, texts.slice(0, 6), {
      client,
      mode: 'batch-api',
      output,
      clock: INSTANT_CLOCK,
      onProgress: (progress) => progressDone.push(progress.done),
    }).summary;
    expect(first).toMatchObject({ total: 6, succeeded: 6, failed: 0, aborted: false });
    expect(progressDone.at(-1)).toBe(6);
    expect(server.chatRequests().filter((request) => request.route !== 'batches')).toHaveLength(0);

    const run = runBatch(sentiment, texts, { client, mode: 'batch-api', output, resume: true, clock: INSTANT_CLOCK });
    const results = await collect(run);
    expect(results.map((result) => result.index).sort((a, b) => a - b)).toEqual([6, 7, 8, 9, 10, 11]);
    for (const result of results) expect(result.value).toBe(expectedValue(result));
    expect(await run.summary).toMatchObject({ total: 12, skipped: 6, succeeded: 6 });
    const lines = (await readFile(output, 'utf8')).trim().split('\n');
    expect(new Set(lines.map((line) => (JSON.parse(line) as BatchItemResult).id)).size).toBe(12);
  });

  it.each([
    ['pack', { pack: 4 }],
    ['maxCostUsd', { maxCostUsd: 1 }],
    ['a bad completionWindow', { completionWindow: '2h' }],
  ])('refuses %s at once', (_name, options) => {
    expect(() => runBatch(sentiment, texts, { client, mode: 'batch-api', ...options })).toThrow(InputError);
  });
});
