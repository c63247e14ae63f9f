import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  classify,
  createClient,
  defineTask,
  extract,
  InputError,
  OutputError,
  runTask,
  summarize,
} from '../src/index.js';
import { useLoopbackClient } from './helpers/use-loopback-client.js';

const mock = useLoopbackClient('sk-test-run-task');

const LABELS = ['positive', 'negative', 'neutral'] as const;

describe('classify through the loopback server', () => {
  it('returns the label and sends the text alone as the user message', async () => {
    mock.server.setReply('negative');
    await expect(classify('The screen broke on day one.', LABELS, { client: mock.client })).resolves.toBe('negative');
    const [request] = mock.server.chatRequests();
    expect(request?.messages.at(-1)).toEqual({ role: 'user', content: 'The screen broke on day one.' });
    expect(request?.messages[0]?.role).toBe('system');
    expect(request?.body).toMatchObject({ model: 'qwen-flash', temperature: 0, enable_thinking: false });
  });

  it.each([
    ['Negative.', 'negative'],
    ['"positive"', 'positive'],
    ['Label: neutral', 'neutral'],
    ['{"label": "Positive"}', 'positive'],
    ['<think>could be negative or neutral</think>\nneutral', 'neutral'],
  ])('repairs the reply %j locally into %j with one call', async (reply, expected) => {
    mock.server.setReply(reply);
    const task = defineTask({ name: 'sentiment', output: { labels: [...LABELS] } });
    const result = await runTask(task, 'text', { client: mock.client });
    expect(result.value).toBe(expected);
    expect(result.calls).toBe(1);
  });

  it('spends a repair turn on an ambiguous reply, showing the model its reply and the issue', async () => {
    mock.server.setReply(['positive or negative', 'negative']);
    const task = defineTask({ name: 'sentiment', output: { labels: [...LABELS] } });
    const result = await runTask(task, 'meh', { client: mock.client });
    expect(result).toMatchObject({ value: 'negative', calls: 2 });
    const repair = mock.server.chatRequests()[1];
    expect(repair?.messages.map((message) => message.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(repair?.messages[2]?.content).toBe('positive or negative');
  });

  it('never accepts a label outside the list and fails with every attempt after maxRepairs', async () => {
    mock.server.setReply(['mixed', 'very mixed']);
    const task = defineTask({ name: 'sentiment', output: { labels: [...LABELS] } });
    const error = await runTask(task, 'meh', { client: mock.client, maxRepairs: 1 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OutputError);
    expect((error as OutputError).attempts).toEqual(['mixed', 'very mixed']);
    expect((error as OutputError).issues.length).toBeGreaterThan(0);
    expect(mock.server.chatRequests()).toHaveLength(2);
  });

  it('stops early when the model repeats the same invalid reply', async () => {
    mock.server.setReply('mixed');
    const task = defineTask({ name: 'sentiment', output: { labels: [...LABELS] } });
    await expect(runTask(task, 'meh', { client: mock.client, maxRepairs: 3 })).rejects.toThrow(
      /repeated the same invalid reply/,
    );
    expect(mock.server.chatRequests()).toHaveLength(2);
  });

  it('returns several labels with multi, and [] when none applies', async () => {
    mock.server.setReply(['["billing", "bug"]', '[]']);
    const labels = { billing: 'money', bug: 'something broken', other: 'anything else' };
    await expect(classify('charged twice, app crashes', labels, { client: mock.client, multi: true })).resolves.toEqual(
      ['billing', 'bug'],
    );
    await expect(classify('hello', labels, { client: mock.client, multi: true })).resolves.toEqual([]);
  });
});

describe('extract through the loopback server', () => {
  const Invoice = z.object({
    vendor: z.string().describe('company that issued the invoice'),
    total: z.number(),
    paid: z.boolean(),
    currency: z.enum(['EUR', 'USD']),
    issued: z.date(),
  });

  it('uses JSON mode with the word JSON in the messages, then repairs and coerces the reply', async () => {
    mock.server.setReply(
      'Here it is:\n```json\n{"vendor": "ACME", "total": "42.5", "paid": "true", "currency": "eur", "issued": "2026-01-02T00:00:00Z",}\n```',
    );
    const value = await extract('ACME invoice, 42.50 EUR, paid', Invoice, { client: mock.client });
    expect(value).toEqual({
      vendor: 'ACME',
      total: 42.5,
      paid: true,
      currency: 'EUR',
      issued: new Date('2026-01-02T00:00:00Z'),
    });
    const [request] = mock.server.chatRequests();
    expect(request?.responseFormat).toEqual({ type: 'json_object' });
    expect(request?.messages.some((message) => /json/i.test(message.content))).toBe(true);
  });

  it('asks for the output as a tool call when jsonMode is tool', async () => {
    mock.server.setReply({
      toolCalls: [
        {
          name: 'extract',
          arguments: '{"vendor":"ACME","total":1,"paid":false,"currency":"USD","issued":"2026-03-04T05:06:07Z"}',
        },
      ],
    });
    const value = await extract('…', Invoice, { client: mock.client, jsonMode: 'tool' });
    expect(value.vendor).toBe('ACME');
    const body = mock.server.chatRequests()[0]?.body as Record<string, unknown>;
    expect(body.tool_choice).toEqual({ type: 'function', function: { name: 'extract' } });
    expect(JSON.stringify(body.tools)).not.toContain('x-coerce');
  });

  it('retries a cut-off reply with a larger output limit and never returns it as valid', async () => {
    mock.server.setReply([
      { content: '{"vendor": "AC', finishReason: 'length' },
      '{"vendor":"ACME","total":1,"paid":false,"currency":"USD","issued":"2026-03-04T05:06:07Z"}',
    ]);
    const task = defineTask({ name: 'invoice', output: Invoice, maxTokens: 16 });
    const result = await runTask(task, '…', { client: mock.client });
    expect(result.calls).toBe(2);
    expect(mock.server.chatRequests().map((request) => (request.body as { max_tokens?: number }).max_tokens)).toEqual([
      16, 64,
    ]);
  });

  it('raises OutputError saying the reply was cut off when every retry is cut off', async () => {
    mock.server.setReply({ content: '{"vendor": "AC', finishReason: 'length' });
    const task = defineTask({ name: 'invoice', output: Invoice, maxTokens: 32_768 });
    const error = (await runTask(task, '…', { client: mock.client }).catch((caught: unknown) => caught)) as OutputError;
    expect(error).toBeInstanceOf(OutputError);
    expect(error.finishReason).toBe('length');
    expect(error.message).toMatch(/cut off/);
  });

  it('streams with thinking on, drops JSON mode, and never parses the reasoning as the answer', async () => {
    mock.server.setReply({
      reasoning: 'The answer is {"vendor":"WRONG"}',
      content: '{"vendor":"ACME","total":1,"paid":false,"currency":"USD","issued":"2026-03-04T05:06:07Z"}',
    });
    const value = await extract('…', Invoice, { client: mock.client, thinking: true });
    expect(value.vendor).toBe('ACME');
    const [request] = mock.server.chatRequests();
    expect(request?.stream).toBe(true);
    expect(request?.responseFormat).toBeUndefined();
    expect(request?.body).toMatchObject({ enable_thinking: true });
  });

  it('reports each call to onAttempt, with repairs and usage', async () => {
    mock.server.setReply([
      '{"vendor": "ACME"}',
      '{"vendor":"ACME","total":1,"paid":false,"currency":"USD","issued":"2026-03-04T05:06:07Z"}',
    ]);
    const attempts: { kind: string; ok: boolean; issues: number }[] = [];
    const task = defineTask({ name: 'invoice', output: Invoice });
    const result = await runTask(task, '…', {
      client: mock.client,
      onAttempt: (attempt) => attempts.push({ kind: attempt.kind, ok: attempt.ok, issues: attempt.issues.length }),
    });
    expect(attempts).toEqual([
      { kind: 'first', ok: false, issues: expect.any(Number) },
      { kind: 'repair', ok: true, issues: 0 },
    ]);
    expect(attempts[0]?.issues).toBeGreaterThan(0);
    expect(result.usage.promptTokens).toBeGreaterThan(0);
    expect(result.costUsd).toBeGreaterThan(0);
  });
});

describe('summarize through the loopback server', () => {
  it('returns bullet points and treats too many as a validation issue for a repair turn', async () => {
    mock.server.setReply(['Key points:\n- one\n- two\n- three', '- one\n- two']);
    await expect(summarize('long text', { client: mock.client, format: 'bullets', maxItems: 2 })).resolves.toEqual([
      'one',
      'two',
    ]);
    expect(mock.server.chatRequests()).toHaveLength(2);
  });

  it('summarizes a long text map-reduce style and respects maxItems in the final result', async () => {
    mock.server.setReply((request) =>
      request.messages[0]?.content.includes('part of a longer text') ? '- partial point' : '- final one\n- final two',
    );
    const paragraph = 'This sentence is about the quarterly figures and what they mean. '.repeat(40);
    const text = Array.from({ length: 6 }, () => paragraph).join('\n\n');
    const bullets = await summarize(text, { client: mock.client, format: 'bullets', maxItems: 2, chunkTokens: 800 });
    expect(bullets).toEqual(['final one', 'final two']);
    const requests = mock.server.chatRequests();
    expect(requests.length).toBeGreaterThan(2);
    expect(requests.at(-1)?.messages.at(-1)?.content).toContain('- partial point');
  });
});

describe('bad input is refused before any request', () => {
  const task = defineTask({ name: 'sentiment', output: { labels: [...LABELS] } });
  it.each([
    ['an empty text', ''],
    ['a whitespace text', ' \n\t '],
    ['a lone surrogate', 'bad \uD800 text'],
    ['a non-string', 42 as unknown as string],
    ['a text over the input limit', 'word '.repeat(1_000_000)],
  ])('%s', async (_name, text) => {
    await expect(runTask(task, text, { client: mock.client })).rejects.toBeInstanceOf(InputError);
    expect(mock.server.requests).toHaveLength(0);
  });

  it('a tool-call task on Segmind', async () => {
    const segmind = createClient({ provider: 'segmind', baseURL: mock.server.segmindURL, apiKey: 'sk-test-run-task' });
    const toolTask = defineTask({ name: 'x', output: z.object({ a: z.string() }), jsonMode: 'tool' });
    await expect(runTask(toolTask, 'text', { client: segmind })).rejects.toBeInstanceOf(InputError);
    expect(mock.server.requests).toHaveLength(0);
    await segmind.close();
  });

  it('maxRepairs out of range', async () => {
    await expect(runTask(task, 'text', { client: mock.client, maxRepairs: 9 })).rejects.toThrow(/maxRepairs/);
    await expect(runTask(task, 'text', { client: mock.client, maxRepairs: -1 })).rejects.toBeInstanceOf(InputError);
    expect(mock.server.requests).toHaveLength(0);
  });

  it('labels that are empty, duplicated after case folding, or blank', async () => {
    await expect(classify('text', [], { client: mock.client })).rejects.toBeInstanceOf(InputError);
    await expect(classify('text', ['Spam', 'spam'], { client: mock.client })).rejects.toThrow(/duplicates/);
    await expect(classify('text', ['ok', '  '], { client: mock.client })).rejects.toThrow(/whitespace/);
    expect(mock.server.requests).toHaveLength(0);
  });
});
