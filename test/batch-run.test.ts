import { writeFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { readBatchResults, runBatch } from '../src/batch/run-batch.js';
import type { BatchProgress } from '../src/batch/types.js';
import { defineTask, InputError, type QwenClient } from '../src/index.js';
import type { MockQwen, MockRequest } from '../src/testing/index.js';
import { collect, fileLines, useBatchHarness } from './helpers/batch-harness.js';

const KEY = 'sk-test-batch-run';
const sentiment = defineTask({ name: 'sentiment', output: { labels: ['positive', 'negative', 'neutral'] } });

/** The text the model was asked about. */
const userText = (request: MockRequest): string => request.messages.at(-1)?.content ?? '';
/** Negative for texts containing "bad", positive otherwise. */
const byText = (request: MockRequest): string => (userText(request).includes('bad') ? 'negative' : 'positive');

const harness = useBatchHarness(KEY, { reply: byText });
let server: MockQwen;
let client: QwenClient;
beforeAll(() => {
  ({ server, client } = harness);
});
const freshPath = (name: string): string => harness.freshPath(name);

describe('runBatch over the loopback server', () => {
  it('yields every item once, as it completes, with the index of its input position', async () => {
    server.setReply(async (request) => {
      // Earlier items answer later, so completion order differs from input order.
      const position = Number(userText(request).split(' ')[1]);
      await new Promise((resolve) => setTimeout(resolve, (12 - position) * 5));
      return byText(request);
    });
    const texts = Array.from(
      { length: 12 },
      (_, position) => `review ${position} ${position % 3 === 0 ? 'bad' : 'good'}`,
    );
    const run = runBatch(sentiment, texts, { client, concurrency: 4 });
    const results = await collect(run);
    const summary = await run.summary;
    expect(results.map((result) => result.id).sort()).toEqual(texts.map((_, position) => String(position)).sort());
    expect(results.map((result) => result.index)).not.toEqual(texts.map((_, position) => position));
    for (const result of results) {
      expect(result).toMatchObject({ id: String(result.index), ok: true, calls: 1 });
      expect(result.value).toBe(result.index % 3 === 0 ? 'negative' : 'positive');
      expect(result.costUsd).toBeGreaterThan(0);
      expect(result.usage.totalTokens).toBeGreaterThan(0);
    }
    expect(summary).toMatchObject({ total: 12, succeeded: 12, failed: 0, skipped: 0, cached: 0, aborted: false });
    expect(summary.stoppedBy).toBeUndefined();
    expect(summary.costUsd).toBeCloseTo(
      results.reduce((sum, result) => sum + result.costUsd, 0),
      12,
    );
  });

  it('never has more calls in flight than the concurrency', async () => {
    let inFlight = 0;
    let most = 0;
    server.setReply(async (request) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 10));
      inFlight -= 1;
      return byText(request);
    });
    const summary = await runBatch(sentiment, Array(20).fill('fine'), { client, concurrency: 3 }).summary;
    expect(summary.succeeded).toBe(20);
    expect(most).toBeLessThanOrEqual(3);
    expect(most).toBeGreaterThan(1);
  });

  it('runs to the end when nobody iterates, writing every result to the output file', async () => {
    const output = freshPath('results.jsonl');
    const summary = await runBatch(sentiment, ['good', 'bad', 'fine'], { client, output }).summary;
    expect(summary).toMatchObject({ total: 3, succeeded: 3 });
    const lines = await fileLines(output);
    expect(lines.map((line) => [line.id, line.value]).sort()).toEqual([
      ['0', 'positive'],
      ['1', 'negative'],
      ['2', 'positive'],
    ]);
    expect(await collect(readBatchResults(output))).toEqual(lines);
  });

  it('takes records from an async iterable, with given ids (numbers become strings)', async () => {
    async function* records() {
      yield { id: 'a-1', text: 'good' };
      yield { id: 7, text: 'bad' };
      yield 'plain text gets its position';
    }
    const results = await collect(runBatch(sentiment, records(), { client }));
    expect(results.map((result) => [result.id, result.index, result.value]).sort()).toEqual([
      ['2', 2, 'positive'],
      ['7', 1, 'negative'],
      ['a-1', 0, 'positive'],
    ]);
  });

  it('carries the record, without its id, into the result with includeInput', async () => {
    const run = runBatch(sentiment, [{ id: 'x', text: 'bad', customer: 42, tags: ['vip'] }], {
      client,
      includeInput: true,
    });
    const [result] = await collect(run);
    expect(result).toMatchObject({ id: 'x', input: { text: 'bad', customer: 42, tags: ['vip'] } });
    expect(result?.input).not.toHaveProperty('id');
    const [without] = await collect(runBatch(sentiment, [{ text: 'bad', customer: 42 }], { client }));
    expect(without).not.toHaveProperty('input');
  });

  it('streams a JSONL file: blank lines skipped, a bad line fails alone naming its line number', async () => {
    const input = freshPath('input.jsonl');
    await writeFile(
      input,
      [
        '{"id":"first","text":"good"}',
        '',
        '"a bare string"',
        '{"id":"broken", "text": ',
        '   ',
        '{"id":"no-text","body":"x"}',
        '{"id":"empty","text":"   "}',
        '{"id":"last","text":"bad"}',
      ].join('\r\n'),
    );
    const output = freshPath('results.jsonl');
    const run = runBatch(sentiment, input, { client, output });
    const results = await collect(run);
    const byId = new Map(results.map((result) => [result.id, result]));
    expect([...byId.keys()].sort()).toEqual(['1', '2', 'empty', 'first', 'last', 'no-text']);
    expect(byId.get('first')).toMatchObject({ index: 0, ok: true, value: 'positive' });
    expect(byId.get('1')).toMatchObject({ index: 1, ok: true });
    expect(byId.get('2')).toMatchObject({ index: 2, ok: false, calls: 0, error: { name: 'InputError' } });
    expect(byId.get('2')?.error?.message).toMatch(/^line 4 of .*input\.jsonl is not JSON/);
    expect(byId.get('no-text')?.error).toMatchObject({ name: 'InputError', message: expect.stringMatching(/line 6/) });
    expect(byId.get('empty')?.error).toMatchObject({ name: 'InputError', message: expect.stringMatching(/empty/) });
    expect(byId.get('last')).toMatchObject({ index: 5, ok: true, value: 'negative' });
    expect(await run.summary).toMatchObject({ total: 6, succeeded: 3, failed: 3 });
    expect(server.chatRequests()).toHaveLength(3);
    expect(await fileLines(output)).toHaveLength(6);
  });

  it('rejects the summary with an InputError on a duplicate id, keeping what finished before on disk', async () => {
    const output = freshPath('results.jsonl');
    const records = [
      { id: 'a', text: 'good' },
      { id: 'b', text: 'good' },
      { id: 'a', text: 'again' },
      { id: 'c', text: 'good' },
    ];
    const run = runBatch(sentiment, records, { client, output, concurrency: 1 });
    const iteration = collect(run);
    await expect(run.summary).rejects.toThrow(InputError);
    await expect(run.summary).rejects.toThrow(/Duplicate id "a" \(item 2\)/);
    await expect(iteration).rejects.toThrow(/Duplicate id/);
    const ids = (await fileLines(output)).map((line) => line.id).sort();
    expect(ids).toEqual(['a', 'b']);
  });

  it('records an unparseable reply as a failed item and goes on', async () => {
    const cursed = (request: MockRequest) => request.messages.some((message) => message.content === 'cursed');
    server.setReply((request) => (cursed(request) ? 'I would rather write a poem' : byText(request)));
    const output = freshPath('results.jsonl');
    const run = runBatch(sentiment, ['good', 'cursed', 'bad'], { client, output, concurrency: 1 });
    const results = await collect(run);
    expect(results.map((result) => result.ok)).toEqual([true, false, true]);
    const failed = results[1];
    expect(failed?.error?.name).toBe('OutputError');
    expect(failed?.error?.message).toMatch(/sentiment/);
    expect(failed?.calls).toBe(2);
    expect(failed?.costUsd).toBeGreaterThan(0);
    expect(await run.summary).toMatchObject({ succeeded: 2, failed: 1 });
    expect(await fileLines(output)).toHaveLength(3);
  });

  it('records a 400 answer as a failed item with its code', async () => {
    server.setReply((request) =>
      userText(request) === 'refused'
        ? { status: 400, body: { error: { code: 'InvalidParameter', message: 'nope', type: 'invalid_request_error' } } }
        : byText(request),
    );
    const results = await collect(runBatch(sentiment, ['refused', 'good'], { client }));
    const refused = results.find((result) => result.id === '0');
    expect(refused).toMatchObject({ ok: false, error: { name: 'BadRequestError', code: 'InvalidParameter' } });
    expect(results.find((result) => result.id === '1')?.ok).toBe(true);
  });

  it('can be iterated once, and breaking out of the loop does not stop the run', async () => {
    const output = freshPath('results.jsonl');
    const run = runBatch(sentiment, Array(10).fill('good'), { client, output, concurrency: 2 });
    for await (const result of run) {
      expect(result.ok).toBe(true);
      break;
    }
    expect(() => run[Symbol.asyncIterator]()).toThrow(InputError);
    expect(await run.summary).toMatchObject({ succeeded: 10 });
    expect(await fileLines(output)).toHaveLength(10);
  });

  it('calls onProgress with growing counts and a final call with the totals', async () => {
    const calls: BatchProgress[] = [];
    const summary = await runBatch(sentiment, Array(30).fill('good'), {
      client,
      onProgress: (progress) => calls.push(progress),
    }).summary;
    expect(calls.length).toBeGreaterThanOrEqual(2);
    expect(calls.length).toBeLessThanOrEqual(31);
    const last = calls.at(-1);
    expect(last).toMatchObject({ done: 30, succeeded: 30, failed: 0, total: 30, skipped: 0, inFlight: 0 });
    expect(last?.concurrency).toBe(8);
    expect(last?.costUsd).toBe(summary.costUsd);
    expect(last?.usage.totalTokens).toBe(summary.usage.totalTokens);
    expect(last?.itemsPerSecond).toBeGreaterThan(0);
    const done = calls.map((progress) => progress.done);
    expect(done).toEqual([...done].sort((a, b) => a - b));
  });

  it('stops and rejects the summary when onProgress throws', async () => {
    const run = runBatch(sentiment, Array(5).fill('good'), {
      client,
      onProgress: () => {
        throw new Error('the UI broke');
      },
    });
    await expect(run.summary).rejects.toThrow('the UI broke');
  });
});
