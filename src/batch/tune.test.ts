import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { PROPOSED_INSTRUCTIONS, REVIEWS, tuneReply } from '../../test/helpers/tune-reply.js';
import { useLoopbackClient } from '../../test/helpers/use-loopback-client.js';
import { InputError } from '../errors.js';
import { defineTask } from '../task/define-task.js';
import { createMemoryCache } from '../task/result-cache.js';
import { loadTask } from '../task/task-file.js';
import type { Task } from '../task/types.js';
import { type TuneProgress, tuneTask } from './tune.js';

const loopback = useLoopbackClient('sk-tune-0123456789', { reply: tuneReply });
const DATA = REVIEWS.map((review) => ({ text: review.text, expected: review.label }));
let task: Task;

beforeAll(async () => {
  task = await loadTask(fileURLToPath(new URL('../../test/fixtures/tune/sentiment.task.yaml', import.meta.url)));
});

describe('tuneTask on a model that needs an example of each label', () => {
  it('raises test macro-F1 over the original, and the report shows every candidate, the proposal and the spend', async () => {
    const events: TuneProgress['kind'][] = [];
    const { task: tuned, report } = await tuneTask(task, DATA, {
      client: loopback.client,
      maxCostUsd: 1,
      seed: 2,
      onProgress: (event) => events.push(event.kind),
    });
    expect(report.split).toEqual({ train: 18, dev: 9, test: 9 });
    expect(report.test?.before.macroF1).toBeCloseTo(1 / 6, 10);
    expect(report.test?.after.macroF1).toBe(1);
    expect(report.test!.after.macroF1!).toBeGreaterThan(report.test!.before.macroF1!);
    expect(report.candidates[0]).toMatchObject({ index: 0, name: 'original', examples: [] });
    const chosen = report.candidates[report.chosen!]!;
    expect(chosen.name).toBe('proposal 1');
    expect(chosen.dev.macroF1).toBe(1);
    expect(report.proposals).toEqual([
      expect.objectContaining({ instructions: PROPOSED_INSTRUCTIONS, candidate: chosen.index, requests: 1 }),
    ]);
    expect(report.proposals[0]?.request).toContain('Mistakes:\n- "Oh wonderful');
    // The cheapest of the candidates as good as the best: label descriptions add tokens and no score here.
    expect(chosen.labelDescriptions).toBeUndefined();
    expect(chosen.examples.map((example) => example.output).sort()).toEqual(['negative', 'neutral', 'positive']);
    for (const candidate of report.candidates) {
      if (Math.abs((candidate.dev.macroF1 ?? 0) - 1) < 1e-9) {
        expect(candidate.promptTokensPerItem).toBeGreaterThanOrEqual(chosen.promptTokensPerItem);
      }
    }
    expect(tuned).toMatchObject({ name: task.name, kind: task.kind, labels: task.labels });
    expect(tuned.instructions).toBe(PROPOSED_INSTRUCTIONS);
    const requests = loopback.server.chatRequests().length;
    expect(report.requests).toBe(requests);
    const devRuns = report.candidates.reduce((sum, candidate) => sum + candidate.dev.requests, 0);
    expect(requests).toBe(devRuns + 1 + 9 + 9);
    expect(report.spentUsd).toBeGreaterThan(0);
    expect(report.spentUsd).toBeLessThanOrEqual(1);
    expect(report.stopped).toBeUndefined();
    expect(events.filter((kind) => kind === 'candidate')).toHaveLength(report.candidates.length);
    expect(events.slice(-2)).toEqual(['test', 'test']);
  });

  it('never reads the test split while choosing: the test items are sent only twice, after the dev runs', async () => {
    const { report } = await tuneTask(task, DATA, { client: loopback.client, maxCostUsd: 1, seed: 2 });
    const requests = loopback.server.chatRequests();
    const devTexts = new Set(requests.slice(0, report.candidates[0]!.dev.requests).map(userText));
    const testRequests = requests.slice(-18).map(userText);
    expect(testRequests.some((text) => devTexts.has(text))).toBe(false);
    const earlier = requests.slice(0, -18).map(userText);
    expect(earlier.some((text) => testRequests.includes(text))).toBe(false);
  });

  it('stops cleanly with the original returned when the cap is smaller than one candidate', async () => {
    const events: TuneProgress[] = [];
    const { task: tuned, report } = await tuneTask(task, DATA, {
      client: loopback.client,
      maxCostUsd: 1e-9,
      onProgress: (event) => events.push(event),
    });
    expect(tuned).toBe(task);
    expect(report.candidates).toEqual([]);
    expect(report.chosen).toBeUndefined();
    expect(report.test).toBeUndefined();
    expect(report.spentUsd).toBe(0);
    expect(report.stopped).toMatch(/^maxCostUsd 1e-9 USD: candidate "original" would bring the spend to about/);
    expect(events).toEqual([{ kind: 'stopped', reason: report.stopped, spentUsd: 0 }]);
    expect(loopback.server.chatRequests()).toEqual([]);
  });

  it('stops taking candidates once the next would pass the cap, and stays under it', async () => {
    const full = await tuneTask(task, DATA, { client: loopback.client, maxCostUsd: 1, seed: 2 });
    const perRun = full.report.candidates[0]!.dev.costUsd;
    const maxCostUsd = perRun * 5.5; // the original and a candidate on dev, both test runs, and a little more
    const { report } = await tuneTask(task, DATA, { client: loopback.client, maxCostUsd, seed: 2 });
    expect(report.candidates.length).toBeGreaterThan(1);
    expect(report.candidates.length).toBeLessThan(full.report.candidates.length);
    expect(report.stopped).toMatch(/^maxCostUsd /);
    expect(report.test).toBeDefined();
    expect(report.spentUsd).toBeLessThanOrEqual(maxCostUsd);
  });

  it('gives the same tuned task for the same seed, and another split for another seed', async () => {
    const first = await tuneTask(task, DATA, { client: loopback.client, maxCostUsd: 1, seed: 3 });
    const second = await tuneTask(task, DATA, { client: loopback.client, maxCostUsd: 1, seed: 3 });
    const other = await tuneTask(task, DATA, { client: loopback.client, maxCostUsd: 1, seed: 4 });
    expect(second.task.hash).toBe(first.task.hash);
    expect(second.report.candidates).toEqual(first.report.candidates);
    expect(other.task.examples).not.toEqual(first.task.examples);
  });

  it('makes no request when run again with the same cache, and comes to the same answer', async () => {
    const cache = createMemoryCache();
    const first = await tuneTask(task, DATA, { client: loopback.client, maxCostUsd: 1, seed: 2, cache });
    const before = loopback.server.chatRequests().length;
    const again = await tuneTask(task, DATA, { client: loopback.client, maxCostUsd: 1, seed: 2, cache });
    expect(loopback.server.chatRequests()).toHaveLength(before);
    expect(again.report).toMatchObject({ spentUsd: 0, requests: 0 });
    expect(again.task.hash).toBe(first.task.hash);
    expect(again.report.test?.after.macroF1).toBe(first.report.test?.after.macroF1);
  });

  it('tunes a task without labels by exact match, drawing examples from train', async () => {
    const echo = defineTask({ name: 'shout', format: 'text', instructions: 'Repeat the text in capitals.' });
    loopback.server.setReply((request) => {
      const system = request.messages[0]?.content ?? '';
      const text = userText(request);
      return system.includes('Reply: ') ? text.toUpperCase() : text;
    });
    const data = Array.from({ length: 12 }, (_, index) => ({ text: `word ${index}`, expected: `WORD ${index}` }));
    const { task: tuned, report } = await tuneTask(echo, data, {
      client: loopback.client,
      maxCostUsd: 1,
      proposals: 0,
    });
    expect(report.score).toBe('accuracy');
    expect(report.test?.before.accuracy).toBe(0);
    expect(report.test?.after.accuracy).toBe(1);
    expect(tuned.examples).toHaveLength(2);
  });

  it.each([
    [{ maxCostUsd: 0 }, 'maxCostUsd is required: a positive number of USD, got 0'],
    [{ maxCostUsd: 1, split: { train: 0.5, dev: 0.5, test: 0.5 } }, /^split must give train, dev and test shares/],
    [{ maxCostUsd: 1, maxExamples: 0 }, 'maxExamples must be a whole number from 1, got 0'],
    [{ maxCostUsd: 1, seed: 1.5 }, 'seed must be a whole number, got 1.5'],
  ])('refuses the options %j before any call', async (options, message) => {
    await expect(tuneTask(task, DATA, { client: loopback.client, ...options })).rejects.toThrow(message);
    expect(loopback.server.chatRequests()).toEqual([]);
  });

  it('refuses data too small for a dev and a test split', async () => {
    const error = await tuneTask(task, DATA.slice(0, 3), { client: loopback.client, maxCostUsd: 1 }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toMatch(/^too few labelled items to tune: 3 split into 3 train, 0 dev/);
  });
});

function userText(request: { messages: readonly { role: string; content: string }[] }): string {
  return request.messages.find((message) => message.role === 'user')?.content ?? '';
}
