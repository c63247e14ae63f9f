import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BatchItemResult, type BatchSummary, createClient, defineTask, runBatch } from '../../src/index.js';
import { type MockFault, type SeededFaultKind, seededFaults, startMockQwen } from '../../src/testing/index.js';
import { reportFigures } from './report-figures.js';
import { createSkippingClock } from './skipping-clock.js';

/** The fault mix shared with `scripts/soak.mjs` (which runs the same soak at 10,000 items). */
interface FaultMix {
  rate: number;
  timeoutMs: number;
  streamShare: number;
  online: { seed: number; kinds: SeededFaultKind[] };
  stream: { seed: number; kinds: SeededFaultKind[] };
}
const MIX = JSON.parse(
  readFileSync(new URL('../fixtures/reliability-fault-mix.json', import.meta.url), 'utf8'),
) as FaultMix;

const KEY = 'sk-reliability-fault-soak';
const ITEMS = 1000;
const LABELS = ['positive', 'negative', 'neutral'] as const;
/** Failures an item may end with: retries exhausted, or a content filter (never retried). */
const EXPECTED_FAILURES = new Set([
  'ContentFilterError',
  'ServerError',
  'ConnectionError',
  'TimeoutError',
  'RateLimitError',
]);

const plain = defineTask({ name: 'sentiment', output: { labels: LABELS } });
const thinking = defineTask({ name: 'sentiment-thinking', thinking: true, output: { labels: LABELS } });

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'qwen-tasks-fault-soak-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

/** A short name of a fault, for the tally. */
function faultName(fault: MockFault): string {
  switch (fault.type) {
    case 'status':
      return `${fault.status}${fault.status === 429 ? (fault.retryAfter === undefined ? ' backoff' : ' Retry-After') : ''}`;
    case 'html':
      return `${fault.status} html`;
    case 'sse-error':
      return `sse-error ${fault.code ?? 'data_inspection_failed'}`;
    default:
      return fault.type;
  }
}

interface SoakOutcome {
  summary: BatchSummary;
  yielded: BatchItemResult[];
  lines: BatchItemResult[];
  requests: number;
  injected: Record<string, number>;
  failures: Record<string, number>;
}

/** Runs `items` records through runBatch against a loopback server injecting the `part` faults of the mix. */
async function soak(part: 'online' | 'stream', items: number): Promise<SoakOutcome> {
  const faults = seededFaults({ seed: MIX[part].seed, rate: MIX.rate, kinds: MIX[part].kinds });
  const server = await startMockQwen({ apiKey: KEY, faults });
  const clock = createSkippingClock();
  const client = createClient({
    provider: 'dashscope',
    baseURL: server.baseURL,
    apiKey: KEY,
    timeoutMs: MIX.timeoutMs,
    clock,
  });
  const output = join(directory, `${part}.jsonl`);
  try {
    const records = Array.from({ length: items }, (_, position) => ({
      id: `${part}-${position}`,
      text: `review number ${position}`,
    }));
    const run = runBatch(part === 'stream' ? thinking : plain, records, { client, output, concurrency: 16, clock });
    const yielded: BatchItemResult[] = [];
    for await (const result of run) yielded.push(result);
    const summary = await run.summary;
    const text = await readFile(output, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    const lines = text
      .slice(0, -1)
      .split('\n')
      .map((line) => JSON.parse(line) as BatchItemResult);
    const injected: Record<string, number> = {};
    for (const request of server.chatRequests()) {
      const fault = faults(request);
      if (fault !== undefined) injected[faultName(fault)] = (injected[faultName(fault)] ?? 0) + 1;
    }
    const failures: Record<string, number> = {};
    for (const line of lines) {
      if (!line.ok) failures[line.error?.name ?? '?'] = (failures[line.error?.name ?? '?'] ?? 0) + 1;
    }
    return { summary, yielded, lines, requests: server.chatRequests().length, injected, failures };
  } finally {
    await client.close();
    await server.close();
  }
}

/** The checks every soak passes: each item exactly once, as a valid label or a recorded, expected failure. */
function expectEveryItemOnce(outcome: SoakOutcome, part: string, items: number, kinds: readonly SeededFaultKind[]) {
  const { summary, yielded, lines } = outcome;
  const ids = Array.from({ length: items }, (_, position) => `${part}-${position}`);
  expect(lines).toHaveLength(items);
  expect(new Set(lines.map((line) => line.id))).toEqual(new Set(ids));
  expect(yielded).toHaveLength(items);
  expect(new Map(yielded.map((result) => [result.id, result.ok]))).toEqual(
    new Map(lines.map((line) => [line.id, line.ok])),
  );
  expect(summary).toMatchObject({ total: items, skipped: 0, aborted: false });
  expect(summary.stoppedBy).toBeUndefined();
  expect(summary.succeeded + summary.failed).toBe(items);
  for (const line of lines) {
    if (line.ok) expect(LABELS).toContain(line.value);
    else expect(EXPECTED_FAILURES).toContain(line.error?.name);
  }
  // Every kind of fault of the mix was injected (the seed fixes which request indexes fail, and how).
  expect(Object.keys(outcome.injected).sort()).toEqual(
    [
      ...new Set(kinds.map((kind) => faultName(typeof kind === 'string' ? ({ type: kind } as MockFault) : kind))),
    ].sort(),
  );
  // Every request is a success or a fault (more only if a machine is so slow that a clean attempt timed out).
  const injectedTotal = Object.values(outcome.injected).reduce((sum, count) => sum + count, 0);
  expect(outcome.requests).toBeGreaterThanOrEqual(summary.succeeded + injectedTotal);
  const { yielded: _yielded, lines: _lines, ...figures } = outcome;
  reportFigures(`fault soak, ${part}`, {
    ...figures,
    failedIds: lines.filter((line) => !line.ok).map((line) => line.id),
  });
}

describe('the fault soak: 10% of requests fail in every way the transport can', () => {
  const streamItems = Math.round(ITEMS * MIX.streamShare);
  const onlineItems = ITEMS - streamItems;

  it(`ends each of ${onlineItems} items exactly once through 429s, 5xx, resets, truncated bodies and timeouts`, async () => {
    const outcome = await soak('online', onlineItems);
    expectEveryItemOnce(outcome, 'online', onlineItems, MIX.online.kinds);
    // Only an item whose three attempts all fail (about 1 in 1,000) may fail here: no fault is final on its own.
    expect(outcome.summary.failed).toBeLessThanOrEqual(onlineItems * 0.01);
    expect(outcome.failures.ContentFilterError).toBeUndefined();
  }, 90_000);

  it(`ends each of ${streamItems} thinking (streamed) items exactly once through cut and failing streams`, async () => {
    const outcome = await soak('stream', streamItems);
    expectEveryItemOnce(outcome, 'stream', streamItems, MIX.stream.kinds);
    // A moderation event in the stream is final (ContentFilterError); everything else is retried.
    const retryable = outcome.summary.failed - (outcome.failures.ContentFilterError ?? 0);
    expect(retryable).toBeLessThanOrEqual(streamItems * 0.01);
    expect(outcome.failures.ContentFilterError ?? 0).toBeLessThanOrEqual(
      outcome.injected['sse-error data_inspection_failed'] ?? 0,
    );
  }, 90_000);
});
