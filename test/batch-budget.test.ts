import { describe, expect, it } from 'vitest';
import { runBatch } from '../src/batch/run-batch.js';
import { defineTask } from '../src/index.js';
import { useBatchHarness } from './helpers/batch-harness.js';

const KEY = 'sk-test-batch-budget';
const sentiment = defineTask({ name: 'sentiment', output: { labels: ['positive', 'negative', 'neutral'] } });

const { server, client } = useBatchHarness(KEY);

const SHORT = 'fine';
const LONG = 'this product arrived late and the box was damaged, '.repeat(400);

/** A completion without `usage`, as some OpenAI-compatible servers send. */
const NO_USAGE = {
  status: 200,
  body: {
    id: 'chatcmpl-no-usage',
    object: 'chat.completion',
    choices: [{ index: 0, message: { role: 'assistant', content: 'positive' }, finish_reason: 'stop' }],
  },
};

async function costOf(text: string): Promise<number> {
  const summary = await runBatch(sentiment, [text], { client }).summary;
  server.reset();
  return summary.costUsd;
}

describe('maxCostUsd checks each item before sending it', () => {
  it('keeps the spend within maxCostUsd when long items follow short ones', async () => {
    const shortUsd = await costOf(SHORT);
    const longUsd = await costOf(LONG);
    expect(longUsd).toBeGreaterThan(shortUsd * 20);
    const maxCostUsd = shortUsd * 10 + longUsd * 2.5;
    const texts = [...Array(10).fill(SHORT), ...Array(20).fill(LONG)];
    const summary = await runBatch(sentiment, texts, { client, maxCostUsd, concurrency: 8 }).summary;
    expect(summary.stoppedBy?.name).toBe('BudgetExceeded');
    expect(summary.costUsd).toBeLessThanOrEqual(maxCostUsd);
    expect(summary.succeeded).toBeGreaterThanOrEqual(11);
  });

  it('estimates the cost of calls the server reports no usage for, stops at maxCostUsd, and says so on the summary', async () => {
    const itemUsd = await costOf(LONG);
    server.setReply(NO_USAGE);
    const unlimited = await runBatch(sentiment, [LONG, LONG], { client }).summary;
    expect(unlimited.costEstimated).toBe(true);
    expect(unlimited.costUsd).toBeGreaterThan(itemUsd);
    expect(unlimited.usage.promptTokens).toBeGreaterThan(1000);

    server.reset();
    const maxCostUsd = unlimited.costUsd * 2;
    const summary = await runBatch(sentiment, Array(20).fill(LONG), { client, maxCostUsd, concurrency: 4 }).summary;
    expect(summary.stoppedBy?.name).toBe('BudgetExceeded');
    expect(summary.costEstimated).toBe(true);
    expect(summary.costUsd).toBeLessThanOrEqual(maxCostUsd);
    expect(summary.succeeded).toBeLessThan(20);
  });
});
