import { inspect } from 'node:util';
import { describe, expect, it, vi } from 'vitest';
import type {
  AttemptErrorEvent,
  ChatRequest,
  ClientHooks,
  RequestEvent,
  ResponseEvent,
  RetryEvent,
} from '../src/client/types.js';
import { AuthenticationError, InputError, RateLimitError, ServerError } from '../src/errors.js';
import { createClient } from '../src/index.js';
import { startMockQwen } from '../src/testing/index.js';
import { failure, useLoopbackClients } from './helpers/use-loopback-client.js';

const KEY = 'sk-hooks-test-0123456789abcdef';
const hello: ChatRequest = { messages: [{ role: 'user', content: 'hello' }] };

/** A clock whose backoff sleeps return at once. */
const clock = { now: () => Date.now(), sleep: async () => undefined };
const { server, client } = useLoopbackClients(KEY, { client: { clock, random: () => 0.5 } });

/** Hooks that record every event, in order, as `[name, event]`. */
function recorder(): { hooks: Required<ClientHooks>; events: [string, unknown][] } {
  const events: [string, unknown][] = [];
  return {
    events,
    hooks: {
      onRequest: (event) => events.push(['request', event]),
      onResponse: (event) => events.push(['response', event]),
      onError: (event) => events.push(['error', event]),
      onRetry: (event) => events.push(['retry', event]),
    },
  };
}

describe('hooks', () => {
  it('reports a successful attempt: the request with its exact body, then the response', async () => {
    server.setReply({ content: 'hi there', usage: { promptTokens: 12, completionTokens: 3, cachedTokens: 2 } });
    const { hooks, events } = recorder();
    const reply = await client({ hooks }).chat({ ...hello, temperature: 0, maxTokens: 20 });
    expect(events.map(([name]) => name)).toEqual(['request', 'response']);
    const url = `${server.baseURL}/chat/completions`;
    const common = { method: 'POST', url, provider: 'dashscope', model: 'qwen-flash', attempt: 1, stream: false };
    const request = events[0]![1] as RequestEvent;
    expect(request).toEqual({ ...common, body: expect.any(String) });
    expect(JSON.parse(request.body)).toEqual(server.chatRequests()[0]!.body);
    const response = events[1]![1] as ResponseEvent;
    expect(response).toEqual({
      ...common,
      status: 200,
      headers: { requestId: reply.requestId },
      usage: { promptTokens: 12, completionTokens: 3, cachedTokens: 2, totalTokens: 15 },
      costUsd: reply.costUsd,
      durationMs: expect.any(Number),
      finishReason: 'stop',
      requestId: reply.requestId,
      completionId: reply.completionId,
    });
    expect(response.durationMs).toBeGreaterThanOrEqual(0);
    expect(response.costUsd).toBeGreaterThan(0);
  });

  it('names the request model, and passes the x-ratelimit-* headers and Segmind credits as sent', async () => {
    const completion = {
      id: 'chatcmpl-rl',
      object: 'chat.completion',
      model: 'qwen-plus',
      choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 },
    };
    server.setReply({
      status: 200,
      body: completion,
      headers: {
        'x-ratelimit-remaining-requests': '599',
        'x-ratelimit-limit-tokens': '5000000',
        'x-remaining-credits': '42.5',
      },
    });
    const { hooks, events } = recorder();
    await client({ hooks }).chat({ ...hello, model: 'qwen-plus' });
    const response = events[1]![1] as ResponseEvent;
    expect(response.model).toBe('qwen-plus');
    expect(response.headers).toEqual({
      requestId: expect.any(String),
      remainingCredits: 42.5,
      rateLimit: { 'x-ratelimit-remaining-requests': '599', 'x-ratelimit-limit-tokens': '5000000' },
    });
    expect(response.completionId).toBe('chatcmpl-rl');
  });

  it('reports 429 → 500 → success: an error and a retry for each failure, then the response', async () => {
    server.setFaults([
      { type: 'status', status: 429, code: 'limit_requests' },
      { type: 'status', status: 500 },
    ]);
    const { hooks, events } = recorder();
    const reply = await client({ hooks, maxRetries: 2 }).chat(hello);
    expect(reply.attempts).toBe(3);
    expect(events.map(([name, event]) => `${name} ${(event as RequestEvent).attempt}`)).toEqual([
      'request 1',
      'error 1',
      'retry 1',
      'request 2',
      'error 2',
      'retry 2',
      'request 3',
      'response 3',
    ]);
    const [rateLimited, serverError] = events.filter(([name]) => name === 'error').map(([, event]) => event);
    expect(rateLimited).toMatchObject({ status: 429, willRetry: true, durationMs: expect.any(Number) });
    expect((rateLimited as AttemptErrorEvent).error).toBeInstanceOf(RateLimitError);
    expect(serverError).toMatchObject({ status: 500, willRetry: true });
    expect((serverError as AttemptErrorEvent).error).toBeInstanceOf(ServerError);
    const retries = events.filter(([name]) => name === 'retry').map(([, event]) => event as RetryEvent);
    expect(retries.map((retry) => retry.reason)).toEqual(['limit_requests (429)', 'internal_error (500)']);
    for (const retry of retries) expect(retry.delayMs).toBeGreaterThan(0);
    expect(retries[0]!.error).toBe((rateLimited as AttemptErrorEvent).error);
  });

  it('reports the last failure with willRetry false, and no retry', async () => {
    server.setFaults(() => ({ type: 'status', status: 500 }));
    const { hooks, events } = recorder();
    const error = await failure(client({ hooks, maxRetries: 1 }).chat(hello));
    expect(events.map(([name]) => name)).toEqual(['request', 'error', 'retry', 'request', 'error']);
    const last = events.at(-1)![1] as AttemptErrorEvent;
    expect(last).toMatchObject({ attempt: 2, willRetry: false, status: 500 });
    expect(last.error).toBe(error);
  });

  it('reports an attempt that is not retried (a 401) with willRetry false', async () => {
    const { hooks, events } = recorder();
    const error = await failure(client({ hooks, apiKey: 'sk-some-other-key-000000' }).chat(hello));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(events.map(([name]) => name)).toEqual(['request', 'error']);
    expect(events[1]![1]).toMatchObject({ status: 401, willRetry: false, error });
  });

  it('reports a streamed attempt with stream: true', async () => {
    server.setReply({ content: 'deep answer', reasoning: 'thinking it over' });
    const { hooks, events } = recorder();
    const reply = await client({ hooks }).chat({ ...hello, thinking: true });
    expect(reply.reasoning).toBe('thinking it over');
    expect(events.map(([name]) => name)).toEqual(['request', 'response']);
    for (const [, event] of events) expect(event).toMatchObject({ stream: true, attempt: 1 });
    expect(JSON.parse((events[0]![1] as RequestEvent).body)).toMatchObject({ stream: true, enable_thinking: true });
  });

  it('reports a resend with the other output-length field as an error and a retry without wait', async () => {
    const strict = await startMockQwen({ apiKey: KEY, rejectMaxTokens: true });
    const { hooks, events } = recorder();
    const qwen = createClient({ env: {}, provider: 'dashscope', apiKey: KEY, baseURL: strict.baseURL, hooks });
    try {
      await qwen.chat({ ...hello, maxTokens: 10 });
    } finally {
      await qwen.close();
      await strict.close();
    }
    expect(events.map(([name]) => name)).toEqual(['request', 'error', 'retry', 'request', 'response']);
    expect(events[1]![1]).toMatchObject({ status: 400, willRetry: true });
    expect(events[2]![1]).toMatchObject({ delayMs: 0, reason: 'max_completion_tokens', attempt: 1 });
    expect(JSON.parse((events[3]![1] as RequestEvent).body)).toMatchObject({ max_completion_tokens: 10 });
  });

  it('reports an aborted attempt with the abort reason and willRetry false', async () => {
    server.setFaults([{ type: 'slow-headers', delayMs: 5_000 }]);
    const controller = new AbortController();
    const reason = new Error('the user left');
    const { hooks, events } = recorder();
    const call = client({ hooks, maxRetries: 2 }).chat(hello, { signal: controller.signal });
    await vi.waitFor(() => expect(events).toHaveLength(1));
    controller.abort(reason);
    expect(await failure(call)).toBe(reason);
    expect(events.map(([name]) => name)).toEqual(['request', 'error']);
    expect(events[1]![1]).toMatchObject({ error: reason, willRetry: false });
    expect(events[1]![1]).not.toHaveProperty('status');
  });

  it('ignores a hook that throws: the call, its retries and the other hooks go on', async () => {
    server.setFaults([{ type: 'status', status: 503 }]);
    const seen: string[] = [];
    const boom = (name: string) => () => {
      seen.push(name);
      throw new Error(`${name} hook failed`);
    };
    const hooks = {
      onRequest: boom('request'),
      onResponse: boom('response'),
      onError: boom('error'),
      onRetry: boom('retry'),
    };
    const reply = await client({ hooks, maxRetries: 2 }).chat(hello);
    expect(reply).toMatchObject({ content: 'ok', attempts: 2 });
    expect(seen).toEqual(['request', 'error', 'retry', 'request', 'response']);
  });

  it('calls nothing without hooks, and a client with empty hooks behaves as one without', async () => {
    const { hooks, events } = recorder();
    // A client with hooks exists alongside: the others never reach its hooks.
    client({ hooks });
    await client().chat(hello);
    await client({ hooks: {} }).chat(hello);
    expect(events).toEqual([]);
  });

  it('keeps the key out of every event when the server echoes it', async () => {
    server.setFaults([
      { type: 'echo-key', status: 500 },
      { type: 'echo-key', status: 500 },
    ]);
    const { hooks, events } = recorder();
    await client({ hooks, maxRetries: 2 }).chat(hello);
    expect(events.map(([name]) => name)).toEqual([
      'request',
      'error',
      'retry',
      'request',
      'error',
      'retry',
      'request',
      'response',
    ]);
    for (const [, event] of events) {
      expect(JSON.stringify(event)).not.toContain(KEY);
      expect(inspect(event, { depth: 10 })).not.toContain(KEY);
    }
  });
});

describe('the hooks option', () => {
  it.each<[string, unknown, string]>([
    ['a non-object', 'onRequest', 'hooks'],
    ['an array', [], 'hooks'],
    ['null', null, 'hooks'],
    ['a member that is not a function', { onRequest: 'log' }, 'hooks.onRequest'],
    ['a null member', { onRetry: null }, 'hooks.onRetry'],
    ['an unknown member', { onResponce: () => {} }, 'hooks.onResponce'],
  ])('refuses %s with an InputError at its path', (_name, hooks, path) => {
    let error: unknown;
    try {
      createClient({ env: {}, apiKey: KEY, hooks: hooks as ClientHooks });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InputError);
    expect(error).toMatchObject({ path });
  });
});
