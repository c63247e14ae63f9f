import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  type BatchItemResult,
  type ClientOptions,
  classify,
  createClient,
  defineTask,
  extract,
  InputError,
  loadTask,
  runBatch,
  runTask,
  summarize,
  TaskDefinitionError,
} from '../../src/index.js';
import type { JsonSchema } from '../../src/json.js';
import { runPackedLabels } from '../../src/task/packing.js';
import { useLoopbackClient } from '../helpers/use-loopback-client.js';
import { captureError } from './capture-error.js';

const KEY = 'sk-reliability-bad-input';
const fixture = (name: string): string =>
  fileURLToPath(new URL(`../fixtures/reliability-task-files/${name}`, import.meta.url));

const mock = useLoopbackClient(KEY);

const sentiment = defineTask({ name: 'sentiment', output: { labels: ['positive', 'negative', 'neutral'] } });
const invoice = defineTask({ name: 'invoice', output: z.object({ total: z.number() }) });
/** A client on the loopback server with one option changed. */
const clientWith = (options: ClientOptions) =>
  createClient({ provider: 'dashscope', baseURL: mock.server.baseURL, apiKey: KEY, env: {}, ...options });
/** A text over qwen-flash's 997,952-token input limit (about 1.05 M one-token words). */
const hugeText = 'word '.repeat(1_050_000);
const manyLabels = Array.from({ length: 501 }, (_, position) => `label-${position}`);

interface Row {
  name: string;
  action: () => unknown;
  error: typeof InputError | typeof TaskDefinitionError;
  message: RegExp;
}

const input = (name: string, action: () => unknown, message: RegExp): Row => ({
  name,
  action,
  error: InputError,
  message,
});
const definition = (name: string, action: () => unknown, message: RegExp): Row => ({
  name,
  action,
  error: TaskDefinitionError,
  message,
});
const classifyText = (text: unknown) => () => classify(text as string, ['yes', 'no'], { client: mock.client });
const classifyLabels = (labels: unknown) => () =>
  classify('Is it raining?', labels as string[], { client: mock.client });
const batchOption = (options: object) => () => runBatch(sentiment, ['fine'], { client: mock.client, ...options });

const rows: Row[] = [
  // The text
  input('an empty text', classifyText(''), /^text is empty or only whitespace$/),
  input('a text of only whitespace', classifyText(' \n\t\u00a0 '), /^text is empty or only whitespace$/),
  input('a number instead of a text', classifyText(42), /^text must be a string, got number$/),
  input('null instead of a text', classifyText(null), /^text must be a string, got null$/),
  input('an array instead of a text', classifyText(['a']), /^text must be a string, got an array$/),
  input('a lone high surrogate', classifyText('broken \uD83D text'), /not valid Unicode: .*lone surrogate/),
  input('a lone low surrogate', classifyText('\uDE00 at the start'), /not valid Unicode: .*lone surrogate/),
  input('a reversed surrogate pair', classifyText('\uDE00\uD83D'), /not valid Unicode: .*lone surrogate/),
  input(
    'a text over the input-token limit',
    () => runTask(sentiment, hugeText, { client: mock.client }),
    /^text is too long: about \d{7} tokens, over qwen-flash's input limit of 997952$/,
  ),
  input(
    'a non-string text to summarize',
    () => summarize(7 as unknown as string, { client: mock.client }),
    /got number$/,
  ),
  input(
    'a { text } object given to classify, which takes a string',
    () => classify({ text: 'Is it raining?' } as unknown as string, ['yes', 'no'], { client: mock.client }),
    /^text must be a string, got an object/,
  ),
  input(
    'a { text } object given to extract',
    () =>
      extract({ text: 'Total: 3 EUR' } as unknown as string, z.object({ total: z.number() }), { client: mock.client }),
    /^text must be a string, got an object/,
  ),
  input(
    'a { text } object given to summarize',
    () => summarize({ text: 'A long report.' } as unknown as string, { client: mock.client }),
    /^text must be a string, got an object/,
  ),
  // One-liner options
  input(
    'an unknown summary format',
    () => summarize('A long report.', { client: mock.client, format: 'haiku' as 'bullets' }),
    /^format must be "bullets" or "paragraph", got "haiku"$/,
  ),
  input(
    'an unknown option key to summarize',
    () => summarize('A long report.', { client: mock.client, maxBullets: 3 } as object),
    /^unknown option "maxBullets" for summarize; known options: .*\bmaxItems\b/,
  ),
  input(
    'an unknown option key to classify',
    () => classify('Is it raining?', ['yes', 'no'], { client: mock.client, multiple: true } as object),
    /^unknown option "multiple" for classify; known options: .*\bmulti\b/,
  ),
  input(
    'an unknown option key to extract',
    () => extract('Total: 3', z.object({ total: z.number() }), { client: mock.client, mode: 'tool' } as object),
    /^unknown option "mode" for extract; known options: .*\bjsonMode\b/,
  ),
  input(
    'options that are not an object',
    () => classify('Is it raining?', ['yes', 'no'], 'multi' as unknown as object),
    /^options must be an object, got string$/,
  ),
  // Labels
  input('no labels', classifyLabels([]), /labels: labels must not be empty/),
  input('a duplicated label', classifyLabels(['yes', 'no', 'yes']), /label "yes" duplicates "yes"/),
  input('labels equal after case folding', classifyLabels(['Yes', 'yes']), /label "yes" duplicates "Yes"/),
  input('labels equal after width folding', classifyLabels(['ｙｅｓ', 'yes']), /label "yes" duplicates "ｙｅｓ"/),
  input('a label of only whitespace', classifyLabels(['   ', 'no']), /label must not be empty or whitespace/),
  input('a label with outer spaces', classifyLabels([' yes', 'no']), /has leading or trailing whitespace/),
  input('a label with a line break', classifyLabels(['yes\nno', 'maybe']), /must not contain line breaks/),
  input('a label that is not a string', classifyLabels([1, 2]), /label must be a string/),
  input('a label over 200 characters', classifyLabels(['x'.repeat(201), 'no']), /longer than 200 characters/),
  input('more labels than the maximum', classifyLabels(manyLabels), /too many labels \(501\); at most 500/),
  input('labels as one string', classifyLabels('yes,no'), /labels: labels must be a list or an object$/),
  // Schemas
  definition(
    'a zod schema that cannot be rendered as JSON Schema',
    () =>
      defineTask({
        name: 'broken',
        output: z.object({ child: z.lazy((): z.ZodString => missingSchema()) }),
      }),
    /\/output: the zod schema cannot be turned into JSON Schema: the child schema is not defined yet/,
  ),
  definition(
    'a JSON Schema with an unknown type',
    () => defineTask({ name: 'broken', format: 'json', output: { type: 'money' } }),
    /\/output: the output schema cannot be compiled: schema is invalid: data\/type must be equal to one of/,
  ),
  definition(
    'a JSON Schema with a reference to nothing',
    () => defineTask({ name: 'broken', format: 'json', output: { $ref: '#/$defs/missing' } }),
    /\/output: the output schema cannot be compiled: can't resolve reference #\/\$defs\/missing/,
  ),
  input(
    'a JSON Schema ajv rejects, through extract',
    () => extract('Total: 3 EUR', { type: 'object', required: 'total' }, { client: mock.client }),
    /cannot be compiled: schema is invalid: data\/required must be array/,
  ),
  input(
    'no schema at all',
    () => extract('x', null as unknown as JsonSchema, { client: mock.client }),
    /schema must be a zod schema/,
  ),
  input(
    'an empty object as the schema of extract',
    () => extract('Total: 3 EUR', {}, { client: mock.client }),
    /^schema must be a zod schema or a JSON Schema that says what the value is \(type, properties, \$ref, anyOf/,
  ),
  definition(
    'a json task whose JSON Schema does not say what the value is',
    () => defineTask({ name: 'broken', format: 'json', output: { description: 'an invoice' } }),
    /\/output: the JSON Schema does not say what the value is/,
  ),
  ...(
    [
      ['z.symbol()', z.object({ id: z.symbol() }), /symbol at id/],
      ['z.function()', z.object({ handler: z.function() }), /function at handler/],
      ['z.bigint()', z.object({ total: z.bigint() }), /bigint at total \(use z\.coerce\.bigint\(\)/],
      ['z.map()', z.object({ prices: z.map(z.string(), z.number()) }), /map at prices/],
      ['z.set()', z.object({ tags: z.object({ all: z.set(z.string()) }) }), /set at tags\.all/],
      ['z.nan()', z.array(z.nan()), /nan at \[\]/],
    ] as const
  ).map(([name, schema, message]) =>
    definition(
      `a zod schema with ${name}, which JSON cannot carry`,
      () => defineTask({ name: 'broken', output: schema }),
      new RegExp(`^task definition: /output: the zod schema has a type JSON cannot carry: ${message.source}`),
    ),
  ),
  input(
    'a zod schema with z.bigint() given to extract',
    () => extract('Total: 3', z.object({ total: z.bigint() }), { client: mock.client }),
    /the zod schema has a type JSON cannot carry: bigint at total/,
  ),
  // Task definitions
  definition('a blank task name', () => defineTask({ name: ' ', output: { labels: ['a', 'b'] } }), /name must be/),
  definition(
    'a temperature out of range',
    () => defineTask({ name: 't', temperature: Number.NaN, output: { labels: ['a', 'b'] } }),
    /\/temperature: temperature must be a number from 0 to below 2/,
  ),
  definition(
    'maxTokens over the model limit',
    () => defineTask({ name: 't', maxTokens: 40_000, output: { labels: ['a', 'b'] } }),
    /maxTokens must be a whole number from 1 to 32768/,
  ),
  definition(
    'an example whose output is not a label',
    () => defineTask({ name: 't', output: { labels: ['a', 'b'] }, examples: [{ input: 'x', output: 'c' }] }),
    /\/examples\/0\/output: example output "c" is not one of the labels/,
  ),
  // Task files
  definition(
    'a task file with wrong types',
    () => loadTask(fixture('wrong-types.task.yaml')),
    /3 problems:[\s\S]*\/labels: must be a list or an object[\s\S]*\/name: must be a string, not the number 42[\s\S]*\/temperature: must be a number, not a string/,
  ),
  definition(
    'a task file with unknown keys',
    () => loadTask(fixture('unknown-keys.task.json')),
    /unknown-keys\.task\.json: .*"prompt"[\s\S]*"retries"/,
  ),
  definition(
    'a task file with bad YAML',
    () => loadTask(fixture('bad-syntax.task.yaml')),
    /bad-syntax\.task\.yaml: invalid YAML at line \d+, column \d+/,
  ),
  definition(
    'a task file with bad JSON',
    () => loadTask(fixture('bad-syntax.task.json')),
    /bad-syntax\.task\.json: invalid JSON at line 1, column \d+/,
  ),
  definition(
    'a task file with duplicated and blank labels',
    () => loadTask(fixture('duplicate-labels.task.yaml')),
    /2 problems:[\s\S]*\/labels\/1: label "yes" duplicates "Yes"[\s\S]*\/labels\/2: label must not be empty/,
  ),
  definition(
    'a task file whose schema ajv rejects',
    () => loadTask(fixture('bad-schema.task.json')),
    /bad-schema\.task\.json: \/schema\/properties\/total\/type: must be one of array, boolean, integer/,
  ),
  definition(
    'a missing task file',
    () => loadTask(fixture('missing.task.yaml')),
    /missing\.task\.yaml: file not found/,
  ),
  definition('a task file of an unknown type', () => loadTask(fixture('task.txt')), /unsupported file type \.txt/),
  // Client options
  input('an unknown provider', () => clientWith({ provider: 'openai' as 'dashscope' }), /^Unknown provider "openai"/),
  input('a base URL that is not a URL', () => clientWith({ baseURL: 'not a url' }), /^baseURL is not a valid URL/),
  input('a base URL without a scheme', () => clientWith({ baseURL: 'localhost:8080' }), /http or https URL: localhost/),
  input('a base URL that is not http', () => clientWith({ baseURL: 'file:///etc/passwd' }), /http or https URL/),
  input(
    'an unknown region',
    () => clientWith({ baseURL: undefined as unknown as string, region: 'eu' as 'us' }),
    /Unknown DashScope region "eu"/,
  ),
  input('no API key at all', () => createClient({ env: {} }), /^No API key: pass apiKey/),
  input('an empty API key', () => clientWith({ apiKey: '' }), /^apiKey is empty/),
  input('an API key with a line break', () => clientWith({ apiKey: `${KEY}\n` }), /^apiKey contains whitespace/),
  input('a negative timeout', () => clientWith({ timeoutMs: -1 }), /^timeoutMs must be a positive number/),
  input('a NaN timeout', () => clientWith({ timeoutMs: Number.NaN }), /^timeoutMs must be a positive number/),
  input('an infinite timeout', () => clientWith({ timeoutMs: Number.POSITIVE_INFINITY }), /at most 2147483647/),
  input('a timeout over the timer range', () => clientWith({ timeoutMs: 2 ** 31 }), /at most 2147483647/),
  input('negative retries', () => clientWith({ maxRetries: -1 }), /^maxRetries must be an integer of at least 0$/),
  input('NaN retries', () => clientWith({ maxRetries: Number.NaN }), /^maxRetries must be an integer/),
  input('fractional retries', () => clientWith({ maxRetries: 1.5 }), /^maxRetries must be an integer/),
  input(
    'zero concurrency',
    () => clientWith({ maxConcurrency: 0 }),
    /^maxConcurrency must be an integer of at least 1/,
  ),
  input('a NaN response limit', () => clientWith({ maxResponseBytes: Number.NaN }), /^maxResponseBytes must be a/),
  input('a negative rate limit', () => clientWith({ rateLimit: { requestsPerMinute: -5 } }), /requestsPerMinute/),
  input('no price tiers', () => clientWith({ prices: [] }), /^prices must list at least one tier$/),
  input(
    'a header with a line break',
    () => clientWith({ headers: { 'x-trace': 'a\r\nx-evil: 1' } }),
    /^headers\.x-trace must be a string without line breaks$/,
  ),
  input('a header name with a space', () => clientWith({ headers: { 'x trace': 'a' } }), /^headers: "x trace" is not/),
  // Call options
  input(
    'maxRepairs over 5',
    () => runTask(sentiment, 'fine', { client: mock.client, maxRepairs: 6 }),
    /from 0 to 5, got 6$/,
  ),
  input('negative maxRepairs', () => runTask(sentiment, 'fine', { client: mock.client, maxRepairs: -1 }), /got -1$/),
  input(
    'a NaN per-call timeout',
    () => runTask(sentiment, 'fine', { client: mock.client, timeoutMs: Number.NaN }),
    /timeoutMs/,
  ),
  input(
    'an infinite per-call timeout',
    () => mock.client.chat({ messages: [{ role: 'user', content: 'hi' }] }, { timeoutMs: Number.POSITIVE_INFINITY }),
    /^timeoutMs must be a positive number of milliseconds, at most 2147483647/,
  ),
  input(
    'chunkTokens under 100',
    () => summarize('text', { client: mock.client, chunkTokens: 50 }),
    /^chunkTokens must be/,
  ),
  input(
    'NaN chunkTokens',
    () => summarize('text', { client: mock.client, chunkTokens: Number.NaN }),
    /^chunkTokens must be/,
  ),
  input(
    'zero maxPackTokens',
    () => runPackedLabels(sentiment, [{ text: 'a' }], { client: mock.client, maxPackTokens: 0 }),
    /got 0/,
  ),
  input(
    'packing a json task',
    () => runPackedLabels(invoice, [{ text: 'a' }], { client: mock.client }),
    /label tasks only/,
  ),
  // Batch options
  input('zero concurrency in a batch', batchOption({ concurrency: 0 }), /^concurrency must be a whole number from 1/),
  input('NaN concurrency in a batch', batchOption({ concurrency: Number.NaN }), /got NaN$/),
  input(
    'an endless timeout in a batch',
    batchOption({ timeoutMs: Number.POSITIVE_INFINITY }),
    /^timeoutMs must be a positive number of milliseconds, at most/,
  ),
  input('a pack of 0', batchOption({ pack: 0 }), /^pack must be a whole number from 1 to 100, got 0$/),
  input('a pack over 100', batchOption({ pack: 101 }), /^pack must be a whole number from 1 to 100, got 101$/),
  input('maxRepairs out of range in a batch', batchOption({ maxRepairs: 9 }), /^maxRepairs must be .* got 9$/),
  input('a negative budget', batchOption({ maxCostUsd: -1 }), /^maxCostUsd must be a number of USD, 0 or more/),
  input('a NaN budget', batchOption({ maxCostUsd: Number.NaN }), /^maxCostUsd must be a number of USD/),
  input('a negative batch timeout', batchOption({ timeoutMs: -5 }), /^timeoutMs must be a positive number/),
  input('an unknown batch mode', batchOption({ mode: 'offline' }), /^mode must be one of "online", "batch-api"/),
  input('resume without an output file', batchOption({ resume: true }), /^resume needs an output file/),
  input(
    'a batch input that is not a list',
    () => runBatch(sentiment, 42 as unknown as string[], { client: mock.client }),
    /^inputs must be/,
  ),
];

/** A zod getter that throws, as a schema referenced before it is defined does. */
function missingSchema(): z.ZodString {
  throw new ReferenceError('the child schema is not defined yet');
}

describe('bad input is refused with a typed error before any request', () => {
  it('has at least 30 rows', () => {
    expect(rows.length).toBeGreaterThanOrEqual(30);
  });

  it.each(rows.map((row) => [row.name, row] as const))('%s', async (_name, row) => {
    const error = await captureError(row.action);
    expect(error).toBeInstanceOf(row.error);
    expect((error as Error).message).toMatch(row.message);
    expect(mock.server.requests).toHaveLength(0);
  });
});

describe('bad records in a batch fail alone, before any request', () => {
  it('fails every unusable record of a JSONL file as its own item, naming what is wrong', async () => {
    const file = fileURLToPath(new URL('../fixtures/reliability-bad-records.jsonl', import.meta.url));
    const results: BatchItemResult[] = [];
    const run = runBatch(sentiment, file, { client: mock.client });
    for await (const result of run) results.push(result);
    const summary = await run.summary;
    expect(summary).toMatchObject({ total: 5, succeeded: 0, failed: 5 });
    const messages = Object.fromEntries(results.map((result) => [result.id, result.error]));
    expect(messages).toEqual({
      '0': { name: 'InputError', message: expect.stringMatching(/^line 1 of .* is not JSON/) },
      'no-text': { name: 'InputError', message: expect.stringMatching(/text/) },
      'number-text': { name: 'InputError', message: expect.stringMatching(/string/) },
      'blank-text': { name: 'InputError', message: 'text is empty or only whitespace' },
      'lone-surrogate': { name: 'InputError', message: expect.stringMatching(/lone surrogate/) },
    });
    expect(mock.server.requests).toHaveLength(0);
  });

  it('rejects the summary on a duplicate id without sending the duplicate', async () => {
    const records = [
      { id: 'a', text: '' },
      { id: 'a', text: ' ' },
    ];
    const error = await captureError(() => runBatch(sentiment, records, { client: mock.client }).summary);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(/duplicate id "a"/i);
    expect(mock.server.requests).toHaveLength(0);
  });
});
