import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BatchItemResult, createClient, defineTask, runBatch } from '../../src/index.js';
import { type MockRequest, startMockQwen } from '../../src/testing/index.js';
import { reportFigures } from './report-figures.js';
import { createSkippingClock } from './skipping-clock.js';

const KEY = 'sk-reliability-limits';
const sentiment = defineTask({ name: 'sentiment', output: { labels: ['positive', 'negative', 'neutral'] } });
const records = (count: number) =>
  Array.from({ length: count }, (_, position) => ({ id: `item-${position}`, text: `review ${position}` }));

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'qwen-tasks-limits-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

/** Answers a packed request with one `ID: positive` line per item (its letter code), a single text with `positive`. */
function answerAll(request: MockRequest): string {
  const text = request.messages.find((message) => message.role === 'user')?.content ?? '';
  return text
    .split('\n')
    .map((line, _position, lines) => (lines.length === 1 ? 'positive' : `${line.split(' ')[0]}: positive`))
    .join('\n');
}

async function resultLines(path: string): Promise<BatchItemResult[]> {
  const text = await readFile(path, 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => JSON.parse(line) as BatchItemResult);
}

describe('Segmind credits running out', () => {
  it.each([
    ['one item per call', undefined, 50, 50],
    ['packs of 10 items per call', 10, 5, 50],
  ])(
    'stops a batch cleanly, %s, keeping every finished result, and a resume goes on',
    async (_name, pack, calls, done) => {
      // 0.05 credits at 0.001 a call: exactly `calls` calls succeed, then every call gets Segmind's 406.
      const server = await startMockQwen({
        apiKey: KEY,
        credits: calls * 0.001,
        creditsPerCall: 0.001,
        reply: answerAll,
      });
      const client = createClient({ provider: 'segmind', baseURL: server.segmindURL, apiKey: KEY });
      const output = join(directory, `credits-${pack ?? 1}.jsonl`);
      try {
        const options = { client, output, concurrency: 8, ...(pack === undefined ? {} : { pack }) };
        const first = await runBatch(sentiment, records(200), options).summary;
        expect(first.stoppedBy).toEqual({
          name: 'InsufficientCreditsError',
          message: expect.stringMatching(
            /^Insufficient credits \(406\): Insufficient credits — POST http:\/\/127\.0\.0\.1:\d+\/v1\/qwen-flash$/,
          ),
        });
        expect(first).toMatchObject({ succeeded: done, failed: 0, aborted: false, remainingCredits: 0 });
        const kept = await resultLines(output);
        expect(kept).toHaveLength(done);
        expect(kept.every((line) => line.ok)).toBe(true);
        // A refused call is neither retried nor written: only a few calls that were in flight met the empty account.
        const refused = server.chatRequests().length - calls;
        expect(refused).toBeGreaterThan(0);
        expect(refused).toBeLessThanOrEqual(8);

        server.reset(); // the account is topped up
        const second = await runBatch(sentiment, records(200), { ...options, resume: true }).summary;
        expect(second).toMatchObject({ skipped: done, succeeded: done, failed: 0 });
        const lines = await resultLines(output);
        expect(new Set(lines.map((line) => line.id)).size).toBe(2 * done);
        reportFigures(`credits, ${_name}`, { first, second, refused });
      } finally {
        await client.close();
        await server.close();
      }
    },
  );
});

describe('a server rate window', () => {
  it('is honoured: never more than its limit per window, every item done, on a virtual clock', async () => {
    const clock = createSkippingClock();
    const accepted: number[] = [];
    const server = await startMockQwen({
      apiKey: KEY,
      now: () => clock.now(),
      rateLimit: { requestsPerMinute: 30 },
      reply: () => {
        accepted.push(clock.now());
        return 'positive';
      },
    });
    const client = createClient({ provider: 'dashscope', baseURL: server.baseURL, apiKey: KEY, clock });
    try {
      const summary = await runBatch(sentiment, records(100), { client, concurrency: 8, clock }).summary;
      expect(summary).toMatchObject({ succeeded: 100, failed: 0 });
      const sorted = [...accepted].sort((left, right) => left - right);
      for (const [position, time] of sorted.entries()) {
        const later = sorted[position + 30];
        if (later !== undefined) expect(later - time).toBeGreaterThanOrEqual(60_000);
      }
      // 100 calls at 30 a minute need three more windows after the first: at least three minutes of waiting.
      expect(clock.skippedMs).toBeGreaterThanOrEqual(3 * 60_000 - 1000);
      const refused = server.chatRequests().length - 100;
      reportFigures('rate window', { refused, skippedMs: clock.skippedMs, summary });
      expect(refused).toBeLessThan(100);
    } finally {
      await client.close();
      await server.close();
    }
  });

  it.each([
    { name: 'a minute', server: { requestsPerMinute: 30 }, client: { requestsPerMinute: 30 }, items: 100 },
    {
      name: "a second, as DashScope enforces its limits (RPM/60 a second; the client's default on DashScope)",
      server: { requestsPerMinute: 5, windowMs: 1000 },
      client: { requestsPerMinute: 300, perSecond: true },
      items: 40,
    },
  ])(
    "is never hit when the client's own rateLimit matches it: $name",
    async ({ server: limit, client: own, items }) => {
      // The margin is the client's 5% (50 ms on a second): on a clock where real time runs 20 times slower, a
      // request's real time in transit, which a busy machine stretches, stays well inside it.
      const clock = createSkippingClock({ slowMotion: 20 });
      const server = await startMockQwen({ apiKey: KEY, now: () => clock.now(), rateLimit: limit, reply: 'positive' });
      const client = createClient({
        provider: 'dashscope',
        baseURL: server.baseURL,
        apiKey: KEY,
        clock,
        rateLimit: own,
      });
      try {
        const summary = await runBatch(sentiment, records(items), { client, concurrency: 8, clock }).summary;
        expect(summary).toMatchObject({ succeeded: items, failed: 0 });
        // The client counts its windows 5% long, so a request can only reach the server inside the server's window
        // if it took that much longer in transit than the one it follows (3 s on a minute, 50 ms on a second).
        const refused = server.chatRequests().length - items;
        reportFigures(`rate window of ${limit.windowMs ?? 60_000} ms, client limited to it`, {
          refused,
          skippedMs: clock.skippedMs,
          summary,
        });
        expect(refused).toBe(0);
      } finally {
        await client.close();
        await server.close();
      }
    },
  );
});
