import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { RunBatchApiOptions } from '../src/batch/batch-api-run.js';
import { runBatchApi } from '../src/batch/batch-api-run.js';
import { buildBatchRequestLine } from '../src/batch/batch-api-submit.js';
import { toBatchItem } from '../src/batch/inputs.js';
import { cancelBatchRun, runBatch } from '../src/batch/run-batch.js';
import type { BatchApiProgress, BatchItem, BatchItemOutcome } from '../src/batch/types.js';
import { createClient } from '../src/client/client.js';
import type { ClientOptions, Clock, QwenClient } from '../src/client/types.js';
import { InputError, OutputError, RateLimitError } from '../src/errors.js';
import { defineTask, runTask } from '../src/index.js';
import { compileTask } from '../src/task/define-task.js';
import type { Task } from '../src/task/types.js';
import { type MockQwen, type MockReply, startMockQwen } from '../src/testing/index.js';

const KEY = 'sk-batch-api-runner-0123456789';
/** Polls without waiting: the loopback batches move one status step per poll. */
const INSTANT_CLOCK: Clock = {
  now: () => Date.now(),
  sleep: async (_delayMs, signal) => signal?.throwIfAborted(),
};
const USAGE = { promptTokens: 1000, completionTokens: 100 };
/** qwen-flash online price of USAGE: 1000 × $0.05/M + 100 × $0.40/M. */
const ONLINE_COST_USD = (1000 * 0.05 + 100 * 0.4) / 1_000_000;

const invoice = defineTask({
  name: 'invoice',
  instructions: 'Extract the invoice total and currency.',
  output: z.object({ total: z.number(), currency: z.string() }),
});

/** Batch-line replies by input text; online calls (repair turns) get a valid answer. */
const REPLIES: Record<string, MockReply> = {
  plain: { content: '{"total": 12, "currency": "EUR"}', usage: USAGE },
  fenced: { content: '```json\n{"total": 30, "currency": "USD",}\n```', usage: USAGE },
  online: { content: '{"total": "about twelve"}', usage: USAGE },
  limit: { status: 429, body: { error: { code: 'limit_requests', message: 'Too many requests in this batch' } } },
};

let mock: MockQwen;
let folder: string;
const clients: QwenClient[] = [];

beforeAll(async () => {
  mock = await startMockQwen({
    apiKey: KEY,
    reply: (request) => {
      if (request.route !== 'batches') return { content: '{"total": 12, "currency": "GBP"}', usage: USAGE };
      const text = request.messages.at(-1)?.content ?? '';
      return REPLIES[text] ?? { content: `{"total": ${text.length}, "currency": "EUR"}`, usage: USAGE };
    },
  });
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((created) => created.close()));
  mock.reset();
  if (folder !== undefined) await rm(folder, { recursive: true, force: true });
});
afterAll(async () => {
  await mock.close();
});

function client(options: ClientOptions = {}): QwenClient {
  const created = createClient({ env: {}, apiKey: KEY, baseURL: mock.baseURL, clock: INSTANT_CLOCK, ...options });
  clients.push(created);
  return created;
}

async function* itemsOf(texts: readonly (string | { id: string; text: string })[]): AsyncGenerator<BatchItem> {
  for (const [index, text] of texts.entries()) yield toBatchItem(text, index);
}

interface Emitted {
  item: BatchItem;
  outcome: BatchItemOutcome;
}

async function run(
  texts: readonly (string | { id: string; text: string })[],
  options: RunBatchApiOptions = {},
  task: Task<unknown> = invoice as Task<unknown>,
) {
  const emitted: Emitted[] = [];
  const report = await runBatchApi(
    task,
    itemsOf(texts),
    { client: options.client ?? client(), clock: INSTANT_CLOCK, ...options },
    (item, outcome) => {
      emitted.push({ item, outcome });
    },
  );
  const byText = new Map(emitted.map((entry) => [entry.item.text, entry.outcome]));
  return { report, emitted, byText };
}

const requestsTo = (method: string, pattern: RegExp) =>
  mock.requests.filter((request) => request.method === method && pattern.test(request.path));
const uploads = () => requestsTo('POST', /\/files$/);
const creations = () => requestsTo('POST', /\/batches$/);

describe('runBatchApi through the loopback Batch API', () => {
  it('uploads, creates, polls, downloads and runs every reply through the output pipeline', async () => {
    const progress: BatchApiProgress[] = [];
    const { report, emitted, byText } = await run(['plain', 'fenced', 'online', 'limit'], {
      onBatchApiProgress: (update) => progress.push(update),
    });
    expect(report).toEqual({ batchIds: [expect.stringMatching(/^batch_/)], aborted: false });
    expect(emitted).toHaveLength(4);
    expect(byText.get('plain')).toMatchObject({ ok: true, value: { total: 12, currency: 'EUR' }, calls: 1 });
    expect(byText.get('fenced')).toMatchObject({ ok: true, value: { total: 30, currency: 'USD' }, calls: 1 });
    expect(byText.get('online')).toMatchObject({ ok: true, value: { total: 12, currency: 'GBP' }, calls: 2 });
    const limited = byText.get('limit');
    expect(limited).toMatchObject({ ok: false, calls: 1 });
    expect(limited?.ok === false && limited.error).toBeInstanceOf(RateLimitError);
    expect(limited?.ok === false && limited.error).toMatchObject({ status: 429, code: 'limit_requests' });

    expect(uploads()).toHaveLength(1);
    expect(creations()).toHaveLength(1);
    expect(creations()[0]?.body).toMatchObject({ endpoint: '/v1/chat/completions', completion_window: '24h' });
    // Only the repair turn went online: the batch reply, the validation issues, then the valid answer.
    const online = mock.chatRequests();
    expect(online).toHaveLength(1);
    expect(online[0]?.messages.map((message) => message.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(online[0]?.messages[2]?.content).toBe('{"total": "about twelve"}');

    expect(progress.map((update) => update.batches[0]?.status)).toEqual(['in_progress', 'finalizing', 'completed']);
    expect(progress.at(-1)?.requestCounts).toEqual({ total: 4, completed: 3, failed: 1 });
  });

  it('prices batch replies at half the online price, and online repair turns at the full price', async () => {
    const { byText } = await run(['plain', 'online']);
    const plain = byText.get('plain');
    expect(plain?.costUsd).toBeCloseTo(ONLINE_COST_USD / 2, 12);
    expect(plain?.usage).toEqual({ promptTokens: 1000, completionTokens: 100, cachedTokens: 0, totalTokens: 1100 });
    expect(byText.get('online')?.costUsd).toBeCloseTo(ONLINE_COST_USD / 2 + ONLINE_COST_USD, 12);
    expect(byText.get('online')?.usage.totalTokens).toBe(2200);
  });

  it('fails an item that needs a repair turn when repairOnline is off, without an online call', async () => {
    const { byText } = await run(['plain', 'online'], { repairOnline: false });
    const failed = byText.get('online');
    expect(failed).toMatchObject({ ok: false, calls: 1 });
    expect(failed?.ok === false && failed.error).toBeInstanceOf(OutputError);
    expect(byText.get('plain')?.ok).toBe(true);
    expect(mock.chatRequests()).toEqual([]);
  });

  it('waits 1 s before the second poll, then 1.5 times longer each round up to maxPollIntervalMs', async () => {
    const delays: number[] = [];
    const clock: Clock = { now: () => Date.now(), sleep: async (delayMs) => void delays.push(delayMs) };
    await run(['plain'], { clock });
    expect(delays).toEqual([1000, 1500]);
    delays.length = 0;
    await run(['plain'], { clock, maxPollIntervalMs: 1200, pollIntervalMs: 1000 });
    expect(delays).toEqual([1000, 1200]);
  });

  it('splits the items over several batches at the line limit', async () => {
    const texts = ['a', 'bb', 'ccc', 'dddd', 'eeeee', 'ffffff', 'ggggggg'];
    const { report, emitted } = await run(texts, { maxLinesPerFile: 3 });
    expect(report.batchIds).toHaveLength(3);
    expect(uploads()).toHaveLength(3);
    expect(creations()).toHaveLength(3);
    expect(emitted.map((entry) => entry.outcome.ok)).toEqual(texts.map(() => true));
    const values = new Map(emitted.map((entry) => [entry.item.text, entry.outcome.ok && entry.outcome.value]));
    expect(texts.map((text) => values.get(text))).toEqual(
      texts.map((text) => ({ total: text.length, currency: 'EUR' })),
    );
  });

  it('splits at the byte limit and fails an item whose line is over the line limit, before any upload', async () => {
    const lineBytes = Buffer.byteLength(buildBatchRequestLine(compileTask(invoice), client(), '0', 'one')) + 1;
    const long = 'x'.repeat(500);
    const { report, byText } = await run(['one', 'two', long, 'three'], {
      maxBytesPerFile: 2 * lineBytes + 10,
      maxBytesPerLine: lineBytes + 100,
    });
    const tooLong = byText.get(long);
    expect(tooLong?.ok === false && tooLong.error).toBeInstanceOf(InputError);
    expect(tooLong).toMatchObject({ calls: 0, costUsd: 0 });
    expect(report.batchIds).toHaveLength(2);
    expect(['one', 'two', 'three'].map((text) => byText.get(text)?.ok)).toEqual([true, true, true]);
  });

  it('fails unusable items at once, without a request line', async () => {
    const { byText, emitted } = await run(['   ', 'plain']);
    expect(emitted).toHaveLength(2);
    expect(byText.get('   ')).toMatchObject({ ok: false, calls: 0 });
    const file = await firstUploadedLines();
    expect(file.map((line) => line.body.messages.at(-1)?.content)).toEqual(['plain']);
  });

  it('leaves its batches running (no cancel sent) and emits nothing when the signal aborts', async () => {
    const controller = new AbortController();
    const { report, emitted } = await run(['plain', 'fenced'], {
      signal: controller.signal,
      onBatchApiProgress: () => controller.abort(new Error('stop')),
    });
    expect(report).toMatchObject({ aborted: true, batchIds: [expect.any(String)] });
    expect(emitted).toEqual([]);
    expect(requestsTo('POST', /\/batches\/[^/]+\/cancel$/)).toEqual([]);
  });

  it('cancels the batches of a stopped run only when asked, with cancelBatchRun', async () => {
    folder = await mkdtemp(join(tmpdir(), 'batch-api-test-'));
    const output = join(folder, 'results.jsonl');
    const controller = new AbortController();
    const { report } = await run(['plain', 'fenced'], {
      output,
      signal: controller.signal,
      onBatchApiProgress: () => controller.abort(new Error('stop')),
    });
    expect(requestsTo('POST', /\/batches\/[^/]+\/cancel$/)).toEqual([]);
    expect(await cancelBatchRun(output, { client: client() })).toEqual(report.batchIds);
    const cancels = requestsTo('POST', /\/batches\/[^/]+\/cancel$/);
    expect(cancels.map((request) => request.path)).toEqual([
      expect.stringContaining(`/batches/${report.batchIds[0]}/cancel`),
    ]);
    await expect(cancelBatchRun(join(folder, 'none.jsonl'), { client: client() })).rejects.toThrow(
      /no Batch API run to cancel/,
    );
  });

  it('refuses a Segmind client and a thinking task with an InputError, before any request', async () => {
    const segmind = client({ provider: 'segmind', baseURL: mock.segmindURL });
    await expect(run(['plain'], { client: segmind })).rejects.toThrow(/needs the dashscope or openai-compatible/);
    const thinking = defineTask({ name: 'deep', thinking: true, output: z.object({ total: z.number() }) });
    await expect(run(['plain'], {}, thinking as Task<unknown>)).rejects.toBeInstanceOf(InputError);
    await expect(run(['plain'], { maxLinesPerFile: 0 })).rejects.toThrow(/maxLinesPerFile/);
    await expect(run(['plain'], { completionWindow: '2h' })).rejects.toThrow(/completionWindow/);
    expect(mock.requests).toEqual([]);
  });
});

describe('the request file', () => {
  it('has unique custom_ids and bodies that validate against CreateChatCompletionRequest', async () => {
    await run(['plain', 'fenced', { id: 'custom-7', text: 'online' }, 'Ünïcödé "quotes"\nand lines']);
    const lines = await firstUploadedLines();
    expect(lines.map((line) => line.custom_id)).toEqual(['0', '1', 'custom-7', '3']);
    for (const line of lines) {
      expect(line).toMatchObject({ method: 'POST', url: '/v1/chat/completions' });
      expect(line.body).toMatchObject({ model: 'qwen-flash', enable_thinking: false });
      expect(line.body).not.toHaveProperty('stream');
    }
    const validate = chatRequestValidator();
    for (const line of lines) expect(validate(line.body), JSON.stringify(validate.errors)).toBe(true);
  });

  it('carries the body an online call would send', async () => {
    const online = client();
    await runTask(invoice, 'fenced', { client: online });
    const onlineBody = mock.chatRequests()[0]?.body;
    mock.reset();
    await run(['fenced']);
    const [line] = await firstUploadedLines();
    expect(line?.body).toEqual(onlineBody);
  });
});

describe('resuming a Batch API run', () => {
  /**
   * Runs until a simulated crash: before the batch is created (`upload`), right after it was created but before the
   * runner saw its id (`create`), or at the first poll (`poll`, the state file then names the batch).
   */
  async function crashAt(step: 'upload' | 'create' | 'poll', texts: readonly string[], output?: string) {
    const base = client();
    const api = base.batchApi;
    const crashing: QwenClient = Object.create(base);
    const crash = () => new Error('simulated crash');
    Object.defineProperty(crashing, 'batchApi', {
      value: {
        ...api,
        async createBatch(options: Parameters<typeof api.createBatch>[0]) {
          if (step === 'upload') throw crash();
          const job = await api.createBatch(options);
          if (step === 'create') throw crash();
          return job;
        },
        async retrieveBatch() {
          throw crash();
        },
      },
    });
    await expect(run(texts, { client: crashing, ...(output === undefined ? {} : { output }) })).rejects.toThrow(
      'simulated crash',
    );
  }

  it('polls the batch of the state file instead of submitting again, and removes the file at the end', async () => {
    folder = await mkdtemp(join(tmpdir(), 'batch-api-test-'));
    const output = join(folder, 'results.jsonl');
    await crashAt('poll', ['plain', 'fenced', 'online'], output);
    const state = JSON.parse(await readFile(`${output}.batch-state.json`, 'utf8')) as {
      batches: { batchId: string; itemIds: string[] }[];
    };
    expect(state.batches).toEqual([
      { inputFileId: expect.any(String), batchId: expect.any(String), itemIds: ['0', '1', '2'] },
    ]);
    expect([uploads().length, creations().length]).toEqual([1, 1]);

    const { report, emitted } = await run(['plain', 'fenced', 'online'], { output, resume: true });
    expect(report.batchIds).toEqual([state.batches[0]?.batchId]);
    expect(emitted.map((entry) => [entry.item.id, entry.outcome.ok])).toHaveLength(3);
    expect([uploads().length, creations().length]).toEqual([1, 1]);
    expect(existsSync(`${output}.batch-state.json`)).toBe(false);
  });

  it('emits only the items it is given (the others are already in the results file)', async () => {
    folder = await mkdtemp(join(tmpdir(), 'batch-api-test-'));
    const output = join(folder, 'results.jsonl');
    await crashAt('create', ['plain', 'fenced', 'online'], output);
    async function* remaining() {
      yield toBatchItem('online', 2);
    }
    const emitted: string[] = [];
    await runBatchApi(
      invoice as Task<unknown>,
      remaining(),
      { client: client(), clock: INSTANT_CLOCK, output, resume: true },
      (item) => {
        emitted.push(item.id);
      },
    );
    expect(emitted).toEqual(['2']);
    expect(uploads()).toHaveLength(1);
  });

  it('finds the batch created from its file when the run stopped before it saw the batch id', async () => {
    folder = await mkdtemp(join(tmpdir(), 'batch-api-test-'));
    const output = join(folder, 'results.jsonl');
    await crashAt('create', ['plain', 'fenced'], output);
    expect([uploads().length, creations().length]).toEqual([1, 1]);
    const { emitted } = await run(['plain', 'fenced'], { output, resume: true });
    expect(emitted.map((entry) => entry.outcome.ok)).toEqual([true, true]);
    expect([uploads().length, creations().length]).toEqual([1, 1]);
  });

  it('creates the batch from the uploaded file when the run stopped between upload and creation', async () => {
    folder = await mkdtemp(join(tmpdir(), 'batch-api-test-'));
    const output = join(folder, 'results.jsonl');
    await crashAt('upload', ['plain', 'fenced'], output);
    expect([uploads().length, creations().length]).toEqual([1, 0]);
    const { emitted } = await run(['plain', 'fenced'], { output, resume: true });
    expect(emitted.map((entry) => entry.outcome.ok)).toEqual([true, true]);
    expect([uploads().length, creations().length]).toEqual([1, 1]);
  });

  it('polls batches named by batchIds, reading their items from the request file', async () => {
    await crashAt('poll', ['plain', 'fenced']);
    const listed = await client().batchApi.listBatches();
    const batchId = listed.batches[0]!.id;
    const { report, emitted } = await run(['plain', 'fenced', 'new one'], { batchIds: [batchId] });
    expect(report.batchIds[0]).toBe(batchId);
    expect(report.batchIds).toHaveLength(2);
    expect(emitted.map((entry) => entry.outcome.ok)).toEqual([true, true, true]);
    expect(uploads()).toHaveLength(2);
  });

  it('submits again the items of a batch that a stopped run cancelled', async () => {
    folder = await mkdtemp(join(tmpdir(), 'batch-api-test-'));
    const output = join(folder, 'results.jsonl');
    const controller = new AbortController();
    await run(['plain'], { output, signal: controller.signal, onBatchApiProgress: () => controller.abort() });
    expect(existsSync(`${output}.batch-state.json`)).toBe(true);
    await cancelBatchRun(output, { client: client() });
    const { emitted, report } = await run(['plain'], { output, resume: true });
    expect(emitted.map((entry) => entry.outcome.ok)).toEqual([true]);
    expect(report.batchIds).toHaveLength(1);
    expect(uploads()).toHaveLength(2);
  });

  it('refuses a state file written for another task', async () => {
    folder = await mkdtemp(join(tmpdir(), 'batch-api-test-'));
    const output = join(folder, 'results.jsonl');
    await crashAt('create', ['plain'], output);
    const other = defineTask({ name: 'other', output: z.object({ total: z.number() }) });
    await expect(run(['plain'], { output, resume: true }, other as Task<unknown>)).rejects.toThrow(/another version/);
  });
});

describe('items that cannot share a request file', () => {
  it('fails a repeated id with an InputError and keeps the first', async () => {
    const { byText } = await run(['plain', { id: '0', text: 'again' }]);
    const again = byText.get('again');
    expect(again?.ok === false && again.error).toBeInstanceOf(InputError);
    expect(byText.get('plain')?.ok).toBe(true);
    expect((await firstUploadedLines()).map((line) => line.custom_id)).toEqual(['0']);
  });
});

interface RequestLine {
  custom_id: string;
  method: string;
  url: string;
  body: { messages: { role: string; content: string }[]; [field: string]: unknown };
}

/** The lines of the first request file uploaded to the mock. */
async function firstUploadedLines(): Promise<RequestLine[]> {
  const upload = uploads()[0];
  if (upload === undefined) return [];
  const boundary = /boundary=(\S+)/.exec(upload.headers['content-type'] ?? '')?.[1] ?? '';
  const part = upload.rawBody.split(`--${boundary}`).find((section) => section.includes('name="file"')) ?? '';
  const content = part.slice(part.indexOf('\r\n\r\n') + 4).replace(/\r\n$/, '');
  return content
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as RequestLine);
}

function chatRequestValidator() {
  const path = new URL('./fixtures/contracts/openai-chat.schema.json', import.meta.url);
  const text = readFileSync(path, 'utf8');
  const ajv = new Ajv2020({ strict: false, logger: false });
  ajv.addSchema(JSON.parse(text), 'openai-chat');
  const validate = ajv.getSchema('openai-chat#/$defs/CreateChatCompletionRequest');
  if (validate === undefined) throw new Error('CreateChatCompletionRequest is missing from the fixture');
  return validate;
}

describe('runBatch in batch-api mode, stopped and resumed', () => {
  it('stops promptly on its signal while waiting between polls, leaves the job running, and a resume re-attaches to it', async () => {
    folder = await mkdtemp(join(tmpdir(), 'batch-api-test-'));
    const output = join(folder, 'results.jsonl');
    const texts = ['plain', 'fenced', 'third one'];
    const controller = new AbortController();
    const started = Date.now();
    const run = runBatch(invoice, texts, {
      client: client({ clock: { now: () => Date.now(), sleep: (ms, signal) => realSleep(ms, signal) } }),
      mode: 'batch-api',
      output,
      signal: controller.signal,
      pollIntervalMs: 60_000,
      onBatchApiProgress: () => setTimeout(() => controller.abort(new Error('Ctrl-C')), 20),
    });
    const stopped = await run.summary;
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(stopped).toMatchObject({ aborted: true, succeeded: 0, failed: 0 });
    expect(requestsTo('POST', /\/batches\/[^/]+\/cancel$/)).toEqual([]);
    expect(existsSync(`${output}.batch-state.json`)).toBe(true);

    const resumed = await runBatch(invoice, texts, {
      client: client(),
      clock: INSTANT_CLOCK,
      mode: 'batch-api',
      output,
      resume: true,
    }).summary;
    expect(resumed).toMatchObject({ succeeded: 3, failed: 0, aborted: false });
    expect([uploads().length, creations().length]).toEqual([1, 1]);
    const lines = (await readFile(output, 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(existsSync(`${output}.batch-state.json`)).toBe(false);
  });

  it("writes the provider's request_id of each batch line as the result's requestId, not the completion id", async () => {
    folder = await mkdtemp(join(tmpdir(), 'batch-api-test-'));
    const output = join(folder, 'results.jsonl');
    await runBatch(invoice, ['plain', 'limit'], { client: client(), clock: INSTANT_CLOCK, mode: 'batch-api', output })
      .summary;
    const results = (await readFile(output, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { ok: boolean; requestId?: string });
    for (const result of results) {
      expect(result.requestId).toMatch(/^[0-9a-f-]{36}$/);
    }
  });
});

function realSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}
