import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ConnectionError,
  classify,
  createClient,
  defineTask,
  extract,
  OutputError,
  runTask,
  ServerError,
  summarize,
} from '../../src/index.js';
import type { JsonSchema } from '../../src/json.js';
import type { MockReply } from '../../src/testing/index.js';
import { useLoopbackClient } from '../helpers/use-loopback-client.js';
import { captureError } from './capture-error.js';

const KEY = 'sk-reliability-hostile';
const MEBIBYTE = 1024 * 1024;

const mock = useLoopbackClient(KEY);

/** Nothing may have been added to the prototypes every object shares. */
function expectPrototypesClean(): void {
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.prototype).not.toHaveProperty('polluted');
  expect(Object.keys(Object.prototype)).toEqual([]);
  expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('polluted');
}

/** The keys that reach a prototype when a value is merged or assigned key by key, at any depth. */
function expectNoUnsafeKeys(value: unknown): void {
  if (typeof value !== 'object' || value === null) return;
  expect([Object.prototype, Array.prototype, null]).toContain(Object.getPrototypeOf(value));
  for (const key of ['__proto__', 'constructor', 'prototype']) expect(Object.hasOwn(value, key)).toBe(false);
  for (const child of Object.values(value)) expectNoUnsafeKeys(child);
}

const POLLUTING = '{"polluted": true}';
const pollutingReplies: [string, MockReply][] = [
  ['a top-level __proto__ key', `{"name": "Ada", "__proto__": ${POLLUTING}}`],
  ['constructor.prototype', `{"name": "Ada", "constructor": {"prototype": ${POLLUTING}}}`],
  ['__proto__ inside an array item', `{"name": "Ada", "tags": [{"__proto__": ${POLLUTING}}]}`],
  ['__proto__ in JSON that needs repair', `{name: 'Ada', "__proto__": ${POLLUTING}, tags: ['x',]`],
  ['__proto__ in a fenced block', `\`\`\`json\n{"name": "Ada", "__proto__": ${POLLUTING}}\n\`\`\``],
  ['__proto__ as the only content of a nested object', `{"name": "Ada", "meta": {"__proto__": ${POLLUTING}}}`],
];

describe('prototype keys in replies', () => {
  const strict = z.object({ name: z.string(), tags: z.array(z.any()).optional() });
  const loose = z.looseObject({ name: z.string() });
  const jsonSchema: JsonSchema = { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] };

  it.each(pollutingReplies)('never pollute a prototype or reach the value: %s', async (_name, reply) => {
    for (const schema of [strict, loose, jsonSchema]) {
      mock.server.setReply(reply);
      const value = await extract('Ada Lovelace', schema as JsonSchema, { client: mock.client });
      expect(value).toMatchObject({ name: 'Ada' });
      expectNoUnsafeKeys(value);
      expectPrototypesClean();
    }
  });

  it('never pollute through tool-call arguments', async () => {
    mock.server.setReply({ toolCalls: [{ name: 'extract', arguments: `{"name": "Ada", "__proto__": ${POLLUTING}}` }] });
    const value = await extract('Ada Lovelace', loose, { client: mock.client, jsonMode: 'tool' });
    expect(value).toEqual({ name: 'Ada' });
    expectNoUnsafeKeys(value);
    expectPrototypesClean();
  });

  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty', 'prototype'])(
    'never take the name of an object property, %s, for a label',
    async (reply) => {
      mock.server.setReply(reply);
      const error = await captureError(() => classify('text', ['yes', 'no'], { client: mock.client, maxRepairs: 0 }));
      expect(error).toBeInstanceOf(OutputError);
    },
  );
});

describe('enormous replies', () => {
  const huge = (megabytes: number) => 'positive '.repeat(Math.ceil((megabytes * MEBIBYTE) / 9));

  it('fails an 11 MB reply cleanly with maxResponseBytes 10 MiB, without retrying it', async () => {
    const bounded = createClient({
      provider: 'dashscope',
      baseURL: mock.server.baseURL,
      apiKey: KEY,
      maxResponseBytes: 10 * MEBIBYTE,
    });
    mock.server.setReply(huge(11));
    const error = await captureError(() => classify('text', ['positive', 'negative'], { client: bounded }));
    await bounded.close();
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error).toMatchObject({ code: 'RESPONSE_TOO_LARGE' });
    expect((error as Error).message).toMatch(/larger than maxResponseBytes \(10485760 bytes\)/);
    expect(mock.server.chatRequests()).toHaveLength(1);
  });

  it('stops reading a streamed reply as soon as it passes the limit', async () => {
    const bounded = createClient({
      provider: 'dashscope',
      baseURL: mock.server.baseURL,
      apiKey: KEY,
      maxResponseBytes: 10 * MEBIBYTE,
    });
    const thinking = defineTask({ name: 'sentiment', thinking: true, output: { labels: ['positive', 'negative'] } });
    mock.server.setReply({ reasoning: huge(11), content: 'positive' });
    const error = await captureError(() => runTask(thinking, 'text', { client: bounded }));
    await bounded.close();
    expect(error).toMatchObject({ name: 'ConnectionError', code: 'RESPONSE_TOO_LARGE' });
  });

  it('bounds replies at 16 MiB by default', async () => {
    mock.server.setReply(huge(17));
    const error = await captureError(() => classify('text', ['positive', 'negative'], { client: mock.client }));
    expect(error).toMatchObject({ name: 'ConnectionError', code: 'RESPONSE_TOO_LARGE' });
  });

  it('reads only the first 64 KiB of a 20 MB error body', async () => {
    mock.server.setReply({
      status: 500,
      body: { error: { code: 'internal_error', message: 'x'.repeat(20 * MEBIBYTE) } },
    });
    const error = await captureError(() => classify('text', ['positive', 'negative'], { client: mock.client }));
    expect(error).toBeInstanceOf(ServerError);
    expect((error as Error).message.length).toBeLessThan(64 * 1024);
  });

  it('accepts a reply just under the limit', async () => {
    const bounded = createClient({
      provider: 'dashscope',
      baseURL: mock.server.baseURL,
      apiKey: KEY,
      maxResponseBytes: 2 * MEBIBYTE,
    });
    mock.server.setReply('positive');
    await expect(classify('text', ['positive', 'negative'], { client: bounded })).resolves.toBe('positive');
    await bounded.close();
  });
});

describe('deeply nested replies', () => {
  const depth = 200_000;
  const nested: [string, string][] = [
    ['200k unclosed [', '['.repeat(depth)],
    ['200k balanced [ ]', `${'['.repeat(depth)}${']'.repeat(depth)}`],
    ['200k unclosed {"a":', '{"a":'.repeat(depth)],
    ['200k nested objects, closed', `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`],
    ['a valid prefix, then 200k [', `{"name": "Ada", "tags": ${'['.repeat(depth)}`],
  ];

  it.each(nested)('fail with an OutputError, not a crash: %s, for a json task', async (_name, reply) => {
    mock.server.setReply(reply);
    const error = await captureError(() =>
      extract('text', z.object({ name: z.string() }), { client: mock.client, maxRepairs: 0 }),
    );
    expect(error).toBeInstanceOf(OutputError);
  });

  it.each(nested)('fail with an OutputError, not a crash: %s, for label and lines tasks', async (_name, reply) => {
    mock.server.setReply(reply);
    const multi = await captureError(() =>
      classify('text', ['yes', 'no'], { client: mock.client, multi: true, maxRepairs: 0 }),
    );
    expect(multi).toBeInstanceOf(OutputError);
    const single = await captureError(() => classify('text', ['yes', 'no'], { client: mock.client, maxRepairs: 0 }));
    expect(single).toBeInstanceOf(OutputError);
    const bullets = await summarize('text', { client: mock.client, format: 'bullets', maxRepairs: 0 }).catch(
      (error: unknown) => error,
    );
    // A bullet list may take the brackets as one odd line of text; it must not throw anything but an OutputError.
    if (bullets instanceof Error) expect(bullets).toBeInstanceOf(OutputError);
  });
});
