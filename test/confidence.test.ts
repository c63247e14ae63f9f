import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  classify,
  createClient,
  defineTask,
  evaluateTask,
  loadTask,
  OutputError,
  previewTask,
  runBatch,
  runTask,
  streamTask,
  TaskDefinitionError,
} from '../src/index.js';
import { startMockQwen } from '../src/testing/index.js';
import { runCli } from './cli-helpers.js';
import { useLoopbackClient } from './helpers/use-loopback-client.js';

const mock = useLoopbackClient('sk-test-confidence');
const LABELS = ['positive', 'negative', 'neutral'] as const;

describe('classify with confidence', () => {
  it('reads every label probability from the first token when the labels start differently', async () => {
    mock.server.setReply({
      content: 'positive',
      logprobs: { distribution: { positive: 0.7, negative: 0.2, neutral: 0.1 } },
    });
    const answer = await classify('Love it', LABELS, { client: mock.client, confidence: true });
    expect(answer.label).toBe('positive');
    expect(answer.confidence).toBeCloseTo(0.7, 10);
    expect(answer.scores?.negative).toBeCloseTo(0.2, 10);
    expect(answer.scores?.neutral).toBeCloseTo(0.1, 10);
    expect(mock.server.chatRequests()[0]?.body).toMatchObject({ logprobs: true, top_logprobs: 5 });
    // The prompt is the same as without confidence.
    await classify('Love it', LABELS, { client: mock.client });
    const [withConfidence, without] = mock.server.chatRequests();
    expect(withConfidence?.messages).toEqual(without?.messages);
  });

  it('renormalizes over the labels: tokens that are no label count for none', async () => {
    mock.server.setReply({
      content: 'negative',
      logprobs: { distribution: { negative: 0.5, positive: 0.25, The: 0.15, mixed: 0.1 } },
    });
    const answer = await classify('meh', LABELS, { client: mock.client, confidence: true });
    expect(answer.confidence).toBeCloseTo(0.5 / 0.75, 10);
    expect(answer.scores?.positive).toBeCloseTo(0.25 / 0.75, 10);
    expect(answer.scores?.neutral).toBe(0);
  });

  it('reads further tokens when the labels share their first token', async () => {
    mock.server.setReply({
      logprobs: {
        tokens: [
          { token: 'pos', top: { pos: 0.9, neg: 0.1 } },
          { token: 'itive', top: { itive: 0.75, tal: 0.25 } },
        ],
      },
    });
    const answer = await classify('x', ['positive', 'postal', 'negative'], { client: mock.client, confidence: true });
    expect(answer.label).toBe('positive');
    expect(answer.confidence).toBeCloseTo(0.675, 10);
    expect(answer.scores).toMatchObject({ postal: expect.closeTo(0.225, 10), negative: expect.closeTo(0.1, 10) });
  });

  it('reads Chinese labels, and labels sharing their first character', async () => {
    mock.server.setReply({ content: '负面', logprobs: { distribution: { 负: 0.8, 正: 0.15, 中: 0.05 } } });
    const sentiment = await classify('太差了', ['正面', '负面', '中性'], { client: mock.client, confidence: true });
    expect(sentiment).toMatchObject({ label: '负面', confidence: expect.closeTo(0.8, 10) });
    mock.server.setReply({
      logprobs: {
        tokens: [
          { token: '非常', top: { 非常: 0.9, 不: 0.1 } },
          { token: '差', top: { 差: 0.6, 好: 0.4 } },
        ],
      },
    });
    const strength = await classify('x', ['非常好', '非常差'], { client: mock.client, confidence: true });
    expect(strength).toMatchObject({ label: '非常差', confidence: expect.closeTo(0.6, 10) });
  });

  it('reads past a leading quote, counting a label that could have come first too', async () => {
    mock.server.setReply({
      logprobs: {
        tokens: [
          { token: '"', top: { '"': 0.5, positive: 0.3, negative: 0.2 } },
          { token: 'positive', top: { positive: 0.9, neutral: 0.1 } },
          { token: '"' },
        ],
      },
    });
    const answer = await classify('x', LABELS, { client: mock.client, confidence: true });
    // positive: 0.3 + 0.5 × 0.9 = 0.75; negative 0.2; neutral 0.5 × 0.1 = 0.05; total 1.
    expect(answer.confidence).toBeCloseTo(0.75, 10);
    expect(answer.scores).toMatchObject({ negative: expect.closeTo(0.2, 10), neutral: expect.closeTo(0.05, 10) });
  });

  it('works on a streamed reply', async () => {
    const task = defineTask({ name: 'mood', output: { labels: [...LABELS] }, confidence: true });
    mock.server.setReply({ content: 'neutral', logprobs: { distribution: { neutral: 0.6, positive: 0.4 } } });
    const stream = streamTask(task, 'ok', { client: mock.client });
    await expect(stream.result).resolves.toMatchObject({ value: 'neutral', confidence: expect.closeTo(0.6, 10) });
    expect(mock.server.chatRequests()[0]?.stream).toBe(true);
  });
});

describe('minConfidence', () => {
  it('escalates a low-confidence label to a call with thinking on', async () => {
    mock.server.setReply([
      { content: 'positive', logprobs: { distribution: { positive: 0.55, negative: 0.45 } } },
      { reasoning: 'Sarcasm: it is negative.', content: 'negative' },
    ]);
    const answer = await classify('Great, it broke again.', LABELS, {
      client: mock.client,
      confidence: true,
      minConfidence: 0.8,
      escalate: 'thinking',
    });
    expect(answer).toMatchObject({ label: 'negative', escalated: true });
    expect(answer.confidence).toBeUndefined();
    const [first, second] = mock.server.chatRequests();
    expect(first?.body).toMatchObject({ enable_thinking: false, logprobs: true });
    expect(second?.body).toMatchObject({ enable_thinking: true, stream: true });
    expect(second?.body).not.toHaveProperty('logprobs');
  });

  it('keeps a confident label without a second call', async () => {
    mock.server.setReply({ content: 'positive', logprobs: { distribution: { positive: 0.95, negative: 0.05 } } });
    const answer = await classify('Love it', LABELS, { client: mock.client, confidence: true, minConfidence: 0.8 });
    expect(answer).toMatchObject({ label: 'positive', confidence: expect.closeTo(0.95, 10) });
    expect(answer.escalated).toBeUndefined();
    expect(mock.server.chatRequests()).toHaveLength(1);
  });

  it('rejects a low-confidence label with LOW_CONFIDENCE, its label and scores', async () => {
    mock.server.setReply({
      content: 'positive',
      logprobs: { distribution: { positive: 0.5, negative: 0.3, neutral: 0.2 } },
    });
    const task = defineTask({ name: 'mood', output: { labels: [...LABELS] }, confidence: true, minConfidence: 0.7 });
    const error = await runTask(task, 'meh', { client: mock.client }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OutputError);
    expect(error).toMatchObject({ code: 'LOW_CONFIDENCE', label: 'positive' });
    expect((error as OutputError).scores?.negative).toBeCloseTo(0.3, 10);
  });

  it('in runBatch: counts low-confidence items and writes rejected ones as failed with their scores', async () => {
    mock.server.setReply((request) => {
      const text = request.messages.at(-1)?.content ?? '';
      return text.startsWith('sure')
        ? { content: 'positive', logprobs: { distribution: { positive: 0.9, negative: 0.1 } } }
        : { content: 'negative', logprobs: { distribution: { negative: 0.5, positive: 0.5 } } };
    });
    const task = defineTask({ name: 'mood', output: { labels: [...LABELS] }, confidence: true, minConfidence: 0.7 });
    const results = [];
    const run = runBatch(task, ['sure 1', 'unsure 2', 'sure 3'], { client: mock.client });
    for await (const result of run) results.push(result);
    const summary = await run.summary;
    expect(summary).toMatchObject({ succeeded: 2, failed: 1, lowConfidence: 1 });
    const rejected = results.find((result) => !result.ok);
    expect(rejected?.error).toMatchObject({ code: 'LOW_CONFIDENCE', label: 'negative', scores: { negative: 0.5 } });
    const kept = results.find((result) => result.ok);
    expect(kept?.confidence).toBeCloseTo(0.9, 10);
    expect(kept?.labelScores?.positive).toBeCloseTo(0.9, 10);
  });

  it('gives each packed item its own confidence from its line', async () => {
    mock.server.setReply({
      logprobs: {
        tokens: [
          { token: 'A' },
          { token: ':' },
          { token: ' positive', top: { ' positive': 0.8, ' negative': 0.2 } },
          { token: '\n' },
          { token: 'B' },
          { token: ':' },
          { token: ' negative', top: { ' negative': 0.6, ' neutral': 0.4 } },
        ],
      },
    });
    const task = defineTask({ name: 'mood', output: { labels: [...LABELS] }, confidence: true });
    const results = [];
    for await (const result of runBatch(task, ['good', 'bad'], { client: mock.client, pack: 2 })) results.push(result);
    results.sort((a, b) => a.index - b.index);
    expect(results.map((result) => [result.value, result.confidence])).toEqual([
      ['positive', expect.closeTo(0.8, 10)],
      ['negative', expect.closeTo(0.6, 10)],
    ]);
    expect(mock.server.chatRequests()).toHaveLength(1);
  });
});

describe('never a made-up number', () => {
  it('without log-probabilities from the server: no confidence, a warning, and the label as usual', async () => {
    mock.server.setReply('neutral');
    const answer = await classify('ok', LABELS, { client: mock.client, confidence: true, minConfidence: 0.9 });
    expect(answer.label).toBe('neutral');
    expect(answer.confidence).toBeUndefined();
    expect(answer.warnings?.[0]).toMatch(/no log-probabilities/);
  });

  it('a server that refuses logprobs: the call is sent again without, and later calls do not ask', async () => {
    const server = await startMockQwen({ apiKey: 'sk-refuse', logprobs: 'refuse', reply: 'positive' });
    const client = createClient({ provider: 'dashscope', baseURL: server.baseURL, apiKey: 'sk-refuse', maxRetries: 0 });
    try {
      const first = await classify('a', LABELS, { client, confidence: true });
      expect(first).toMatchObject({
        label: 'positive',
        warnings: [expect.stringMatching(/refuses log-probabilities/)],
      });
      const second = await classify('b', LABELS, { client, confidence: true });
      expect(second.confidence).toBeUndefined();
      const bodies = server.chatRequests().map((request) => request.body as Record<string, unknown>);
      expect(bodies.map((body) => body.logprobs)).toEqual([true, undefined, undefined]);
    } finally {
      await client.close();
      await server.close();
    }
  });
});

describe('definition', () => {
  it('refuses confidence on a multi-label or non-label task, and minConfidence without confidence', () => {
    expect(() => defineTask({ name: 'm', output: { labels: ['a', 'b'], multi: true }, confidence: true })).toThrow(
      TaskDefinitionError,
    );
    expect(() => defineTask({ name: 'j', output: { type: 'object' }, confidence: true })).toThrow(/label tasks/);
    expect(() => defineTask({ name: 'l', output: { labels: ['a', 'b'] }, minConfidence: 0.5 })).toThrow(
      /needs confidence/,
    );
    expect(() =>
      defineTask({ name: 'l', output: { labels: ['a', 'b'] }, confidence: true, minConfidence: 1.5 }),
    ).toThrow(/minConfidence/);
  });

  it('keeps the hash of a task without confidence, and reads the task-file keys', async () => {
    const plain = defineTask({ name: 'mood', output: { labels: [...LABELS] } });
    const off = defineTask({ name: 'mood', output: { labels: [...LABELS] }, confidence: false });
    expect(off.hash).toBe(plain.hash);
    const directory = await mkdtemp(join(tmpdir(), 'qwen-tasks-confidence-'));
    const file = join(directory, 'mood.task.json');
    await writeFile(
      file,
      JSON.stringify({
        name: 'mood',
        kind: 'classify',
        labels: [...LABELS],
        confidence: true,
        minConfidence: 0.8,
        escalate: 'thinking',
      }),
    );
    const loaded = await loadTask(file);
    await rm(directory, { recursive: true, force: true });
    expect(loaded.settings).toMatchObject({ confidence: true, minConfidence: 0.8, escalate: 'thinking' });
  });

  it('previewTask: confidence adds no prompt or reply tokens, only the logprobs parameters', async () => {
    const task = defineTask({ name: 'mood', output: { labels: [...LABELS] }, confidence: true });
    const preview = await previewTask(task, 'The screen broke on day one.');
    expect(preview.confidence).toEqual({ extraPromptTokens: 0, extraReplyTokens: 0 });
    expect(preview.body).toMatchObject({ logprobs: true, top_logprobs: 5 });
  });
});

describe('command line', () => {
  it('classify --confidence prints the label with its confidence and scores', async () => {
    mock.server.setReply({ content: 'negative', logprobs: { distribution: { negative: 0.75, positive: 0.25 } } });
    const result = await runCli(['classify', 'It broke.', '--labels', 'positive,negative', '--confidence', '--json'], {
      env: { QWEN_TASKS_BASE_URL: mock.server.baseURL, QWEN_TASKS_API_KEY: 'sk-test-confidence' },
    });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      label: 'negative',
      confidence: expect.closeTo(0.75, 10),
      scores: { positive: expect.closeTo(0.25, 10), negative: expect.closeTo(0.75, 10) },
    });
  });

  it('classify --multi --confidence is refused', async () => {
    const result = await runCli(['classify', 'x', '--labels', 'a,b', '--multi', '--confidence'], {
      env: { QWEN_TASKS_BASE_URL: mock.server.baseURL, QWEN_TASKS_API_KEY: 'sk-test-confidence' },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/single-label/);
  });
});

describe('evaluateTask', () => {
  it('reports the calibration of a scripted run whose accuracy per confidence bin is known', async () => {
    // 10 items at confidence 0.9 (9 right) and 10 at 0.6 (6 right): calibrated, so ECE 0; multi-class Brier
    // (9 × 0.02 + 1.62) / 10 = 0.18 and (6 × 0.32 + 4 × 0.72) / 10 = 0.48, mean 0.33.
    mock.server.setReply((request) => {
      const p = (request.messages.at(-1)?.content ?? '').startsWith('high') ? 0.9 : 0.6;
      return { content: 'a', logprobs: { distribution: { a: p, b: 1 - p } } };
    });
    const task = defineTask({ name: 'ab', output: { labels: ['a', 'b'] }, confidence: true });
    const items = [
      ...Array.from({ length: 10 }, (_, index) => ({ text: `high ${index}`, expected: index < 9 ? 'a' : 'b' })),
      ...Array.from({ length: 10 }, (_, index) => ({ text: `low ${index}`, expected: index < 6 ? 'a' : 'b' })),
    ];
    const report = await evaluateTask(task, items, { client: mock.client, targetAccuracy: 0.85 });
    expect(report.accuracy).toBeCloseTo(0.75, 10);
    expect(report.calibration?.ece).toBeCloseTo(0, 10);
    expect(report.calibration?.brier).toMatchObject({ value: expect.closeTo(0.33, 10), form: 'multi-class' });
    expect(report.calibration?.target?.threshold).toMatchObject({ kept: 10, accuracy: expect.closeTo(0.9, 10) });
    expect(report.usage.requests).toBe(20);
  });
});
