import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { createClient } from '../src/client/client.js';
import type { ChatRequest, ClientOptions, QwenClient } from '../src/client/types.js';
import { InputError } from '../src/errors.js';
import { startMockQwen } from '../src/testing/index.js';
import { useLoopbackClients } from './helpers/use-loopback-client.js';

const KEY = 'sk-wire-test-0123456789abcdef';
const hello: ChatRequest = { messages: [{ role: 'user', content: 'hello' }] };

const { server, client: dashscope, closeAfterTest } = useLoopbackClients(KEY);
/** Every body the DashScope route received in this file, checked against OpenAI's schema at the end. */
const dashscopeBodies: unknown[] = [];

function client(options: ClientOptions): QwenClient {
  return closeAfterTest(createClient({ env: {}, ...options }));
}

function lastRequest() {
  const request = server.chatRequests().at(-1)!;
  if (request.route === 'dashscope') dashscopeBodies.push(request.body);
  return request;
}

describe('the DashScope provider on the wire', () => {
  it('posts to {baseURL}/chat/completions with a bearer token and the mapped body', async () => {
    const reply = await dashscope().chat({
      ...hello,
      temperature: 0,
      maxTokens: 20,
      seed: 1,
      extraBody: { top_k: 5 },
    });
    expect(reply.content).toBe('ok');
    const request = lastRequest();
    expect(request.path).toBe('/compatible-mode/v1/chat/completions');
    expect(request.keyPresented).toBe(KEY);
    expect(request.headers.authorization).toBe('[redacted]');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers).not.toHaveProperty('x-api-key');
    expect(request.body).toEqual({
      model: 'qwen-flash',
      messages: [{ role: 'user', content: 'hello' }],
      temperature: 0,
      enable_thinking: false,
      seed: 1,
      max_tokens: 20,
      top_k: 5,
    });
  });

  it('sends the client headers and the request model', async () => {
    await dashscope({ headers: { 'X-Trace-Id': 'trace-1' }, model: 'qwen-flash-2025-07-28' }).chat(hello);
    const request = lastRequest();
    expect(request.headers['x-trace-id']).toBe('trace-1');
    expect(request.body).toMatchObject({ model: 'qwen-flash-2025-07-28' });
  });

  it('uses the model qwen-flash-us for region us', async () => {
    const usClient = dashscope({ region: 'us' });
    expect(usClient.model).toBe('qwen-flash-us');
    await usClient.chat(hello);
    expect(lastRequest().body).toMatchObject({ model: 'qwen-flash-us' });
  });

  it('sends tools and a named tool choice and reads the tool call back', async () => {
    server.setReply({ toolCalls: [{ id: 'call_9', name: 'lookup', arguments: '{"id":7}' }] });
    const reply = await dashscope().chat({
      ...hello,
      tools: [{ name: 'lookup', description: 'Find a record', parameters: { type: 'object' } }],
      toolChoice: { name: 'lookup' },
    });
    expect(reply.toolCalls).toEqual([{ id: 'call_9', name: 'lookup', arguments: '{"id":7}' }]);
    expect(reply.finishReason).toBe('tool_calls');
    expect(lastRequest().body).toMatchObject({
      tools: [
        {
          type: 'function',
          function: { name: 'lookup', description: 'Find a record', parameters: { type: 'object' } },
        },
      ],
      tool_choice: { type: 'function', function: { name: 'lookup' } },
    });
  });

  it('sends JSON mode, a JSON schema format and cache-marked content parts as DashScope accepts them', async () => {
    const messages: ChatRequest['messages'] = [
      { role: 'system', content: [{ type: 'text', text: 'Answer in JSON.', cacheControl: { type: 'ephemeral' } }] },
      { role: 'user', content: 'hi' },
    ];
    await dashscope().chat({ messages, responseFormat: { type: 'json_object' } });
    expect(lastRequest().body).toMatchObject({
      messages: [
        { role: 'system', content: [{ type: 'text', text: 'Answer in JSON.', cache_control: { type: 'ephemeral' } }] },
        {},
      ],
      response_format: { type: 'json_object' },
    });
    // qwen-flash is not in the json_schema capability table (issue 13): this client declares it capable.
    await dashscope({ jsonSchemaModels: { 'qwen-flash': true } }).chat({
      messages,
      responseFormat: { type: 'json_schema', jsonSchema: { name: 'answer', schema: { type: 'object' }, strict: true } },
    });
    expect(lastRequest().body).toMatchObject({
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'answer', schema: { type: 'object' }, strict: true },
      },
    });
  });

  it('reports usage, cost and the request id of the reply, and keeps running totals', async () => {
    server.setReply({ content: 'ok', usage: { promptTokens: 3019, completionTokens: 104, cachedTokens: 2048 } });
    const qwen = dashscope();
    const reply = await qwen.chat(hello);
    const expectedCost = (971 * 0.05 + 2048 * 0.01 + 104 * 0.4) / 1e6;
    expect(reply.usage).toEqual({ promptTokens: 3019, completionTokens: 104, cachedTokens: 2048, totalTokens: 3123 });
    expect(reply.costUsd).toBeCloseTo(expectedCost, 12);
    expect(reply.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(reply.requestId).toBe(lastRequest().headers['x-request-id'] ?? reply.requestId);
    expect(reply.attempts).toBe(1);
    expect(reply.durationMs).toBeGreaterThanOrEqual(0);
    expect(reply.raw).toMatchObject({ object: 'chat.completion' });
    await qwen.chat(hello);
    expect(qwen.usage).toEqual({
      requests: 2,
      promptTokens: 6038,
      completionTokens: 208,
      cachedTokens: 4096,
      costUsd: expect.closeTo(2 * expectedCost, 12),
    });
  });

  it('prices with the prices option', async () => {
    server.setReply({ content: 'ok', usage: { promptTokens: 1_000_000, completionTokens: 1_000_000 } });
    const reply = await dashscope({
      prices: [{ maxInputTokens: 2_000_000, inputPerMillion: 1, outputPerMillion: 3 }],
    }).chat(hello);
    expect(reply.costUsd).toBeCloseTo(4, 12);
  });

  it('parses a reply without refusal, with system_fingerprint null and usage fields missing', async () => {
    server.setReply({
      status: 200,
      body: {
        id: 'chatcmpl-1',
        object: 'chat.completion',
        system_fingerprint: null,
        choices: [{ index: 0, message: { role: 'assistant', content: 'fine' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 10 },
      },
      headers: { 'x-request-id': 'req-1' },
    });
    const reply = await dashscope().chat(hello);
    expect(reply).toMatchObject({
      content: 'fine',
      usage: { promptTokens: 10, completionTokens: 0, cachedTokens: 0, totalTokens: 10 },
      // The body's id is the completion id; requestId is the x-request-id header the server sent (issue 13).
      completionId: 'chatcmpl-1',
      requestId: 'req-1',
    });
  });

  it('takes the request id from the x-request-id header when the body has none', async () => {
    server.setReply({
      status: 200,
      body: { choices: [{ message: { content: 'x' }, finish_reason: 'stop' }] },
      headers: { 'x-request-id': 'hdr-42' },
    });
    expect((await dashscope().chat(hello)).requestId).toBe('hdr-42');
  });

  it('has every capability', () => {
    expect(dashscope().capabilities).toEqual({ stream: true, tools: true, batchApi: true });
  });
});

describe('the Segmind provider on the wire', () => {
  const segmind = (options: ClientOptions = {}) =>
    client({ provider: 'segmind', apiKey: KEY, baseURL: server.segmindURL, ...options });

  it('posts to the endpoint with x-api-key, never an Authorization header, and only the forwarded fields', async () => {
    await segmind().chat({ ...hello, temperature: 0.1, maxTokens: 30, responseFormat: { type: 'json_object' } });
    const request = lastRequest();
    expect(request.route).toBe('segmind');
    expect(request.path).toBe('/v1/qwen-flash');
    expect(request.keyPresented).toBe(KEY);
    expect(request.headers['x-api-key']).toBe('[redacted]');
    expect(request.headers).not.toHaveProperty('authorization');
    expect(request.body).toEqual({
      messages: [{ role: 'user', content: 'hello' }],
      temperature: 0.1,
      response_format: { type: 'json_object' },
      max_tokens: 30,
    });
  });

  it('reports the remaining credits of every reply', async () => {
    const qwen = segmind();
    const first = await qwen.chat(hello);
    const second = await qwen.chat(hello);
    expect(first.remainingCredits).toBeCloseTo(99.999, 9);
    expect(second.remainingCredits).toBeCloseTo(99.998, 9);
    expect(qwen.usage.remainingCredits).toBeCloseTo(99.998, 9);
  });

  it.each<[string, Partial<ChatRequest>]>([
    ['thinking', { thinking: true }],
    ['tools', { tools: [{ name: 'x', parameters: {} }] }],
    ['streaming', { stream: true }],
  ])('refuses %s with an InputError before any request', async (_name, extra) => {
    await expect(segmind().chat({ ...hello, ...extra })).rejects.toBeInstanceOf(InputError);
    expect(server.requests).toHaveLength(0);
  });

  it('has no stream, no tools and no Batch API', () => {
    expect(segmind().capabilities).toEqual({ stream: false, tools: false, batchApi: false });
  });
});

describe('the OpenAI-compatible provider and the environment', () => {
  it('talks to any base URL with a key from QWEN_TASKS_BASE_URL + QWEN_TASKS_API_KEY', async () => {
    const qwen = client({
      env: { QWEN_TASKS_BASE_URL: server.baseURL, QWEN_TASKS_API_KEY: KEY, DASHSCOPE_API_KEY: 'x' },
    });
    expect(qwen.provider).toBe('openai-compatible');
    await qwen.chat(hello);
    const request = lastRequest();
    expect(request.keyPresented).toBe(KEY);
    expect(request.body).not.toHaveProperty('enable_thinking');
  });

  it('goes without a key to an explicit base URL', async () => {
    const open = await startMockQwen();
    try {
      const qwen = client({ provider: 'openai-compatible', baseURL: open.baseURL });
      expect((await qwen.chat(hello)).content).toBe('ok');
      expect(open.chatRequests()[0]!.headers).not.toHaveProperty('authorization');
    } finally {
      await open.close();
    }
  });

  it('reads DASHSCOPE_API_KEY and DASHSCOPE_BASE_URL', async () => {
    const qwen = client({ env: { DASHSCOPE_API_KEY: KEY, DASHSCOPE_BASE_URL: server.baseURL, SEGMIND_API_KEY: 'x' } });
    expect(qwen.provider).toBe('dashscope');
    await qwen.chat(hello);
    expect(lastRequest().keyPresented).toBe(KEY);
  });

  it('lets an explicit key win over the environment', async () => {
    const qwen = client({
      apiKey: KEY,
      env: { DASHSCOPE_API_KEY: 'sk-wrong-key-000000', DASHSCOPE_BASE_URL: server.baseURL },
    });
    await qwen.chat(hello);
    expect(lastRequest().keyPresented).toBe(KEY);
  });

  it('fails without a key before opening any socket, naming the variables', () => {
    expect(() => createClient({ env: {} })).toThrow(InputError);
    expect(() => createClient({ env: {} })).toThrow(/DASHSCOPE_API_KEY/);
    expect(server.requests).toHaveLength(0);
  });

  it('reads process.env when no env is given', async () => {
    const saved = { ...process.env };
    try {
      for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy', 'QWEN_TASKS_BASE_URL']) {
        delete process.env[name];
      }
      process.env.DASHSCOPE_API_KEY = KEY;
      process.env.DASHSCOPE_BASE_URL = server.baseURL;
      const qwen = createClient();
      closeAfterTest(qwen);
      await qwen.chat(hello);
      expect(lastRequest().keyPresented).toBe(KEY);
    } finally {
      process.env = saved;
    }
  });
});

describe('closing', () => {
  it('refuses calls after close(), which may be called twice', async () => {
    const qwen = dashscope();
    await qwen.chat(hello);
    await qwen.close();
    await qwen.close();
    await expect(qwen.chat(hello)).rejects.toBeInstanceOf(InputError);
  });
});

const schemaPath = new URL('./fixtures/contracts/openai-chat.schema.json', import.meta.url);
const schemaText = readFileSync(schemaPath, 'utf8');

describe('bodies received by the DashScope route', () => {
  it('validate against OpenAI CreateChatCompletionRequest', () => {
    const ajv = new Ajv2020({ strict: false, logger: false });
    ajv.addSchema(JSON.parse(schemaText), 'openai-chat');
    const validate = ajv.getSchema('openai-chat#/$defs/CreateChatCompletionRequest')!;
    expect(dashscopeBodies.length).toBeGreaterThanOrEqual(8);
    for (const body of dashscopeBodies) {
      const valid = validate(body);
      expect(valid ? [] : validate.errors, JSON.stringify(body)).toEqual([]);
    }
  });
});
