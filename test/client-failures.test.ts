import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { ChatRequest, ClientOptions } from '../src/client/types.js';
import {
  ApiError,
  AuthenticationError,
  BadRequestError,
  ConnectionError,
  ContentFilterError,
  InsufficientCreditsError,
  RateLimitError,
  ServerError,
} from '../src/errors.js';
import { type MockFault, startMockQwen } from '../src/testing/index.js';
import { failure, useLoopbackClients } from './helpers/use-loopback-client.js';

const KEY = 'sk-failure-test-0123456789abcdef';
const hello: ChatRequest = { messages: [{ role: 'user', content: 'hello' }] };

/** Clients whose backoff sleeps are recorded, not waited, and whose jitter is always half the ceiling. */
const { server, client, sleeps } = useLoopbackClients(KEY, { recordSleeps: true, client: { random: () => 0.5 } });

const segmindClient = (options: ClientOptions = {}) =>
  client({ provider: 'segmind', baseURL: server.segmindURL, ...options });

describe('the error table, through the wire', () => {
  it.each<[string, MockFault, unknown, boolean]>([
    [
      '400 invalid_parameter_error',
      { type: 'status', status: 400, code: 'invalid_parameter_error' },
      BadRequestError,
      false,
    ],
    ['400 Arrearage', { type: 'status', status: 400, code: 'Arrearage' }, InsufficientCreditsError, false],
    [
      '400 data_inspection_failed',
      { type: 'status', status: 400, code: 'data_inspection_failed' },
      ContentFilterError,
      false,
    ],
    ['401 invalid_api_key', { type: 'status', status: 401, code: 'invalid_api_key' }, AuthenticationError, false],
    ['403 AccessDenied', { type: 'status', status: 403, code: 'AccessDenied' }, AuthenticationError, false],
    [
      '403 AllocationQuota.FreeTierOnly',
      { type: 'status', status: 403, code: 'AllocationQuota.FreeTierOnly' },
      InsufficientCreditsError,
      false,
    ],
    ['404 model_not_found', { type: 'status', status: 404, code: 'model_not_found' }, BadRequestError, false],
    ['429 limit_requests', { type: 'status', status: 429, code: 'limit_requests' }, RateLimitError, true],
    ['429 limit_burst_rate', { type: 'status', status: 429, code: 'limit_burst_rate' }, RateLimitError, true],
    ['429 insufficient_quota', { type: 'status', status: 429, code: 'insufficient_quota' }, RateLimitError, true],
    ['429 with an unknown code', { type: 'status', status: 429, code: 'brand_new_limit' }, RateLimitError, true],
    [
      '429 PrepaidBillOverdue',
      { type: 'status', status: 429, code: 'PrepaidBillOverdue' },
      InsufficientCreditsError,
      false,
    ],
    [
      '429 PostpaidBillOverdue',
      { type: 'status', status: 429, code: 'PostpaidBillOverdue' },
      InsufficientCreditsError,
      false,
    ],
    ['500 internal_error', { type: 'status', status: 500, code: 'internal_error' }, ServerError, true],
    ['502 as an HTML page', { type: 'html', status: 502 }, ServerError, true],
    ['503 ModelUnavailable', { type: 'status', status: 503, code: 'ModelUnavailable' }, ServerError, true],
    ['504 with an empty body', { type: 'status', status: 504, shape: 'empty' }, ServerError, true],
    ['408', { type: 'status', status: 408, code: 'timeout' }, ApiError, true],
    ['409', { type: 'status', status: 409, code: 'conflict' }, ApiError, true],
    [
      '400 in the flat native shape',
      { type: 'status', status: 400, code: 'Arrearage', shape: 'flat' },
      InsufficientCreditsError,
      false,
    ],
  ])('maps %s to its class and retries only when it should', async (_name, fault, errorClass, retried) => {
    server.setFaults(() => fault);
    const qwen = client();
    const error = await failure(qwen.chat(hello));
    expect(error).toBeInstanceOf(errorClass);
    expect(error.constructor).toBe(errorClass);
    const attempts = retried ? 3 : 1;
    expect(server.chatRequests()).toHaveLength(attempts);
    expect(qwen.usage.requests).toBe(attempts);
    expect(error.message).toContain(`POST ${server.baseURL}/chat/completions`);
    expect(error).toMatchObject({ provider: 'dashscope', status: 'status' in fault ? fault.status : undefined });
  });

  it('words the message as "<what failed> (<status> <code>): <provider message> — POST <url>"', async () => {
    server.setFaults([
      { type: 'status', status: 400, code: 'invalid_parameter_error', message: 'Range of top_p should be (0.0, 1.0]' },
    ]);
    const error = await failure(client().chat(hello));
    expect(error.message).toBe(
      `Bad request (400 invalid_parameter_error): Range of top_p should be (0.0, 1.0] — POST ${server.baseURL}/chat/completions`,
    );
    expect(error).toMatchObject({ code: 'invalid_parameter_error', requestId: expect.any(String) });
  });

  it('reads the title of an HTML error page', async () => {
    server.setFaults(() => ({ type: 'html', status: 502 }));
    const error = await failure(client({ maxRetries: 0 }).chat(hello));
    expect(error.message).toContain('(502): HTML page: 502 Bad Gateway');
  });

  it.each<[string, MockFault, unknown]>([
    ['401', { type: 'status', status: 401 }, AuthenticationError],
    ['404', { type: 'status', status: 404 }, BadRequestError],
    ['406 (out of credits)', { type: 'status', status: 406 }, InsufficientCreditsError],
    ['429', { type: 'status', status: 429 }, RateLimitError],
    ['500', { type: 'status', status: 500 }, ServerError],
  ])('maps a Segmind %s in its {"error":"…"} shape', async (_name, fault, errorClass) => {
    server.setFaults(() => fault);
    const error = await failure(segmindClient({ maxRetries: 0 }).chat(hello));
    expect(error).toBeInstanceOf(errorClass);
    expect(error).toMatchObject({ provider: 'segmind' });
  });

  it('reports Segmind running out of credits as InsufficientCreditsError, not retried', async () => {
    const poor = await startMockQwen({ apiKey: KEY, credits: 0.0005 });
    try {
      const qwen = segmindClient({ baseURL: poor.segmindURL });
      const error = await failure(qwen.chat(hello));
      expect(error).toBeInstanceOf(InsufficientCreditsError);
      expect(error).toMatchObject({ status: 406 });
      expect(poor.chatRequests()).toHaveLength(1);
      expect(qwen.usage.remainingCredits).toBe(0.0005);
    } finally {
      await poor.close();
    }
  });

  it('refuses a wrong key with AuthenticationError and no retry', async () => {
    const error = await failure(client({ apiKey: 'sk-some-wrong-key-000000' }).chat(hello));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(server.chatRequests()).toHaveLength(1);
  });
});

describe('key redaction', () => {
  it.each([401, 500])('keeps the key out of a %d error that echoes it in body and headers', async (status) => {
    server.setFaults(() => ({ type: 'echo-key', status }));
    const error = await failure(client({ maxRetries: 0 }).chat(hello));
    expect(error).toBeInstanceOf(ApiError);
    const views = [error.message, JSON.stringify(error), inspect(error, { depth: 10 }), String(error.stack)];
    for (let cause: unknown = error; cause !== undefined; cause = (cause as Error).cause) views.push(inspect(cause));
    for (const view of views) expect(view).not.toContain(KEY);
    expect(error.message).toContain('[redacted]');
  });

  it('keeps the Segmind key out of an echoed error', async () => {
    server.setFaults(() => ({ type: 'echo-key', status: 401 }));
    const error = await failure(segmindClient().chat(hello));
    expect(JSON.stringify(error) + inspect(error)).not.toContain(KEY);
  });
});

describe('retries', () => {
  it('honours Retry-After in seconds exactly', async () => {
    server.setFaults([{ type: 'status', status: 429, code: 'limit_requests', retryAfter: 3 }]);
    const qwen = client();
    const reply = await qwen.chat(hello);
    expect(reply.content).toBe('ok');
    expect(reply.attempts).toBe(2);
    expect(sleeps).toEqual([3000]);
    expect(server.chatRequests()).toHaveLength(2);
    expect(qwen.usage.requests).toBe(2);
  });

  it('prefers retry-after-ms to Retry-After', async () => {
    server.setFaults([{ type: 'status', status: 503, retryAfterMs: 1234, retryAfter: 9 }]);
    await client().chat(hello);
    expect(sleeps).toEqual([1234]);
  });

  it('reads Retry-After as an HTTP date', async () => {
    const inTenSeconds = new Date(Math.ceil(Date.now() / 1000) * 1000 + 10_000).toUTCString();
    server.setFaults([{ type: 'status', status: 429, retryAfter: inTenSeconds }]);
    await client({
      clock: { now: () => Date.parse(inTenSeconds) - 10_000, sleep: async (ms) => void sleeps.push(ms) },
    }).chat(hello);
    expect(sleeps).toEqual([10_000]);
  });

  it('backs off exponentially with full jitter when the wait is missing or over 60 s', async () => {
    server.setFaults([
      { type: 'status', status: 500 },
      { type: 'status', status: 429, retryAfter: 120 },
      { type: 'status', status: 502 },
      { type: 'status', status: 503 },
    ]);
    const reply = await client({ maxRetries: 4 }).chat(hello);
    expect(reply.attempts).toBe(5);
    expect(sleeps).toEqual([250, 500, 1000, 2000]);
  });

  it('gives up after maxRetries and counts every attempt', async () => {
    server.setFaults(() => ({ type: 'status', status: 503 }));
    const qwen = client({ maxRetries: 1 });
    await expect(qwen.chat(hello)).rejects.toBeInstanceOf(ServerError);
    expect(server.chatRequests()).toHaveLength(2);
    expect(qwen.usage.requests).toBe(2);
  });

  it('does not retry with maxRetries 0', async () => {
    server.setFaults(() => ({ type: 'status', status: 429 }));
    await expect(client({ maxRetries: 0 }).chat(hello)).rejects.toBeInstanceOf(RateLimitError);
    expect(server.chatRequests()).toHaveLength(1);
  });

  it('retries RequestTimeOut at most once', async () => {
    server.setFaults(() => ({ type: 'status', status: 500, code: 'RequestTimeOut' }));
    const error = await failure(client({ maxRetries: 5 }).chat(hello));
    expect(error).toMatchObject({ name: 'ServerError', code: 'RequestTimeOut' });
    expect(server.chatRequests()).toHaveLength(2);
  });

  it.each<[string, MockFault]>([
    ['a connection reset', { type: 'reset' }],
    ['a truncated body', { type: 'truncate' }],
  ])('retries %s as a ConnectionError', async (_name, fault) => {
    server.setFaults([fault]);
    const reply = await client().chat(hello);
    expect(reply.content).toBe('ok');
    expect(reply.attempts).toBe(2);
    server.reset();
    server.setFaults(() => fault);
    await expect(client({ maxRetries: 0 }).chat(hello)).rejects.toBeInstanceOf(ConnectionError);
  });

  it('treats invalid JSON in a 200 body as a retryable ConnectionError', async () => {
    server.setReply([{ status: 200, body: '{"choices": [' }, 'fine']);
    const reply = await client().chat(hello);
    expect(reply.content).toBe('fine');
    expect(reply.attempts).toBe(2);
  });

  it('retries a connection refused', async () => {
    const closed = await startMockQwen();
    const baseURL = closed.baseURL;
    await closed.close();
    const error = await failure(client({ baseURL, maxRetries: 1 }).chat(hello));
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error).toMatchObject({ code: 'ECONNREFUSED' });
    expect(sleeps).toHaveLength(1);
  });

  it('never retries after the caller aborts during the backoff sleep', async () => {
    server.setFaults(() => ({ type: 'status', status: 503 }));
    const controller = new AbortController();
    const reason = new Error('user gave up');
    const qwen = client({
      clock: {
        now: () => Date.now(),
        sleep: async (_delayMs, signal) => {
          controller.abort(reason);
          signal?.throwIfAborted();
        },
      },
    });
    await expect(qwen.chat(hello, { signal: controller.signal })).rejects.toBe(reason);
    expect(server.chatRequests()).toHaveLength(1);
  });
});

describe('the output-length field', () => {
  it('retries once with max_completion_tokens after a 400 naming max_tokens, and remembers it', async () => {
    const strict = await startMockQwen({ apiKey: KEY, rejectMaxTokens: true });
    try {
      const qwen = client({ baseURL: strict.baseURL, maxRetries: 0 });
      const reply = await qwen.chat({ ...hello, maxTokens: 40 });
      expect(reply.attempts).toBe(2);
      const [first, second] = strict.chatRequests();
      expect(first!.body).toMatchObject({ max_tokens: 40 });
      expect(second!.body).toMatchObject({ max_completion_tokens: 40 });
      expect(second!.body).not.toHaveProperty('max_tokens');
      await qwen.chat({ ...hello, maxTokens: 41 });
      expect(strict.chatRequests()).toHaveLength(3);
      expect(strict.chatRequests()[2]!.body).toMatchObject({ max_completion_tokens: 41 });
      expect(qwen.usage.requests).toBe(3);
    } finally {
      await strict.close();
    }
  });

  it('switches only once per call when the server refuses both fields', async () => {
    const strict = await startMockQwen({ apiKey: KEY, rejectMaxTokens: true, rejectMaxCompletionTokens: true });
    try {
      const error = await failure(client({ baseURL: strict.baseURL }).chat({ ...hello, maxTokens: 40 }));
      expect(error).toBeInstanceOf(BadRequestError);
      expect(strict.chatRequests()).toHaveLength(2);
    } finally {
      await strict.close();
    }
  });

  it('does not switch on a 400 about another field', async () => {
    server.setFaults([{ type: 'status', status: 400, message: 'temperature must be below 2' }]);
    await expect(client().chat({ ...hello, maxTokens: 40 })).rejects.toBeInstanceOf(BadRequestError);
    expect(server.chatRequests()).toHaveLength(1);
  });
});
