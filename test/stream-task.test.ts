import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ConnectionError,
  ContentFilterError,
  createClient,
  createMemoryCache,
  defineTask,
  InputError,
  OutputError,
  runTask,
  streamExtract,
  streamSummarize,
  streamTask,
  type TaskStream,
} from '../src/index.js';
import { startMockQwen } from '../src/testing/index.js';
import { useLoopbackClient } from './helpers/use-loopback-client.js';

const mock = useLoopbackClient('sk-test-stream-task');

const Invoice = z.object({
  vendor: z.string(),
  number: z.string(),
  total: z.number(),
  lines: z.array(z.object({ item: z.string(), amount: z.number() })),
  note: z.string(),
});

/** A reply whose stream, cut into small byte slices, splits UTF-8 characters, strings, an escape and numbers. */
const INVOICE_REPLY = JSON.stringify({
  vendor: 'Café Müller — 漢字 😀',
  number: 'INV-\u0007 "42"',
  total: -1234.5e-1,
  lines: [
    { item: 'Espresso \\ doppio\nto go', amount: 3.25 },
    { item: 'Croissant', amount: 2 },
  ],
  note: 'paid',
});

/** Whether `later` only adds to `earlier`: keys and items kept with growing values, scalars unchanged. */
function grows(earlier: unknown, later: unknown): boolean {
  if (Array.isArray(earlier)) {
    return (
      Array.isArray(later) &&
      later.length >= earlier.length &&
      earlier.every((item, index) => grows(item, later[index]))
    );
  }
  if (typeof earlier === 'object' && earlier !== null) {
    if (typeof later !== 'object' || later === null || Array.isArray(later)) return false;
    return Object.entries(earlier).every(
      ([key, value]) => Object.hasOwn(later, key) && grows(value, (later as Record<string, unknown>)[key]),
    );
  }
  if (typeof earlier === 'string' && typeof later === 'string') return later.startsWith(earlier);
  return Object.is(earlier, later);
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const values: T[] = [];
  for await (const value of iterable) values.push(value);
  return values;
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (error: unknown) => error,
  );
}

/** A promise and the function that settles it. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

describe('streamTask: json', () => {
  it('yields partials that only grow, are new values, never repeat, and ends with the validated result', async () => {
    // The server holds the stream half-way until a partial arrived, so at least two partials are seen however
    // the machine schedules the reads (a reader may skip partials it had no time for).
    const held = gate();
    mock.server.setReply({
      content: INVOICE_REPLY,
      stream: { pieceChars: 3, byteChunk: 5, pauseAfterEvents: 30, resume: held.promise },
    });
    const stream = streamExtract('the invoice', Invoice, { client: mock.client });
    const partials: unknown[] = [];
    const snapshots: string[] = [];
    for await (const partial of stream) {
      partials.push(partial);
      snapshots.push(JSON.stringify(partial));
      held.open();
    }
    const result = await stream.result;
    expect(result.value).toEqual(JSON.parse(INVOICE_REPLY));
    expect(result.calls).toBe(1);
    expect(partials.length).toBeGreaterThan(1);
    for (let index = 1; index < partials.length; index += 1) {
      expect(grows(partials[index - 1], partials[index])).toBe(true);
      expect(partials[index]).not.toBe(partials[index - 1]);
      expect(snapshots[index]).not.toBe(snapshots[index - 1]);
    }
    // No partial was changed after it was handed out.
    expect(partials.map((partial) => JSON.stringify(partial))).toEqual(snapshots);
    // An unfinished string or number never shows: every string is one of the reply's strings (or its key).
    const strings = new Set(JSON.stringify(JSON.parse(INVOICE_REPLY)).match(/"(?:[^"\\]|\\.)*"/g));
    for (const snapshot of snapshots) {
      for (const literal of snapshot.match(/"(?:[^"\\]|\\.)*"/g) ?? []) expect(strings.has(literal)).toBe(true);
      for (const number of snapshot.match(/-?\d+(?:\.\d+)?(?:e-?\d+)?(?=[,}\]])/g) ?? []) {
        expect(['-123.45', '3.25', '2']).toContain(number);
      }
    }
    expect(partials.at(-1)).toEqual(JSON.parse(INVOICE_REPLY));
  });

  it('streams the raw text and sends a streamed request', async () => {
    mock.server.setReply({ content: INVOICE_REPLY, stream: { pieceChars: 4, byteChunk: 3 } });
    const stream = streamExtract('the invoice', Invoice, { client: mock.client });
    const text = (await collect(stream.textStream)).join('');
    expect(text).toBe(INVOICE_REPLY);
    expect((await stream.result).raw).toBe(INVOICE_REPLY);
    expect(mock.server.chatRequests()[0]?.stream).toBe(true);
    // Every view reads from the start, at any time and more than once.
    expect((await collect(stream.textStream)).join('')).toBe(INVOICE_REPLY);
    const events = await collect(stream.events);
    expect(events[0]).toEqual({ type: 'call', call: 1, kind: 'first' });
    expect(events.at(-1)?.type).toBe('result');
  });

  it('hands over the first partial while the server is still sending (server-side timestamps)', async () => {
    const held = gate();
    mock.server.setReply({
      content: INVOICE_REPLY,
      stream: { pieceChars: 8, pauseAfterEvents: 6, resume: held.promise },
    });
    const stream = streamExtract('the invoice', Invoice, { client: mock.client });
    const iterator = stream[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.done).toBe(false);
    const request = mock.server.chatRequests()[0];
    expect(request?.answerStartedAt).toBeTypeOf('number');
    expect(request?.answerFinishedAt).toBeUndefined();
    expect(request?.eventsSent).toBeLessThanOrEqual(6);
    held.open();
    while (!(await iterator.next()).done);
    await expect(stream.result).resolves.toMatchObject({ calls: 1 });
    expect(mock.server.chatRequests()[0]?.answerFinishedAt).toBeTypeOf('number');
  });

  it('gives a slow reader the latest partial, not every one in between', async () => {
    mock.server.setReply({ content: INVOICE_REPLY, stream: { pieceChars: 2 } });
    const stream = streamExtract('the invoice', Invoice, { client: mock.client });
    await stream.result;
    const partials = await collect(stream);
    expect(partials).toEqual([JSON.parse(INVOICE_REPLY)]);
  });

  it('parses tool-call arguments as they arrive in tool mode', async () => {
    const task = defineTask({
      name: 'invoice',
      output: Invoice,
      jsonMode: 'tool',
    });
    const held = gate();
    mock.server.setReply({
      toolCalls: [{ name: 'invoice', arguments: INVOICE_REPLY }],
      stream: { pieceChars: 5, pauseAfterEvents: 15, resume: held.promise },
    });
    const stream = streamTask(task, 'the invoice', { client: mock.client });
    const partials: unknown[] = [];
    for await (const partial of stream) {
      partials.push(partial);
      held.open();
    }
    expect(partials.length).toBeGreaterThan(1);
    expect(partials[0]).not.toEqual(partials.at(-1));
    expect(partials.at(-1)).toEqual(JSON.parse(INVOICE_REPLY));
    expect((await collect(stream.textStream)).join('')).toBe(INVOICE_REPLY);
    expect(mock.server.chatRequests()[0]?.tools).toBeDefined();
  });

  it('keeps the thinking text apart and never parses it as the answer', async () => {
    const task = defineTask({ name: 'pair', output: { type: 'object' }, thinking: true });
    mock.server.setReply({
      reasoning: 'Maybe {"wrong": true} or ["no"]… then - a bullet',
      content: '{"right": [1, 2]}',
      stream: { pieceChars: 3 },
    });
    const stream = streamTask(task, 'text', { client: mock.client });
    const partials = await collect(stream);
    expect(partials.every((partial) => !('wrong' in (partial as object)))).toBe(true);
    expect(partials.at(-1)).toEqual({ right: [1, 2] });
    expect((await collect(stream.reasoningStream)).join('')).toBe('Maybe {"wrong": true} or ["no"]… then - a bullet');
    expect((await collect(stream.textStream)).join('')).toBe('{"right": [1, 2]}');
    const events = await collect(stream.events);
    const firstText = events.findIndex((event) => event.type === 'text');
    expect(events.findIndex((event) => event.type === 'reasoning')).toBeLessThan(firstText);
  });

  it('says when a repair turn starts and streams its reply too', async () => {
    mock.server.setReply([
      { content: '{"vendor": "ACME", "number": "7"}', stream: { pieceChars: 4 } },
      { content: INVOICE_REPLY, stream: { pieceChars: 6 } },
    ]);
    const stream = streamExtract('the invoice', Invoice, { client: mock.client });
    const events = await collect(stream.events);
    const calls = events.filter((event) => event.type === 'call');
    expect(calls).toEqual([
      { type: 'call', call: 1, kind: 'first' },
      { type: 'call', call: 2, kind: 'repair' },
    ]);
    const partialsOf = (call: number): unknown[] =>
      events.flatMap((event) => (event.type === 'partial' && event.call === call ? [event.value] : []));
    expect(partialsOf(1).at(-1)).toEqual({ vendor: 'ACME', number: '7' });
    expect(partialsOf(2).at(-1)).toEqual(JSON.parse(INVOICE_REPLY));
    const last = events.at(-1);
    expect(last?.type === 'result' && last.result.calls).toBe(2);
    await expect(stream.result).resolves.toMatchObject({ calls: 2, value: JSON.parse(INVOICE_REPLY) });
  });

  it('ends with an OutputError, never a partial as the value, when no reply is valid', async () => {
    mock.server.setReply({ content: '{"vendor": "ACME"}', stream: { pieceChars: 4 } });
    const stream = streamExtract('the invoice', Invoice, { client: mock.client, maxRepairs: 0 });
    const seen: unknown[] = [];
    const error = await failure(
      (async () => {
        for await (const partial of stream) seen.push(partial);
      })(),
    );
    expect(error).toBeInstanceOf(OutputError);
    expect(seen.at(-1)).toEqual({ vendor: 'ACME' });
    await expect(stream.result).rejects.toBe(error);
  });
});

describe('streamTask: failures', () => {
  it('aborts mid-stream: the connection closes, the views end with the reason and result rejects with it', async () => {
    const held = gate();
    mock.server.setReply({
      content: INVOICE_REPLY,
      stream: { pieceChars: 8, pauseAfterEvents: 5, resume: held.promise },
    });
    const controller = new AbortController();
    const stream = streamExtract('the invoice', Invoice, { client: mock.client, signal: controller.signal });
    const reason = new Error('the user left');
    const error = await failure(
      (async () => {
        for await (const _ of stream) controller.abort(reason);
      })(),
    );
    expect(error).toBe(reason);
    await expect(stream.result).rejects.toBe(reason);
    await expect(collect(stream.textStream)).rejects.toBe(reason);
    held.open();
    // The client went away: the server could not finish its answer.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(mock.server.chatRequests()[0]?.answerFinishedAt).toBeUndefined();
  });

  it('ends with a ConnectionError when the stream breaks before [DONE]', async () => {
    mock.server.setReply({ content: INVOICE_REPLY, stream: { pieceChars: 5 } });
    mock.server.setFaults([{ type: 'sse-cut' }]);
    const stream = streamExtract('the invoice', Invoice, { client: mock.client });
    const error = await failure(collect(stream));
    expect(error).toBeInstanceOf(ConnectionError);
    await expect(stream.result).rejects.toBe(error);
  });

  it('ends with a ContentFilterError for an in-stream data_inspection_failed event', async () => {
    mock.server.setReply({ content: INVOICE_REPLY, stream: { pieceChars: 5 } });
    mock.server.setFaults([{ type: 'sse-error', code: 'data_inspection_failed' }]);
    const stream = streamExtract('the invoice', Invoice, { client: mock.client });
    const error = await failure(collect(stream.events));
    expect(error).toBeInstanceOf(ContentFilterError);
    expect((error as ContentFilterError).code).toBe('data_inspection_failed');
  });

  it('starts over with a retry event when the client retries a broken stream', async () => {
    const client = createClient({
      provider: 'dashscope',
      baseURL: mock.server.baseURL,
      apiKey: 'sk-test-stream-task',
      maxRetries: 1,
      clock: { now: () => Date.now(), sleep: async () => undefined },
    });
    try {
      mock.server.setReply({ content: INVOICE_REPLY, stream: { pieceChars: 5 } });
      mock.server.setFaults([{ type: 'sse-cut' }]);
      const stream = streamExtract('the invoice', Invoice, { client });
      const events = await collect(stream.events);
      expect(events.filter((event) => event.type === 'call')).toEqual([
        { type: 'call', call: 1, kind: 'first' },
        { type: 'call', call: 1, kind: 'retry' },
      ]);
      await expect(stream.result).resolves.toMatchObject({ value: JSON.parse(INVOICE_REPLY), calls: 1 });
    } finally {
      await client.close();
    }
  });

  it('raises no unhandled rejection for a failing stream nobody reads', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      mock.server.setFaults([{ type: 'status', status: 500 }]);
      streamExtract('the invoice', Invoice, { client: mock.client });
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('refuses bad options at once and rejects result for a bad text', async () => {
    expect(() => streamSummarize('text', { format: 'haiku' as 'bullets' })).toThrow(InputError);
    expect(() => streamExtract('text', Invoice, { colour: 'red' } as object)).toThrow(InputError);
    const stream = streamExtract('   ', Invoice, { client: mock.client });
    await expect(stream.result).rejects.toBeInstanceOf(InputError);
    await expect(collect(stream)).rejects.toBeInstanceOf(InputError);
    expect(mock.server.chatRequests()).toHaveLength(0);
  });
});

describe('streamTask: other formats and providers', () => {
  it('summarize bullets: each item appears once the next one begins; the last comes with the result', async () => {
    mock.server.setReply({
      content: 'Summary:\n- Revenue up\n- Costs down,\n  mostly rent\n- Cash up\n',
      stream: { pieceChars: 2 },
    });
    const stream: TaskStream<string[]> = streamSummarize('long text', { format: 'bullets', client: mock.client });
    const partials = await collect(stream);
    expect(partials.at(-1)).toEqual(['Revenue up', 'Costs down, mostly rent']);
    for (const partial of partials)
      expect(['Revenue up', 'Costs down, mostly rent'].slice(0, partial.length)).toEqual(partial);
    expect((await stream.result).value).toEqual(['Revenue up', 'Costs down, mostly rent', 'Cash up']);
  });

  it('summarize paragraph: the text so far', async () => {
    mock.server.setReply({ content: 'Revenue rose while costs fell.', stream: { pieceChars: 7 } });
    const stream = streamSummarize('long text', { client: mock.client });
    const partials = await collect(stream);
    // A reader may skip partials it had no time for; each one extends the one before.
    expect(partials.at(-1)).toBe('Revenue rose while costs fell.');
    for (let index = 1; index < partials.length; index += 1) {
      expect((partials[index] as string).startsWith(partials[index - 1] as string)).toBe(true);
      expect(partials[index]).not.toBe(partials[index - 1]);
    }
    expect((await stream.result).value).toBe('Revenue rose while costs fell.');
  });

  it('a label shows nothing until the reply ends, then the validated label once', async () => {
    const task = defineTask({ name: 'sentiment', output: { labels: ['positive', 'negative'] } });
    mock.server.setReply({ content: 'Negative.', stream: { pieceChars: 1 } });
    const stream = streamTask(task, 'awful', { client: mock.client });
    expect(await collect(stream)).toEqual(['negative']);
    expect((await collect(stream.textStream)).join('')).toBe('Negative.');
  });

  it('a cache hit yields the cached value once, with no request', async () => {
    const cache = createMemoryCache();
    mock.server.setReply(INVOICE_REPLY);
    await runTask(defineTask({ name: 'invoice', output: Invoice }), 'x', { client: mock.client, cache });
    const requests = mock.server.chatRequests().length;
    const task = defineTask({ name: 'invoice', output: Invoice });
    const stream = streamTask(task, 'x', { client: mock.client, cache });
    expect(await collect(stream)).toEqual([JSON.parse(INVOICE_REPLY)]);
    expect((await stream.result).cached).toBe(true);
    expect(mock.server.chatRequests()).toHaveLength(requests);
  });

  it('on Segmind, which does not stream, yields the validated value once', async () => {
    const server = await startMockQwen({ apiKey: 'sk-test-stream-segmind', reply: INVOICE_REPLY });
    const client = createClient({ provider: 'segmind', baseURL: server.segmindURL, apiKey: 'sk-test-stream-segmind' });
    try {
      const stream = streamExtract('the invoice', Invoice, { client });
      expect(await collect(stream)).toEqual([JSON.parse(INVOICE_REPLY)]);
      expect(server.chatRequests()[0]?.stream).toBe(false);
    } finally {
      await client.close();
      await server.close();
    }
  });
});
