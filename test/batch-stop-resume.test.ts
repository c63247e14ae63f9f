import { readFile, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { readBatchResults, runBatch } from '../src/batch/run-batch.js';
import type { BatchItemResult } from '../src/batch/types.js';
import { createClient, defineTask, InputError } from '../src/index.js';
import { startMockQwen } from '../src/testing/index.js';
import { fileLines, hasText, ids, sortedIds, useBatchHarness } from './helpers/batch-harness.js';

const KEY = 'sk-test-batch-resume';
const sentiment = defineTask({ name: 'sentiment', output: { labels: ['positive', 'negative', 'neutral'] } });

const { server, client, freshPath } = useBatchHarness(KEY);

describe('fatal errors stop the run cleanly', () => {
  it('stops on InsufficientCreditsError with the finished items on disk, and a resume finishes the rest', async () => {
    const poor = await startMockQwen({ apiKey: KEY, credits: 0.005, creditsPerCall: 0.001 });
    const rich = await startMockQwen({ apiKey: KEY });
    const segmind = (url: string) => createClient({ provider: 'segmind', baseURL: url, apiKey: KEY, maxRetries: 0 });
    const output = freshPath('results.jsonl');
    const texts = Array(12).fill('fine');
    try {
      const first = await runBatch(sentiment, texts, { client: segmind(poor.segmindURL), output, concurrency: 2 })
        .summary;
      expect(first.stoppedBy).toMatchObject({ name: 'InsufficientCreditsError' });
      expect(first).toMatchObject({ succeeded: 5, failed: 0, aborted: false, remainingCredits: 0 });
      expect(await fileLines(output)).toHaveLength(5);

      const second = await runBatch(sentiment, texts, { client: segmind(rich.segmindURL), output, resume: true })
        .summary;
      expect(second).toMatchObject({ total: 12, skipped: 5, succeeded: 7, failed: 0 });
      expect(second.stoppedBy).toBeUndefined();
      expect(sortedIds(await fileLines(output))).toEqual(ids(12));
    } finally {
      await poor.close();
      await rich.close();
    }
  });

  it('stops on a refused key without writing anything', async () => {
    const output = freshPath('results.jsonl');
    const wrongKey = createClient({
      provider: 'dashscope',
      baseURL: server.baseURL,
      apiKey: 'sk-wrong',
      maxRetries: 0,
    });
    const summary = await runBatch(sentiment, Array(20).fill('fine'), { client: wrongKey, output, concurrency: 2 })
      .summary;
    expect(summary.stoppedBy?.name).toBe('AuthenticationError');
    expect(summary.stoppedBy?.message).not.toContain('sk-wrong');
    expect(summary).toMatchObject({ succeeded: 0, failed: 0 });
    expect(server.chatRequests().length).toBeLessThanOrEqual(2);
    expect(await readFile(output, 'utf8')).toBe('');
    await wrongKey.close();
  });
});

describe('abort and budget', () => {
  it('aborts in-flight calls on the signal, writes only finished items, and a resume finishes the rest', async () => {
    server.setFaults((request) => (hasText(request, 'slow') ? { type: 'slow-headers', delayMs: 10_000 } : undefined));
    const output = freshPath('results.jsonl');
    const controller = new AbortController();
    const texts = ['fast', 'fast', 'fast', 'slow', 'slow'];
    const started = Date.now();
    const run = runBatch(sentiment, texts, { client, output, concurrency: 5, signal: controller.signal });
    let seen = 0;
    for await (const result of run) {
      expect(result.ok).toBe(true);
      seen += 1;
      if (seen === 3) controller.abort();
    }
    const summary = await run.summary;
    expect(Date.now() - started).toBeLessThan(8000);
    expect(summary).toMatchObject({ aborted: true, succeeded: 3, failed: 0, total: 5 });
    expect(sortedIds(await fileLines(output))).toEqual(['0', '1', '2']);

    server.setFaults(undefined);
    const resumed = await runBatch(sentiment, texts, { client, output, resume: true }).summary;
    expect(resumed).toMatchObject({ skipped: 3, succeeded: 2, aborted: false });
    expect(sortedIds(await fileLines(output))).toEqual(ids(5));
  });

  it('does nothing when the signal is already aborted', async () => {
    const summary = await runBatch(sentiment, ['fine'], { client, signal: AbortSignal.abort() }).summary;
    expect(summary).toMatchObject({ aborted: true, succeeded: 0, total: 0 });
    expect(server.chatRequests()).toHaveLength(0);
  });

  it('stops taking items once the cost spent plus the in-flight estimate would pass maxCostUsd', async () => {
    const probe = await runBatch(sentiment, ['the same text'], { client }).summary;
    const itemCostUsd = probe.costUsd;
    expect(itemCostUsd).toBeGreaterThan(0);
    server.reset();
    const maxCostUsd = itemCostUsd * 4.5;
    const summary = await runBatch(sentiment, Array(20).fill('the same text'), { client, maxCostUsd, concurrency: 8 })
      .summary;
    expect(summary.stoppedBy?.name).toBe('BudgetExceeded');
    expect(summary.stoppedBy?.message).toMatch(/maxCostUsd/);
    expect(summary.succeeded).toBe(4);
    expect(summary.costUsd).toBeLessThanOrEqual(maxCostUsd);
    expect(server.chatRequests()).toHaveLength(4);
  });

  it('runs nothing with maxCostUsd 0', async () => {
    const summary = await runBatch(sentiment, ['fine'], { client, maxCostUsd: 0 }).summary;
    expect(summary).toMatchObject({ succeeded: 0, stoppedBy: { name: 'BudgetExceeded' } });
    expect(server.chatRequests()).toHaveLength(0);
  });
});

describe('resume', () => {
  it('skips ids already in the file, failed ones too, and re-runs failed ones with retryFailed', async () => {
    const output = freshPath('results.jsonl');
    server.setReply((request) => (hasText(request, 'cursed') ? 'no idea' : 'positive'));
    const texts = ['a', 'cursed', 'c', 'd', 'e'];
    const first = await runBatch(sentiment, texts, { client, output }).summary;
    expect(first).toMatchObject({ succeeded: 4, failed: 1 });

    server.reset();
    const more = [...texts, 'f', 'g'];
    const second = await runBatch(sentiment, more, { client, output, resume: true }).summary;
    expect(second).toMatchObject({ total: 7, skipped: 5, succeeded: 2, failed: 0 });
    expect(server.chatRequests()).toHaveLength(2);
    const withoutRetry = await fileLines(output);
    expect(sortedIds(withoutRetry)).toEqual(ids(7));

    server.reset();
    server.setReply('positive');
    const third = await runBatch(sentiment, more, { client, output, resume: true, retryFailed: true }).summary;
    expect(third).toMatchObject({ skipped: 6, succeeded: 1, failed: 0 });
    const lines = await fileLines(output);
    expect(lines).toHaveLength(8);
    expect(lines.at(-1)).toMatchObject({ id: '1', ok: true, value: 'positive' });
    const final = new Map<string, BatchItemResult>();
    for await (const result of readBatchResults(output)) final.set(result.id, result);
    expect([...final.keys()].sort()).toEqual(ids(7));
    expect([...final.values()].every((result) => result.ok)).toBe(true);
  });

  it('cuts a torn last line off before appending, and never reads it as a result', async () => {
    const output = freshPath('results.jsonl');
    await runBatch(sentiment, ['a', 'b', 'c'], { client, output, concurrency: 1 }).summary;
    const complete = await readFile(output, 'utf8');
    const [line0, line1, line2] = complete.split('\n');
    await writeFile(output, `${line0}\n${line1}\n${line2?.slice(0, 25)}`);
    const readBack = [];
    for await (const result of readBatchResults(output)) readBack.push(result.id);
    expect(readBack).toEqual(['0', '1']);

    server.reset();
    const summary = await runBatch(sentiment, ['a', 'b', 'c'], { client, output, resume: true }).summary;
    expect(summary).toMatchObject({ skipped: 2, succeeded: 1 });
    const text = await readFile(output, 'utf8');
    expect(text.startsWith(`${line0}\n${line1}\n{`)).toBe(true);
    expect(sortedIds(await fileLines(output))).toEqual(['0', '1', '2']);
  });

  it('refuses to append to an existing results file without resume', async () => {
    const output = freshPath('results.jsonl');
    await writeFile(output, '{"id":"0","ok":true}\n');
    const run = runBatch(sentiment, ['a'], { client, output });
    await expect(run.summary).rejects.toThrow(InputError);
    await expect(run.summary).rejects.toThrow(/resume/);
    expect(server.chatRequests()).toHaveLength(0);
  });

  it('rejects a results file with a line that is not a result', async () => {
    const output = freshPath('results.jsonl');
    await writeFile(output, '{"id":"0","ok":true}\nnot json\n');
    await expect(runBatch(sentiment, ['a'], { client, output, resume: true }).summary).rejects.toThrow(
      /Line 2 of .* is not a batch result/,
    );
  });
});

describe('options', () => {
  const json = defineTask({ name: 'facts', output: { type: 'object', properties: { a: { type: 'string' } } } });
  it.each([
    ['concurrency 0', { concurrency: 0 }, 'options.concurrency'],
    ['concurrency 1.5', { concurrency: 1.5 }, 'options.concurrency'],
    ['concurrency 1001', { concurrency: 1001 }, 'options.concurrency'],
    ['negative maxCostUsd', { maxCostUsd: -1 }, 'options.maxCostUsd'],
    ['NaN maxCostUsd', { maxCostUsd: Number.NaN }, 'options.maxCostUsd'],
    ['pack 0', { pack: 0 }, 'options.pack'],
    ['pack 101', { pack: 101 }, 'options.pack'],
    ['an empty output', { output: '' }, 'options.output'],
    ['an unknown mode', { mode: 'offline' }, 'options.mode'],
    ['resume without output', { resume: true }, 'options.resume'],
    ['retryFailed without resume', { output: 'x.jsonl', retryFailed: true }, 'options.retryFailed'],
    ['maxRepairs 9', { maxRepairs: 9 }, 'options.maxRepairs'],
    ['timeoutMs 0', { timeoutMs: 0 }, 'options.timeoutMs'],
  ])('throws an InputError at once for %s', (_name, options, path) => {
    const call = () => runBatch(sentiment, ['a'], { client, ...(options as object) });
    expect(call).toThrow(InputError);
    expect(call).toThrow(expect.objectContaining({ path }));
    expect(server.chatRequests()).toHaveLength(0);
  });

  it.each([
    ['a path that is not .jsonl', 'inputs.csv'],
    ['a number', 42],
    ['null', null],
  ])('throws an InputError at once for inputs that are %s', (_name, inputs) => {
    expect(() => runBatch(sentiment, inputs as never, { client })).toThrow(InputError);
  });

  it('refuses pack for a task that is not a label task', () => {
    expect(() => runBatch(json, ['a'], { client, pack: 4 })).toThrow(/label tasks/);
  });

  it('rejects the summary with an InputError when the input file is missing', async () => {
    await expect(runBatch(sentiment, freshPath('missing.jsonl'), { client }).summary).rejects.toThrow(
      /Cannot read the input file/,
    );
  });
});
