import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ContentFilterError,
  classify,
  createClient,
  defineTask,
  extract,
  type QwenClient,
  runBatch,
  runTask,
  streamExtract,
} from '../src/index.js';
import { type MockQwen, startMockQwen } from '../src/testing/index.js';
import { runCli } from './cli-helpers.js';

const KEY = 'sk-telemetry-task-0123456789';
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const tracer = provider.getTracer('test');

let server: MockQwen;
let client: QwenClient;
let directory: string;

beforeAll(async () => {
  server = await startMockQwen({ apiKey: KEY });
  client = createClient({
    provider: 'dashscope',
    baseURL: server.baseURL,
    apiKey: KEY,
    maxRetries: 2,
    clock: { now: () => Date.now(), sleep: async () => undefined },
    telemetry: { tracer },
  });
  directory = await mkdtemp(join(tmpdir(), 'qwen-tasks-telemetry-'));
});
afterEach(() => {
  exporter.reset();
  server.reset();
  server.setReply(undefined);
  server.setFaults(undefined);
});
afterAll(async () => {
  await client.close();
  await server.close();
  await provider.shutdown();
  await rm(directory, { recursive: true, force: true });
});

const LABELS = ['positive', 'negative', 'neutral'] as const;
const spans = (): ReadableSpan[] => exporter.getFinishedSpans();
const named = (prefix: string): ReadableSpan[] => spans().filter((span) => span.name.startsWith(prefix));
const parentOf = (span: ReadableSpan): string | undefined => span.parentSpanContext?.spanId;
const idOf = (span: ReadableSpan): string => span.spanContext().spanId;

describe('task spans', () => {
  it('a plain classify: one task span with its chat span as a child', async () => {
    server.setReply('negative');
    await expect(classify('The screen broke.', LABELS, { client })).resolves.toBe('negative');
    const [task] = named('task ');
    const [chat] = named('chat ');
    expect(spans()).toHaveLength(2);
    expect(task?.name).toBe('task classify');
    expect(task?.kind).toBe(0); // INTERNAL
    expect(chat?.name).toBe('chat qwen-flash');
    expect(chat?.kind).toBe(2); // CLIENT
    expect(parentOf(chat as ReadableSpan)).toBe(idOf(task as ReadableSpan));
    expect(chat?.spanContext().traceId).toBe(task?.spanContext().traceId);
    expect(task?.attributes).toMatchObject({
      'qwen_tasks.task.name': 'classify',
      'qwen_tasks.task.format': 'label',
      'qwen_tasks.task.calls': 1,
      'qwen_tasks.task.repair_turns': 0,
      'qwen_tasks.task.outcome': 'ok',
    });
    expect(chat?.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'dashscope',
      'gen_ai.request.model': 'qwen-flash',
      'gen_ai.response.finish_reasons': ['stop'],
    });
    expect(chat?.attributes['gen_ai.usage.input_tokens']).toBeTypeOf('number');
  });

  it('two retries (429, then 500, then success): three sibling chat spans under one task span', async () => {
    server.setReply('positive');
    server.setFaults([
      { type: 'status', status: 429 },
      { type: 'status', status: 500 },
    ]);
    await expect(classify('Love it.', LABELS, { client })).resolves.toBe('positive');
    const [task] = named('task ');
    const chats = named('chat ');
    expect(chats).toHaveLength(3);
    for (const chat of chats) expect(parentOf(chat)).toBe(idOf(task as ReadableSpan));
    expect(chats.map((chat) => chat.attributes['error.type'])).toEqual(['RateLimitError', 'ServerError', undefined]);
    expect(chats.map((chat) => chat.status.code)).toEqual([2, 2, 0]);
    expect(task?.attributes['qwen_tasks.task.calls']).toBe(1);
    expect(task?.status.code).toBe(0);
  });

  it('a repair turn: two chat spans, repair_turns 1', async () => {
    server.setReply(['positive or negative', 'negative']);
    await expect(classify('meh', LABELS, { client })).resolves.toBe('negative');
    const [task] = named('task ');
    expect(named('chat ')).toHaveLength(2);
    expect(task?.attributes).toMatchObject({ 'qwen_tasks.task.calls': 2, 'qwen_tasks.task.repair_turns': 1 });
  });

  it('a content-filter error: the task and its chat span end in error', async () => {
    server.setFaults([{ type: 'status', status: 400, code: 'data_inspection_failed' }]);
    await expect(classify('bad words', LABELS, { client })).rejects.toBeInstanceOf(ContentFilterError);
    const [task] = named('task ');
    const [chat] = named('chat ');
    expect(task?.status.code).toBe(2);
    expect(task?.attributes).toMatchObject({
      'error.type': 'ContentFilterError',
      'qwen_tasks.error.code': 'data_inspection_failed',
      'qwen_tasks.task.outcome': 'error',
    });
    expect(chat?.attributes['error.type']).toBe('ContentFilterError');
    expect(parentOf(chat as ReadableSpan)).toBe(idOf(task as ReadableSpan));
  });

  it('a streamed thinking call: the chat span says it streamed, under the task span of streamExtract', async () => {
    server.setReply({ reasoning: 'Let me think.', content: '{"name": "Ada"}' });
    const stream = streamExtract('Ada wrote it.', z.object({ name: z.string() }), { client, thinking: true });
    await expect(stream.result).resolves.toMatchObject({ value: { name: 'Ada' } });
    const [task] = named('task ');
    const [chat] = named('chat ');
    expect(chat?.attributes['qwen_tasks.stream']).toBe(true);
    expect(parentOf(chat as ReadableSpan)).toBe(idOf(task as ReadableSpan));
    expect(server.chatRequests()[0]?.body).toMatchObject({ enable_thinking: true, stream: true });
  });

  it('never records an API key the server echoes, in any attribute, event or status', async () => {
    server.setFaults([{ type: 'echo-key', status: 400 }]);
    await expect(extract('x', z.object({ a: z.string() }), { client })).rejects.toThrow();
    expect(spans().length).toBeGreaterThan(0);
    const recorded = JSON.stringify(
      spans().map((span) => ({
        attributes: span.attributes,
        events: span.events,
        status: span.status,
        name: span.name,
      })),
    );
    expect(recorded).not.toContain(KEY);
    expect(recorded).not.toContain(KEY.slice(3, 15));
  });

  it("nests under the caller's context when one is given", async () => {
    const api = await import('@opentelemetry/api');
    const outer = tracer.startSpan('request handler');
    const context = api.trace.setSpan(api.context.active(), outer);
    server.setReply('neutral');
    await runTask(defineTask({ name: 'mood', output: { labels: [...LABELS] } }), 'ok', {
      client,
      traceContext: context,
    });
    outer.end();
    const [task] = named('task ');
    expect(parentOf(task as ReadableSpan)).toBe(outer.spanContext().spanId);
  });
});

describe('run spans', () => {
  const sentiment = defineTask({ name: 'sentiment', output: { labels: [...LABELS] } });
  const reviews = Array.from({ length: 6 }, (_, index) => ({ id: `r${index}`, text: `review ${index}` }));

  it('a small packed batch: one run span with its totals; every pack traced with traceItems 1', async () => {
    // Packed requests list their items one a line, each led by its code (`A text`): answer each `A: positive`.
    server.setReply((request) =>
      (request.messages.at(-1)?.content ?? '')
        .split('\n')
        .map((line) => `${line.split(' ')[0]}: positive`)
        .join('\n'),
    );
    const summary = await runBatch(sentiment, reviews, { client, pack: 3, traceItems: 1 }).summary;
    expect(summary.succeeded).toBe(6);
    const [run] = named('batch ');
    expect(run?.name).toBe('batch sentiment');
    expect(run?.attributes).toMatchObject({
      'qwen_tasks.batch.total': 6,
      'qwen_tasks.batch.succeeded': 6,
      'qwen_tasks.batch.failed': 0,
      'qwen_tasks.batch.pack': 3,
      'qwen_tasks.cost_usd': summary.costUsd,
    });
    const chats = named('chat ');
    expect(chats.length).toBe(server.chatRequests().length);
    for (const chat of chats) expect(parentOf(chat)).toBe(idOf(run as ReadableSpan));
  });

  it('records only the run span by default, however many items run', async () => {
    server.setReply('neutral');
    const many = Array.from({ length: 40 }, (_, index) => `text ${index}`);
    await runBatch(sentiment, many, { client, concurrency: 4 }).summary;
    expect(spans().map((span) => span.name)).toEqual(['batch sentiment']);
  });

  it('samples every n-th item with traceItems', async () => {
    server.setReply('neutral');
    const many = Array.from({ length: 40 }, (_, index) => `text ${index}`);
    await runBatch(sentiment, many, { client, concurrency: 4, traceItems: 0.1 }).summary;
    const [run] = named('batch ');
    const tasks = named('task ');
    expect(tasks).toHaveLength(4);
    for (const task of tasks) expect(parentOf(task)).toBe(idOf(run as ReadableSpan));
    expect(named('chat ')).toHaveLength(4);
  });

  it('refuses a traceItems that is not a share', () => {
    expect(() => runBatch(sentiment, ['a'], { client, traceItems: 2 })).toThrow(/traceItems/);
  });
});

describe('qwen-tasks run --trace', () => {
  it('writes the run span and the sampled items to a JSONL file', async () => {
    const input = join(directory, 'in.jsonl');
    const output = join(directory, 'out.jsonl');
    const trace = join(directory, 'spans.jsonl');
    await writeFile(input, `${['a', 'b', 'c', 'd'].map((text) => JSON.stringify({ text })).join('\n')}\n`);
    server.setReply('positive');
    const result = await runCli(
      [
        'run',
        'classify',
        '--labels',
        'positive,negative',
        '-i',
        input,
        '-o',
        output,
        '--trace',
        trace,
        '--trace-items',
        '0.5',
      ],
      { env: { QWEN_TASKS_BASE_URL: server.baseURL, QWEN_TASKS_API_KEY: KEY } },
    );
    expect(result.code).toBe(0);
    const lines = (await readFile(trace, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    const run = lines.find((span) => span.name === 'batch classify');
    expect(run).toMatchObject({ kind: 'INTERNAL', attributes: { 'qwen_tasks.batch.succeeded': 4 } });
    const tasks = lines.filter((span) => span.name === 'task classify');
    expect(tasks).toHaveLength(2);
    for (const task of tasks) expect(task.parentSpanId).toBe(run.spanId);
    const chats = lines.filter((span) => span.name === 'chat qwen-flash');
    expect(chats).toHaveLength(2);
    expect(chats[0]).toMatchObject({ kind: 'CLIENT', traceId: run.traceId });
    expect(JSON.stringify(lines)).not.toContain(KEY);
  });

  it('refuses --trace-items without a way to record spans', async () => {
    const result = await runCli(
      ['run', 'classify', '--labels', 'a,b', '-i', 'x.jsonl', '-o', 'y.jsonl', '--trace-items', '1'],
      {
        env: { QWEN_TASKS_BASE_URL: server.baseURL, QWEN_TASKS_API_KEY: KEY },
      },
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--trace-items');
  });
});
