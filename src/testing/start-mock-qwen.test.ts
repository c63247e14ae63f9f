import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { postJson } from '../../test/helpers/post-json.js';
import { useMockPerTest } from '../../test/helpers/use-mock-per-test.js';
import { startMockQwen } from './index.js';

const start = useMockPerTest();

const hello = { model: 'qwen-flash', messages: [{ role: 'user', content: 'Hello there' }] };

describe('startMockQwen', () => {
  it('listens on 127.0.0.1 and exposes the DashScope and Segmind URLs', async () => {
    const server = await start();
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.baseURL).toBe(`${server.url}/compatible-mode/v1`);
    expect(server.segmindURL).toBe(`${server.url}/v1/qwen-flash`);
  });

  it.each(['/compatible-mode/v1/chat/completions', '/v1/chat/completions'])(
    'answers %s with a DashScope chat.completion',
    async (path) => {
      const server = await start({ reply: 'hi!', now: () => 1_700_000_000_000 });
      const response = await postJson(`${server.url}${path}`, { ...hello, model: 'qwen-flash-us' });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/json');
      const requestId = response.headers.get('x-request-id');
      expect(requestId).toBeTruthy();
      expect(response.json).toEqual({
        id: `chatcmpl-${requestId}`,
        object: 'chat.completion',
        created: 1_700_000_000,
        model: 'qwen-flash-us',
        choices: [{ index: 0, message: { role: 'assistant', content: 'hi!' }, finish_reason: 'stop', logprobs: null }],
        usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4, prompt_tokens_details: { cached_tokens: 0 } },
        system_fingerprint: null,
        request_id: requestId,
      });
    },
  );

  it('answers the Segmind route without request_id and with the credits header', async () => {
    const server = await start({ reply: 'hi' });
    const response = await postJson(server.segmindURL, hello);
    expect(response.status).toBe(200);
    expect(response.json.choices[0].message.content).toBe('hi');
    expect(response.json).not.toHaveProperty('request_id');
    expect(response.headers.get('x-remaining-credits')).toBe('99.999');
  });

  it('sends reasoning, tool calls, finish reason and usage as scripted', async () => {
    const server = await start({
      reply: {
        reasoning: 'thinking…',
        toolCalls: [{ name: 'save', arguments: '{"a":1}' }],
        usage: { promptTokens: 10, completionTokens: 5, cachedTokens: 8 },
      },
    });
    const { json } = await postJson(`${server.baseURL}/chat/completions`, hello);
    expect(json.choices[0]).toEqual({
      index: 0,
      message: {
        role: 'assistant',
        content: '',
        reasoning_content: 'thinking…',
        tool_calls: [{ id: 'call_0', type: 'function', function: { name: 'save', arguments: '{"a":1}' } }],
      },
      finish_reason: 'tool_calls',
      logprobs: null,
    });
    expect(json.usage).toEqual({
      prompt_tokens: 10,
      completion_tokens: 5,
      total_tokens: 15,
      prompt_tokens_details: { cached_tokens: 8 },
    });
  });

  it('sends a raw reply as given, JSON-encoding bodies that are not strings', async () => {
    const server = await start({
      reply: [
        { status: 418, body: { teapot: true }, headers: { 'x-extra': 'yes' } },
        { status: 200, body: 'not json' },
      ],
    });
    const first = await postJson(`${server.baseURL}/chat/completions`, hello);
    expect([first.status, first.json, first.headers.get('x-extra')]).toEqual([418, { teapot: true }, 'yes']);
    const second = await fetch(`${server.baseURL}/chat/completions`, { method: 'POST', body: JSON.stringify(hello) });
    expect(await second.text()).toBe('not json');
  });

  it('uses an array of replies in order and repeats the last one', async () => {
    const server = await start({ reply: ['one', 'two'] });
    const contents = [];
    for (let call = 0; call < 4; call += 1) {
      contents.push((await postJson(`${server.baseURL}/chat/completions`, hello)).json.choices[0].message.content);
    }
    expect(contents).toEqual(['one', 'two', 'two', 'two']);
  });

  it('keeps the next reply in place for the retry of a faulted or refused request', async () => {
    const server = await start({ reply: ['one', 'two'], faults: { 0: { type: 'status', status: 503 } } });
    const answers = [
      await postJson(`${server.baseURL}/chat/completions`, hello),
      await postJson(`${server.baseURL}/chat/completions`, { messages: 'not an array' }),
      await postJson(`${server.baseURL}/chat/completions`, hello),
      await postJson(`${server.baseURL}/chat/completions`, hello),
    ];
    expect(answers.map((answer) => answer.status)).toEqual([503, 400, 200, 200]);
    expect(answers.slice(2).map((answer) => answer.json.choices[0].message.content)).toEqual(['one', 'two']);
  });

  it('calls a reply function with the recorded request', async () => {
    const server = await start({ reply: (received) => `#${received.index}: ${received.messages[0]?.content}` });
    await postJson(`${server.baseURL}/chat/completions`, hello);
    const { json } = await postJson(`${server.baseURL}/chat/completions`, hello);
    expect(json.choices[0].message.content).toBe('#1: Hello there');
  });

  it('turns a reply function that throws into a 500 that says why', async () => {
    const server = await start({
      reply: () => {
        throw new Error('script broken');
      },
    });
    const response = await postJson(`${server.baseURL}/chat/completions`, hello);
    expect(response.status).toBe(500);
    expect(response.json.error.message).toContain('script broken');
  });

  it('records every request with its route, index, parsed body and joined messages', async () => {
    const server = await start();
    await postJson(`${server.baseURL}/chat/completions`, {
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'a' },
            { type: 'text', text: 'b' },
          ],
        },
      ],
      stream: false,
      response_format: { type: 'text' },
    });
    await fetch(`${server.url}/v1/get-user-credits`);
    await postJson(server.segmindURL, hello);
    expect(server.requests.map((received) => [received.index, received.route, received.method, received.path])).toEqual(
      [
        [0, 'dashscope', 'POST', '/compatible-mode/v1/chat/completions'],
        [-1, 'segmind', 'GET', '/v1/get-user-credits'],
        [1, 'segmind', 'POST', '/v1/qwen-flash'],
      ],
    );
    expect(server.chatRequests()).toHaveLength(2);
    const first = server.requests[0];
    expect(first?.messages).toEqual([{ role: 'user', content: 'ab' }]);
    expect(first?.responseFormat).toEqual({ type: 'text' });
    expect(first?.stream).toBe(false);
    expect(first?.headers['content-type']).toBe('application/json');
  });

  it('answers an unknown path with 404 and a wrong method with 405', async () => {
    const server = await start();
    expect((await fetch(`${server.url}/nowhere`)).status).toBe(404);
    expect((await fetch(`${server.baseURL}/chat/completions`)).status).toBe(405);
    const segmind = await fetch(server.segmindURL);
    expect([segmind.status, await segmind.json()]).toEqual([405, { error: 'Method Not Allowed' }]);
  });

  it('clears requests and counters on reset, and restarts the script on setReply', async () => {
    const server = await start({ reply: ['one', 'two'], faults: [{ type: 'status', status: 500 }] });
    await postJson(`${server.baseURL}/chat/completions`, hello);
    await postJson(`${server.baseURL}/chat/completions`, hello);
    server.reset();
    expect(server.requests).toEqual([]);
    expect((await postJson(`${server.baseURL}/chat/completions`, hello)).status).toBe(500);
    expect(server.chatRequests()[0]?.index).toBe(0);
    server.setFaults(undefined);
    server.setReply(['again']);
    expect((await postJson(`${server.baseURL}/chat/completions`, hello)).json.choices[0].message.content).toBe('again');
    server.setReply(undefined);
    expect((await postJson(`${server.baseURL}/chat/completions`, hello)).json.choices[0].message.content).toBe('ok');
  });

  it('waits latencyMs before answering', async () => {
    const server = await start({ latencyMs: 60 });
    const started = performance.now();
    await postJson(`${server.baseURL}/chat/completions`, hello);
    expect(performance.now() - started).toBeGreaterThanOrEqual(50);
  });
});

describe('startMockQwen robustness', () => {
  it('closes promptly even with keep-alive sockets open', async () => {
    const server = await startMockQwen();
    const response = await request(`${server.baseURL}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify(hello),
    });
    await response.body.text();
    await server.close();
    await expect(fetch(server.url)).rejects.toThrow();
  });

  it('survives a client that goes away in the middle of a reply', async () => {
    const server = await start({ faults: [{ type: 'slow-body', delayMs: 200 }] });
    const controller = new AbortController();
    const response = await request(`${server.baseURL}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify(hello),
      signal: controller.signal,
    });
    expect(response.statusCode).toBe(200);
    controller.abort();
    await expect(response.body.text()).rejects.toThrow();
    expect((await postJson(`${server.baseURL}/chat/completions`, hello)).status).toBe(200);
  });
});
