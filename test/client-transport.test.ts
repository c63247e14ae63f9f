import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { Agent } from 'undici';
import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../src/client/types.js';
import { ConnectionError, ContentFilterError, ServerError, TimeoutError } from '../src/errors.js';
import type { MockQwen, MockReply } from '../src/testing/index.js';
import { useLoopbackClients } from './helpers/use-loopback-client.js';

const KEY = 'sk-transport-test-0123456789abcdef';
const hello: ChatRequest = { messages: [{ role: 'user', content: 'hello' }] };

const { server, client } = useLoopbackClients(KEY, { client: { random: () => 0 } });

/** Resolves once the mock has received `count` chat requests (polling; generous 10 s bound). */
async function requestsReceived(mock: MockQwen, count: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (mock.chatRequests().length < count) {
    if (Date.now() > deadline) throw new Error(`the server saw ${mock.chatRequests().length} of ${count} requests`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('streaming', () => {
  it('streams automatically when thinking is on and keeps the thinking out of the content', async () => {
    server.setReply({
      content: '{"label":"positive"}',
      reasoning: 'The user seems happy.',
      usage: { promptTokens: 50, completionTokens: 20 },
    });
    const qwen = client();
    const reply = await qwen.chat({ ...hello, thinking: true, thinkingBudget: 100 });
    const request = server.chatRequests()[0]!;
    expect(request.stream).toBe(true);
    expect(request.body).toMatchObject({
      enable_thinking: true,
      thinking_budget: 100,
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(request.headers.accept).toBe('text/event-stream');
    expect(reply).toMatchObject({
      content: '{"label":"positive"}',
      reasoning: 'The user seems happy.',
      finishReason: 'stop',
      usage: { promptTokens: 50, completionTokens: 20, cachedTokens: 0, totalTokens: 70 },
      requestId: expect.any(String),
    });
    expect(reply.costUsd).toBeCloseTo((50 * 0.05 + 20 * 0.4) / 1e6, 12);
    expect(qwen.usage).toMatchObject({ requests: 1, promptTokens: 50, completionTokens: 20 });
  });

  it('assembles streamed tool-call arguments', async () => {
    server.setReply({
      toolCalls: [
        { id: 'call_1', name: 'weather', arguments: '{"city":"Paris","unit":"celsius"}' },
        { id: 'call_2', name: 'time', arguments: '{"zone":"Europe/Paris"}' },
      ],
    });
    const reply = await client().chat({
      ...hello,
      stream: true,
      tools: [
        { name: 'weather', parameters: {} },
        { name: 'time', parameters: {} },
      ],
    });
    expect(reply.toolCalls).toEqual([
      { id: 'call_1', name: 'weather', arguments: '{"city":"Paris","unit":"celsius"}' },
      { id: 'call_2', name: 'time', arguments: '{"zone":"Europe/Paris"}' },
    ]);
    expect(reply.finishReason).toBe('tool_calls');
  });

  it('turns a moderation error event inside the stream into ContentFilterError, not retried', async () => {
    server.setFaults(() => ({ type: 'sse-error' }));
    const error = await client()
      .chat({ ...hello, stream: true })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ContentFilterError);
    expect(error).toMatchObject({ code: 'data_inspection_failed', status: undefined });
    expect(server.chatRequests()).toHaveLength(1);
  });

  it('retries a server error event inside the stream', async () => {
    server.setFaults([{ type: 'sse-error', code: 'internal_error', message: 'boom' }]);
    const reply = await client().chat({ ...hello, stream: true });
    expect(reply.attempts).toBe(2);
  });

  it('retries a stream cut before [DONE] and before a finish reason', async () => {
    server.setFaults([{ type: 'sse-cut' }]);
    const reply = await client().chat({ ...hello, thinking: true });
    expect(reply.content).toBe('ok');
    expect(reply.attempts).toBe(2);
    server.reset();
    server.setFaults(() => ({ type: 'sse-cut' }));
    await expect(client({ maxRetries: 0 }).chat({ ...hello, thinking: true })).rejects.toBeInstanceOf(ConnectionError);
  });

  it('counts the usage of a streamed attempt that was billed and then failed', async () => {
    const events = [
      { id: 'c1', choices: [{ index: 0, delta: { content: 'Part' }, finish_reason: null }] },
      { id: 'c1', choices: [], usage: { prompt_tokens: 100, completion_tokens: 7, total_tokens: 107 } },
      { error: { code: 'data_inspection_failed', message: 'Output data may contain inappropriate content.' } },
    ];
    const streamed: MockReply = {
      status: 200,
      headers: { 'content-type': 'text/event-stream' },
      body: events.map((event) => `data: ${JSON.stringify(event)}\n\n`).join(''),
    };
    server.setReply(streamed);
    const qwen = client();
    await expect(qwen.chat({ ...hello, stream: true })).rejects.toBeInstanceOf(ContentFilterError);
    expect(qwen.usage).toEqual({
      requests: 1,
      promptTokens: 100,
      completionTokens: 7,
      cachedTokens: 0,
      costUsd: expect.closeTo((100 * 0.05 + 7 * 0.4) / 1e6, 12),
    });
  });

  it('reads a JSON reply when the server ignores stream: true', async () => {
    server.setReply({ status: 200, body: { choices: [{ message: { content: 'plain' }, finish_reason: 'stop' }] } });
    expect((await client().chat({ ...hello, stream: true })).content).toBe('plain');
  });
});

describe('timeouts', () => {
  it('fails an attempt slower than timeoutMs with a TimeoutError, and retries it', async () => {
    server.setFaults(() => ({ type: 'slow-headers', delayMs: 2000 }));
    const error = await client({ timeoutMs: 100, maxRetries: 0 })
      .chat(hello)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ timeoutMs: 100, provider: 'dashscope' });
    server.reset();
    server.setFaults([{ type: 'slow-headers', delayMs: 2000 }]);
    const reply = await client({ timeoutMs: 100 }).chat(hello, { timeoutMs: 300 });
    expect(reply.attempts).toBe(2);
  });

  it('covers the body too, and a per-call timeoutMs wins over the client one', async () => {
    server.setFaults(() => ({ type: 'slow-body', delayMs: 2000 }));
    const error = await client({ timeoutMs: 10_000, maxRetries: 0 })
      .chat(hello, { timeoutMs: 100 })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ timeoutMs: 100 });
  });

  it("keeps a short timeout to the millisecond, not to undici's half-second timer ticks", async () => {
    server.setFaults(() => ({ type: 'slow-headers', delayMs: 5000 }));
    const started = performance.now();
    const error = await client({ timeoutMs: 100, maxRetries: 0 })
      .chat(hello)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TimeoutError);
    // undici's headers timer would fire at 499 ms at the earliest.
    expect(performance.now() - started).toBeLessThan(490);
  });

  it("leaves a timeout of 30 s or more on a JSON reply to undici's timers, and times everything else itself", async () => {
    const seen: { headersTimeout: unknown; bodyTimeout: unknown; signal: boolean }[] = [];
    class RecordingAgent extends Agent {
      override dispatch(options: Agent.DispatchOptions, handler: Parameters<Agent['dispatch']>[1]): boolean {
        const { headersTimeout, bodyTimeout } = options;
        const { signal } = options as { signal?: unknown };
        seen.push({ headersTimeout, bodyTimeout, signal: signal !== undefined && signal !== null });
        return super.dispatch(options, handler);
      }
    }
    const dispatcher = new RecordingAgent();
    const recorded = client({ dispatcher, maxRetries: 0 });
    await recorded.chat(hello, { timeoutMs: 30_000 });
    await recorded.chat(hello, { timeoutMs: 29_999 });
    await recorded.chat({ ...hello, stream: true }, { timeoutMs: 60_000 });
    await dispatcher.close();
    expect(seen).toEqual([
      { headersTimeout: 30_000, bodyTimeout: 30_000, signal: false },
      { headersTimeout: 0, bodyTimeout: 0, signal: true },
      { headersTimeout: 0, bodyTimeout: 0, signal: true },
    ]);
  });

  it('gives a streamed attempt one deadline for the whole stream', async () => {
    server.setFaults(() => ({ type: 'slow-body', delayMs: 2000 }));
    const error = await client({ maxRetries: 0 })
      .chat({ ...hello, stream: true }, { timeoutMs: 100 })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ timeoutMs: 100 });
  });
});

describe('aborting', () => {
  it('rejects with the signal reason before sending anything', async () => {
    const controller = new AbortController();
    const reason = new Error('never mind');
    controller.abort(reason);
    await expect(client().chat(hello, { signal: controller.signal })).rejects.toBe(reason);
    expect(server.requests).toHaveLength(0);
  });

  it('rejects with an AbortError while waiting for headers, without retrying', async () => {
    server.setFaults(() => ({ type: 'slow-headers', delayMs: 2000 }));
    const controller = new AbortController();
    const call = client().chat(hello, { signal: controller.signal });
    await requestsReceived(server, 1);
    controller.abort();
    await expect(call).rejects.toMatchObject({ name: 'AbortError' });
    expect(server.chatRequests()).toHaveLength(1);
  });

  it('rejects with the signal reason in the middle of the body', async () => {
    server.setFaults(() => ({ type: 'slow-body', delayMs: 5000 }));
    const controller = new AbortController();
    const reason = new Error('stop reading');
    const call = client().chat(hello, { signal: controller.signal });
    await requestsReceived(server, 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    controller.abort(reason);
    await expect(call).rejects.toBe(reason);
    expect(server.chatRequests()).toHaveLength(1);
  });

  it('rejects with the signal reason during a real backoff sleep', async () => {
    server.setFaults(() => ({ type: 'status', status: 429, retryAfter: 30 }));
    const controller = new AbortController();
    const reason = new Error('too long');
    const call = client().chat(hello, { signal: controller.signal });
    await requestsReceived(server, 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    controller.abort(reason);
    await expect(call).rejects.toBe(reason);
    expect(server.chatRequests()).toHaveLength(1);
  });
});

describe('maxConcurrency', () => {
  it('keeps at most maxConcurrency requests in flight and lets a queued call abort', async () => {
    const gates: (() => void)[] = [];
    let open = false;
    server.setReply(() => (open ? 'done' : new Promise<MockReply>((resolve) => gates.push(() => resolve('done')))));
    const qwen = client({ maxConcurrency: 2 });
    const calls = [qwen.chat(hello), qwen.chat(hello), qwen.chat(hello)];
    const controller = new AbortController();
    const queued = qwen.chat(hello, { signal: controller.signal });
    await requestsReceived(server, 2);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.chatRequests()).toHaveLength(2);
    controller.abort(new Error('left the queue'));
    await expect(queued).rejects.toThrow('left the queue');
    open = true;
    for (const release of gates.splice(0)) release();
    const replies = await Promise.all(calls);
    expect(replies.map((reply) => reply.content)).toEqual(['done', 'done', 'done']);
    expect(server.chatRequests()).toHaveLength(3);
    expect(qwen.usage.requests).toBe(3);
  });
});

describe('maxResponseBytes', () => {
  it.each([
    ['a JSON body', {}],
    ['a stream', { stream: true }],
  ])('fails %s over the limit cleanly, without retrying', async (_name, extra) => {
    server.setReply('x'.repeat(20_000));
    const error = await client({ maxResponseBytes: 4_096 })
      .chat({ ...hello, ...extra })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error).toMatchObject({ code: 'RESPONSE_TOO_LARGE', message: expect.stringContaining('4096 bytes') });
    expect(server.chatRequests()).toHaveLength(1);
  });
});

describe('dispatchers and proxies', () => {
  it('uses an injected dispatcher and leaves it open on close()', async () => {
    const agent = new Agent();
    try {
      const qwen = client({ dispatcher: agent });
      await qwen.chat(hello);
      await qwen.close();
      expect(agent.closed).toBe(false);
    } finally {
      await agent.close();
    }
  });

  async function startProxy(): Promise<{ url: string; connects: string[]; close: () => Promise<void> }> {
    const connects: string[] = [];
    const proxy: Server = createServer((_request, response) => {
      connects.push('plain request');
      response.writeHead(502).end();
    });
    proxy.on('connect', (request, socket, head) => {
      connects.push(request.url ?? '');
      const [host, port] = (request.url ?? '').split(':');
      const upstream = connect(Number(port), host, () => {
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(socket);
        socket.pipe(upstream);
      });
      upstream.on('error', () => socket.destroy());
      socket.on('error', () => upstream.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const { port } = proxy.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}`,
      connects,
      close: () =>
        new Promise((resolve) => {
          proxy.closeAllConnections();
          proxy.close(() => resolve());
        }),
    };
  }

  it('goes through HTTP_PROXY from the environment, and straight to hosts in NO_PROXY', async () => {
    const proxy = await startProxy();
    try {
      const target = new URL(server.url).host;
      const viaProxy = client({ env: { HTTP_PROXY: proxy.url } });
      expect((await viaProxy.chat(hello)).content).toBe('ok');
      await viaProxy.close();
      expect(proxy.connects).toEqual([target]);
      const direct = client({ env: { http_proxy: proxy.url, NO_PROXY: '127.0.0.1' } });
      expect((await direct.chat(hello)).content).toBe('ok');
      await direct.close();
      expect(proxy.connects).toEqual([target]);
      expect(server.chatRequests()).toHaveLength(2);
    } finally {
      await proxy.close();
    }
  });
});

describe('servers that misbehave', () => {
  it('maps an error object inside a 200 body to its class', async () => {
    server.setReply({
      status: 200,
      body: { error: { code: 'data_inspection_failed', message: 'Input inappropriate' } },
    });
    await expect(client().chat(hello)).rejects.toBeInstanceOf(ContentFilterError);
    expect(server.chatRequests()).toHaveLength(1);
  });

  it('reports a 200 without choices as a ServerError', async () => {
    server.setReply({ status: 200, body: { object: 'chat.completion', choices: [] } });
    await expect(client({ maxRetries: 0 }).chat(hello)).rejects.toBeInstanceOf(ServerError);
  });
});
