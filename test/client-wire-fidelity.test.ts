import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../src/client/types.js';
import {
  BadRequestError,
  ConnectionError,
  ContentFilterError,
  InsufficientCreditsError,
  RateLimitError,
} from '../src/errors.js';
import { defineTask, runBatch } from '../src/index.js';
import { failure, useLoopbackClients } from './helpers/use-loopback-client.js';

const KEY = 'sk-fidelity-test-0123456789abcdef';
const hello: ChatRequest = { messages: [{ role: 'user', content: 'hello' }] };
const streamed: ChatRequest = { ...hello, stream: true };

/** DashScope clients on the loopback server whose backoff sleeps are recorded, not waited. */
const { server, client, sleeps } = useLoopbackClients(KEY, {
  recordSleeps: true,
  client: { maxRetries: 0, random: () => 0.5 },
});

describe('error bodies framed as server-sent events', () => {
  it('maps an SSE-framed 400 data_inspection_failed on a streamed request to ContentFilterError with its code', async () => {
    server.setFaults(() => ({ type: 'status', status: 400, code: 'data_inspection_failed', shape: 'sse' }));
    const error = await failure(client().chat(streamed));
    expect(error).toBeInstanceOf(ContentFilterError);
    expect(error).toMatchObject({ status: 400, code: 'data_inspection_failed' });
  });

  it('maps an SSE-framed Arrearage to InsufficientCreditsError, like its JSON form', async () => {
    server.setFaults(() => ({ type: 'status', status: 400, code: 'Arrearage', shape: 'sse' }));
    const error = await failure(client().chat(streamed));
    expect(error).toBeInstanceOf(InsufficientCreditsError);
    expect(error).toMatchObject({ status: 400, code: 'Arrearage' });
  });

  it("reads DashScope's native SSE error frame (id, event: error, a comment, flat data)", async () => {
    server.setReply({
      status: 400,
      headers: { 'content-type': 'text/event-stream' },
      body:
        'id:1\nevent:error\n:HTTP_STATUS/400\n' +
        'data:{"code":"DataInspectionFailed","message":"Input data may contain inappropriate content.","request_id":"req-native"}\n\n',
    });
    const error = await failure(client().chat(streamed));
    expect(error).toBeInstanceOf(ContentFilterError);
    expect(error).toMatchObject({ code: 'DataInspectionFailed', message: expect.stringContaining('inappropriate') });
  });

  it('stops a batch on an SSE-framed Arrearage, as billing errors do', async () => {
    server.setFaults(() => ({ type: 'status', status: 400, code: 'Arrearage', shape: 'sse' }));
    const thinking = defineTask({ name: 'thinking-yes-no', output: { labels: ['yes', 'no'] }, thinking: true });
    const summary = await runBatch(thinking, ['a', 'b', 'c'], { client: client(), concurrency: 1 }).summary;
    expect(summary.stoppedBy).toMatchObject({ name: 'InsufficientCreditsError' });
    expect(server.chatRequests()[0]?.stream).toBe(true);
  });
});

describe('request ids', () => {
  it("reports the x-request-id header as requestId on success, and the completion's id as completionId", async () => {
    server.setReply({
      status: 200,
      headers: { 'x-request-id': 'req-header-1' },
      body: { id: 'chatcmpl-abc', choices: [{ index: 0, message: { content: 'fine' }, finish_reason: 'stop' }] },
    });
    const reply = await client().chat(hello);
    expect(reply.requestId).toBe('req-header-1');
    expect(reply.completionId).toBe('chatcmpl-abc');
  });

  it('prefers the x-request-id header to request_id in the body', async () => {
    server.setReply({
      status: 200,
      headers: { 'x-request-id': 'req-header-2' },
      body: {
        id: 'chatcmpl-def',
        request_id: 'req-body-2',
        choices: [{ index: 0, message: { content: 'fine' }, finish_reason: 'stop' }],
      },
    });
    const reply = await client().chat(hello);
    expect(reply).toMatchObject({ requestId: 'req-header-2', completionId: 'chatcmpl-def' });
  });

  it('reports the x-request-id header on a failure, never the completion id of the error body', async () => {
    server.setReply({
      status: 400,
      headers: { 'x-request-id': 'req-header-3' },
      body: { error: { code: 'invalid_parameter_error', message: 'bad' }, id: 'chatcmpl-ghi' },
    });
    const error = await failure(client().chat(hello));
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error).toMatchObject({ requestId: 'req-header-3', completionId: 'chatcmpl-ghi' });
  });

  it("gives an error event inside a stream the stream's request id and completion id", async () => {
    server.setFaults(() => ({ type: 'sse-error' }));
    const error = await failure(client().chat(streamed));
    expect(error).toBeInstanceOf(ContentFilterError);
    const request = server.chatRequests()[0];
    expect(request).toBeDefined();
    expect(error).toMatchObject({
      requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      completionId: expect.stringMatching(/^chatcmpl-/),
    });
  });

  it('keeps the ids of a streamed reply apart too', async () => {
    const reply = await client().chat(streamed);
    expect(reply.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(reply.completionId).toMatch(/^chatcmpl-/);
  });
});

describe('a reply in an encoding nobody asked for', () => {
  it('names the content encoding of a gzip-encoded reply instead of calling it truncated JSON, and does not retry', async () => {
    server.setFaults(() => ({ type: 'encoding', encoding: 'gzip' }));
    const error = await failure(client({ maxRetries: 2 }).chat(hello));
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error).toMatchObject({ code: 'UNEXPECTED_ENCODING', message: expect.stringContaining('gzip') });
    expect((error as Error).message).not.toContain('truncated');
    expect(server.chatRequests()).toHaveLength(1);
  });
});

describe('Retry-After values that make no sense', () => {
  it.each([['-5'], ['soon'], ['5 seconds'], ['1e3']])(
    'ignores Retry-After: %s and backs off instead of retrying at once',
    async (value) => {
      server.setFaults([{ type: 'status', status: 429, retryAfter: value }]);
      const reply = await client({ maxRetries: 1 }).chat(hello);
      expect(reply.attempts).toBe(2);
      expect(sleeps).toEqual([250]);
    },
  );

  it('still honours a real HTTP date', async () => {
    const inTwoSeconds = new Date(Date.now() + 2_000).toUTCString();
    server.setFaults([{ type: 'status', status: 429, retryAfter: inTwoSeconds }]);
    await client({ maxRetries: 1 }).chat(hello);
    expect(sleeps).toHaveLength(1);
    expect(sleeps[0]).toBeGreaterThan(0);
    expect(sleeps[0]).toBeLessThanOrEqual(2_000);
  });

  it('keeps a rate-limit error for a 429 whose Retry-After is invalid, with no retryAfterMs', async () => {
    server.setFaults(() => ({ type: 'status', status: 429, retryAfter: '-5' }));
    const error = await failure(client().chat(hello));
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfterMs).toBeUndefined();
  });
});
