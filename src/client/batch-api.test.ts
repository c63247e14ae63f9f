import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  BadRequestError,
  ConnectionError,
  InputError,
  RateLimitError,
  ServerError,
} from '../errors.js';
import { type MockQwen, startMockQwen } from '../testing/index.js';
import { parseBatchJob } from './batch-api.js';
import { createClient } from './client.js';
import type { ClientOptions, Clock, QwenClient } from './types.js';

const KEY = 'sk-batch-api-test-0123456789';
/** Backoff without waiting. */
const INSTANT_CLOCK: Clock = { now: () => Date.now(), sleep: async () => {} };

let mock: MockQwen;
const clients: QwenClient[] = [];

function client(options: ClientOptions = {}): QwenClient {
  const created = createClient({ env: {}, apiKey: KEY, baseURL: mock.baseURL, clock: INSTANT_CLOCK, ...options });
  clients.push(created);
  return created;
}

const requestLine = (customId: string, text: string) =>
  JSON.stringify({
    custom_id: customId,
    method: 'POST',
    url: '/v1/chat/completions',
    body: { model: 'qwen-flash', messages: [{ role: 'user', content: text }], enable_thinking: false },
  });

async function collect(lines: AsyncIterable<string>): Promise<string[]> {
  const seen: string[] = [];
  for await (const line of lines) seen.push(line);
  return seen;
}

beforeAll(async () => {
  mock = await startMockQwen({ apiKey: KEY, reply: (request) => `echo ${request.messages[0]?.content}` });
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((created) => created.close()));
  mock.reset();
});
afterAll(async () => {
  await mock.close();
});

describe('client.batchApi against the loopback server', () => {
  it('uploads lines as a multipart JSONL file with purpose batch', async () => {
    const lines = [requestLine('a', 'one'), requestLine('b', 'two')];
    async function* generate() {
      yield* lines;
    }
    const uploaded = await client().batchApi.uploadFile(generate(), { filename: 'mine.jsonl' });
    const expected = `${lines.join('\n')}\n`;
    expect(uploaded).toEqual({ id: expect.stringMatching(/^file-batch-/), bytes: Buffer.byteLength(expected) });
    const request = mock.requests.at(-1)!;
    expect([request.method, request.path, request.keyPresented]).toEqual(['POST', '/compatible-mode/v1/files', KEY]);
    expect(request.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(request.rawBody).toContain('name="purpose"\r\n\r\nbatch');
    expect(request.rawBody).toContain(`filename="mine.jsonl"`);
    expect(request.rawBody).toContain(expected);
  });

  it('creates a batch, polls it to completion and streams its output lines', async () => {
    const api = client().batchApi;
    const file = await api.uploadFile([requestLine('a', 'one'), requestLine('b', 'two')]);
    const created = await api.createBatch({ inputFileId: file.id, metadata: { ds_name: 'test' } });
    expect(created).toMatchObject({
      status: 'validating',
      inputFileId: file.id,
      outputFileId: undefined,
      metadata: { ds_name: 'test' },
    });
    expect(mock.requests.at(-1)?.body).toEqual({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
      metadata: { ds_name: 'test' },
    });
    const statuses: string[] = [];
    let batch = created;
    while (batch.status !== 'completed') {
      batch = await api.retrieveBatch(created.id);
      statuses.push(batch.status);
    }
    expect(statuses).toEqual(['in_progress', 'finalizing', 'completed']);
    expect(batch.requestCounts).toEqual({ total: 2, completed: 2, failed: 0 });
    expect(batch.errorFileId).toBeUndefined();
    const lines = await collect(api.downloadFileLines(batch.outputFileId!));
    const parsed = lines.map((line) => JSON.parse(line) as { custom_id: string; response: { status_code: number } });
    expect(parsed.map((line) => [line.custom_id, line.response.status_code])).toEqual([
      ['a', 200],
      ['b', 200],
    ]);
  });

  it('sends the completion window asked for', async () => {
    const api = client().batchApi;
    const file = await api.uploadFile([requestLine('a', 'one')]);
    await api.createBatch({ inputFileId: file.id, completionWindow: '72h' });
    expect(mock.requests.at(-1)?.body).toMatchObject({ completion_window: '72h' });
  });

  it('cancels a batch and lists batches a page at a time', async () => {
    const api = client().batchApi;
    const file = await api.uploadFile([requestLine('a', 'one')]);
    const first = await api.createBatch({ inputFileId: file.id });
    const second = await api.createBatch({ inputFileId: file.id });
    expect((await api.cancelBatch(first.id)).status).toBe('cancelling');
    expect((await api.retrieveBatch(first.id)).status).toBe('cancelled');
    const page = await api.listBatches({ limit: 1 });
    expect([page.batches.map((batch) => batch.id), page.hasMore, page.lastId]).toEqual([[second.id], true, second.id]);
    const next = await api.listBatches({ after: page.lastId!, limit: 1 });
    expect([next.batches.map((batch) => batch.id), next.hasMore]).toEqual([[first.id], false]);
  });

  it('stops downloading when the caller stops iterating', async () => {
    const api = client().batchApi;
    const many = Array.from({ length: 50 }, (_, index) => requestLine(`line-${index}`, `text ${index}`));
    const file = await api.uploadFile(many);
    const seen: string[] = [];
    for await (const line of api.downloadFileLines(file.id)) {
      seen.push(line);
      if (seen.length === 3) break;
    }
    expect(seen).toEqual(many.slice(0, 3));
  });

  it('maps errors like chat errors, naming the method and URL', async () => {
    const api = client().batchApi;
    const missing = await api.retrieveBatch('batch_nope').catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(BadRequestError);
    expect(missing).toMatchObject({ status: 404, code: 'not_found' });
    expect((missing as Error).message).toMatch(
      / — GET http:\/\/127\.0\.0\.1:\d+\/compatible-mode\/v1\/batches\/batch_nope$/,
    );
    const unauthorized = await client({ apiKey: 'sk-wrong-key-000000' })
      .batchApi.createBatch({ inputFileId: 'file-x' })
      .catch((error: unknown) => error);
    expect(unauthorized).toBeInstanceOf(AuthenticationError);
    expect((unauthorized as Error).message).toMatch(/ — POST .*\/batches$/);
    expect(JSON.stringify(unauthorized)).not.toContain('sk-wrong-key-000000');
    const download = collect(api.downloadFileLines('file-nope'));
    await expect(download).rejects.toBeInstanceOf(BadRequestError);
  });

  it('refuses an empty file and a line holding a line break before any request', async () => {
    const api = client().batchApi;
    await expect(api.uploadFile([])).rejects.toBeInstanceOf(InputError);
    await expect(api.uploadFile(['{"a":1}', '{"b":\n2}'])).rejects.toThrow(/Line 2 .* line break/);
    await expect(api.createBatch({ inputFileId: '' })).rejects.toBeInstanceOf(InputError);
    expect(mock.requests).toEqual([]);
  });

  it('rejects every call with an InputError for Segmind, without a request', async () => {
    const api = client({ provider: 'segmind', baseURL: mock.segmindURL }).batchApi;
    const calls: Promise<unknown>[] = [
      api.uploadFile(['{}']),
      api.createBatch({ inputFileId: 'file-x' }),
      api.retrieveBatch('batch_x'),
      api.cancelBatch('batch_x'),
      api.listBatches(),
      collect(api.downloadFileLines('file-x')),
    ];
    for (const call of calls) await expect(call).rejects.toThrow(/needs the dashscope or openai-compatible provider/);
    expect(mock.requests).toEqual([]);
  });

  it('estimates a batch request at half the online price of the client price table', () => {
    const prices = [{ maxInputTokens: 1_000_000, inputPerMillion: 2, outputPerMillion: 8 }];
    const usage = { promptTokens: 1_000_000, completionTokens: 500_000, cachedTokens: 0, totalTokens: 1_500_000 };
    expect(client({ prices }).batchApi.estimateCostUsd(usage)).toBeCloseTo((2 + 4) / 2, 10);
  });

  it('stops at once when the signal aborts', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    const api = client().batchApi;
    await expect(api.retrieveBatch('batch_x', { signal: controller.signal })).rejects.toThrow('stop');
    await expect(api.uploadFile(['{}'], { signal: controller.signal })).rejects.toThrow('stop');
  });
});

describe('client.batchApi retries', () => {
  let server: Server;
  let baseURL: string;
  let handler: (request: IncomingMessage, response: ServerResponse) => void;
  const seen: string[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      seen.push(`${request.method} ${request.url}`);
      request.resume();
      request.on('end', () => handler(request, response));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  afterEach(() => {
    seen.length = 0;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const json = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    response.writeHead(status, { 'content-type': 'application/json', ...headers });
    response.end(JSON.stringify(body));
  };
  const batch = { id: 'batch_1', object: 'batch', status: 'in_progress', request_counts: { total: 1 } };

  it('retries a poll after a 503 and a 429', async () => {
    let calls = 0;
    handler = (_request, response) => {
      calls += 1;
      if (calls === 1) json(response, 503, { error: { code: 'ModelUnavailable', message: 'busy' } });
      else if (calls === 2) json(response, 429, { error: { code: 'limit_requests', message: 'slow down' } });
      else json(response, 200, batch);
    };
    const job = await client({ baseURL }).batchApi.retrieveBatch('batch_1');
    expect(job).toMatchObject({ id: 'batch_1', requestCounts: { total: 1, completed: 0, failed: 0 } });
    expect(seen).toEqual(['GET /v1/batches/batch_1', 'GET /v1/batches/batch_1', 'GET /v1/batches/batch_1']);
  });

  it('gives up after maxRetries with the last typed error', async () => {
    handler = (_request, response) => json(response, 429, { error: { code: 'limit_requests', message: 'slow' } });
    const error = await client({ baseURL, maxRetries: 1 })
      .batchApi.retrieveBatch('batch_1')
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RateLimitError);
    expect(seen).toHaveLength(2);
  });

  it('retries creating a batch after a 429 but never after a connection cut', async () => {
    let calls = 0;
    handler = (_request, response) => {
      calls += 1;
      if (calls === 1) json(response, 429, { error: { code: 'limit_requests', message: 'slow' } });
      else response.socket?.destroy();
    };
    const error = await client({ baseURL })
      .batchApi.createBatch({ inputFileId: 'file-1' })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(seen).toEqual(['POST /v1/batches', 'POST /v1/batches']);
  });

  it('reports a reply that is not a batch as a server error', async () => {
    handler = (_request, response) => json(response, 200, { hello: 'world' });
    await expect(client({ baseURL }).batchApi.retrieveBatch('batch_1')).rejects.toBeInstanceOf(ServerError);
  });

  it('fails a download whose body is cut with a ConnectionError, after the lines that arrived whole', async () => {
    handler = (_request, response) => {
      response.writeHead(200, { 'content-length': '1000' });
      response.write('{"a":1}\n{"b":2}\n{"c":');
      setTimeout(() => response.socket?.destroy(), 20);
    };
    const seenLines: string[] = [];
    const error = await (async () => {
      for await (const line of client({ baseURL }).batchApi.downloadFileLines('file-1')) seenLines.push(line);
    })().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toMatch(/ — GET .*\/files\/file-1\/content$/);
    expect(seenLines).toEqual(['{"a":1}', '{"b":2}']);
  });
});

describe('parseBatchJob', () => {
  it('reads an OpenAI batch object into camelCase', () => {
    const raw = {
      id: 'batch_1',
      object: 'batch',
      status: 'failed',
      input_file_id: 'file-in',
      output_file_id: null,
      error_file_id: 'file-err',
      created_at: 1700000000,
      request_counts: { total: 3, completed: 1, failed: 2 },
      errors: { object: 'list', data: [{ code: 'invalid_json_line', message: 'bad', line: 2 }] },
      metadata: { ds_name: 'x' },
    };
    expect(parseBatchJob(raw, 'GET here')).toEqual({
      id: 'batch_1',
      status: 'failed',
      inputFileId: 'file-in',
      outputFileId: undefined,
      errorFileId: 'file-err',
      requestCounts: { total: 3, completed: 1, failed: 2 },
      problems: [{ code: 'invalid_json_line', message: 'bad', line: 2 }],
      createdAt: 1700000000,
      metadata: { ds_name: 'x' },
      raw,
    });
  });

  it.each([
    ['no counts at all', {}, { total: 0, completed: 0, failed: 0 }],
    [
      'counts that are not numbers',
      { request_counts: { total: '3', completed: -1 } },
      { total: 0, completed: 0, failed: 0 },
    ],
  ])('reads %s as zero', (_name, fields, counts) => {
    expect(parseBatchJob({ id: 'b', status: 'validating', ...fields }, 'GET here').requestCounts).toEqual(counts);
  });

  it('keeps a status it does not know and accepts errors as a bare array', () => {
    const job = parseBatchJob({ id: 'b', status: 'queued', errors: [{ message: 'm' }] }, 'GET here');
    expect([job.status, job.problems]).toEqual(['queued', [{ code: 'unknown', message: 'm' }]]);
  });

  it('refuses a reply without id or status with a ServerError that says where', () => {
    expect(() => parseBatchJob({ object: 'batch' }, 'GET https://x/batches/b')).toThrow(ServerError);
    expect(() => parseBatchJob({ id: 'b' }, 'GET https://x/batches/b')).toThrow(/not a batch object .* GET https/);
  });
});
