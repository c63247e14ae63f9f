import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import {
  ApiError,
  AuthenticationError,
  BadRequestError,
  ContentFilterError,
  InputError,
  InsufficientCreditsError,
  RateLimitError,
  registerSecret,
  ServerError,
} from '../errors.js';
import { mapApiError, parseErrorBody } from './api-errors.js';
import type { ChatRequest, Provider } from './types.js';
import { type BodySettings, buildRequestBody, classifyApiError, normalizeUsage, parseChatResponse } from './wire.js';

/** qwen-flash declared capable of json_schema, so that these tests check the mapping, not the capability table. */
const dashscope: BodySettings = {
  provider: 'dashscope',
  model: 'qwen-flash',
  outputLengthField: 'max_tokens',
  jsonSchemaModels: { 'qwen-flash': true },
};
const segmind: BodySettings = { ...dashscope, provider: 'segmind' };
const openAICompatible: BodySettings = { ...dashscope, provider: 'openai-compatible' };
const hello: ChatRequest = { messages: [{ role: 'user', content: 'hello' }] };

const fullRequest: ChatRequest = {
  messages: [
    { role: 'system', content: [{ type: 'text', text: 'long rules', cacheControl: { type: 'ephemeral' } }] },
    { role: 'user', content: 'What is the weather in Paris?' },
    { role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name: 'weather', arguments: '{"city":"Paris"}' }] },
    { role: 'tool', content: '{"celsius":21}', toolCallId: 'call_1' },
  ],
  temperature: 0.2,
  topP: 0.9,
  responseFormat: { type: 'json_schema', jsonSchema: { name: 'answer', schema: { type: 'object' }, strict: true } },
  tools: [{ name: 'weather', description: 'Weather of a city', parameters: { type: 'object' } }],
  toolChoice: { name: 'weather' },
  stop: ['\n\n'],
  seed: 7,
  maxTokens: 100,
  extraBody: { top_k: 20, repetition_penalty: 1.05 },
};

/** Every DashScope body these tests build, checked against OpenAI's request schema at the end. */
const dashscopeBodies: Record<string, unknown>[] = [];

function dashscopeBody(request: ChatRequest, settings: BodySettings = dashscope) {
  const built = buildRequestBody(request, settings);
  dashscopeBodies.push(built.body);
  return built;
}

describe('buildRequestBody', () => {
  it('maps every camelCase field to its wire name for DashScope, extraBody last at the top level', () => {
    const { body, stream } = dashscopeBody(fullRequest);
    expect(stream).toBe(false);
    expect(body).toEqual({
      model: 'qwen-flash',
      messages: [
        { role: 'system', content: [{ type: 'text', text: 'long rules', cache_control: { type: 'ephemeral' } }] },
        { role: 'user', content: 'What is the weather in Paris?' },
        {
          role: 'assistant',
          content: '',
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
          ],
        },
        { role: 'tool', content: '{"celsius":21}', tool_call_id: 'call_1' },
      ],
      temperature: 0.2,
      top_p: 0.9,
      enable_thinking: false,
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'answer', schema: { type: 'object' }, strict: true },
      },
      tools: [
        {
          type: 'function',
          function: { name: 'weather', description: 'Weather of a city', parameters: { type: 'object' } },
        },
      ],
      tool_choice: { type: 'function', function: { name: 'weather' } },
      stop: ['\n\n'],
      seed: 7,
      max_tokens: 100,
      top_k: 20,
      repetition_penalty: 1.05,
    });
    expect(Object.keys(body).slice(-2)).toEqual(['top_k', 'repetition_penalty']);
  });

  it('always sends enable_thinking to DashScope, false unless thinking', () => {
    expect(dashscopeBody(hello).body.enable_thinking).toBe(false);
    expect(dashscopeBody({ ...hello, thinking: false }).body.enable_thinking).toBe(false);
    expect(dashscopeBody({ ...hello, thinking: true }).body.enable_thinking).toBe(true);
  });

  it('streams with usage when thinking is on, and sends the thinking budget only then', () => {
    const { body, stream } = dashscopeBody({ ...hello, thinking: true, thinkingBudget: 500 });
    expect(stream).toBe(true);
    expect(body).toMatchObject({ stream: true, stream_options: { include_usage: true }, thinking_budget: 500 });
    expect(dashscopeBody({ ...hello, thinkingBudget: 500 }).body).not.toHaveProperty('thinking_budget');
  });

  it('streams on request and not when the request says stream: false', () => {
    expect(dashscopeBody({ ...hello, stream: true }).stream).toBe(true);
    const thinkingWithoutStream = dashscopeBody({ ...hello, thinking: true, stream: false });
    expect(thinkingWithoutStream.stream).toBe(false);
    expect(thinkingWithoutStream.body).not.toHaveProperty('stream');
  });

  it.each([
    [{ type: 'text' } as const, { type: 'text' }],
    [{ type: 'json_object' } as const, { type: 'json_object' }],
    [
      { type: 'json_schema', jsonSchema: { name: 'x', schema: { type: 'object' } } } as const,
      { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object' } } },
    ],
  ])('maps response format %j', (responseFormat, expected) => {
    expect(dashscopeBody({ ...hello, responseFormat }).body.response_format).toEqual(expected);
  });

  it.each(['auto', 'none'] as const)('passes tool choice %s through as a string', (toolChoice) => {
    const body = dashscopeBody({ ...hello, tools: fullRequest.tools!, toolChoice }).body;
    expect(body.tool_choice).toBe(toolChoice);
  });

  it('uses the request model over the client model', () => {
    expect(dashscopeBody({ ...hello, model: 'qwen-flash-2025-07-28' }).body.model).toBe('qwen-flash-2025-07-28');
  });

  it('sends max_completion_tokens once the client switched field', () => {
    const { body } = dashscopeBody(
      { ...hello, maxTokens: 50 },
      { ...dashscope, outputLengthField: 'max_completion_tokens' },
    );
    expect(body).toMatchObject({ max_completion_tokens: 50 });
    expect(body).not.toHaveProperty('max_tokens');
  });

  it('sends enable_thinking to an OpenAI-compatible server only when the request sets thinking', () => {
    expect(buildRequestBody(hello, openAICompatible).body).not.toHaveProperty('enable_thinking');
    expect(buildRequestBody({ ...hello, thinking: false }, openAICompatible).body.enable_thinking).toBe(false);
    const thinking = buildRequestBody({ ...hello, thinking: true }, openAICompatible);
    expect(thinking.stream).toBe(true);
    expect(thinking.body.enable_thinking).toBe(true);
  });

  it('gives Segmind messages and the forwarded fields only: no model, no enable_thinking, no stream', () => {
    const { body, stream } = buildRequestBody(
      { ...hello, temperature: 0, maxTokens: 64, responseFormat: { type: 'json_object' } },
      segmind,
    );
    expect(stream).toBe(false);
    expect(body).toEqual({
      messages: [{ role: 'user', content: 'hello' }],
      temperature: 0,
      response_format: { type: 'json_object' },
      max_tokens: 64,
    });
  });

  it.each([
    ['thinking', { thinking: true }, 'thinking'],
    ['tools', { tools: fullRequest.tools! }, 'tools'],
    ['a tool choice', { toolChoice: 'auto' as const }, 'tools'],
    ['streaming', { stream: true }, 'stream'],
  ])('refuses %s with Segmind before any request', (_name, extra, path) => {
    expect(() => buildRequestBody({ ...hello, ...extra }, segmind)).toThrow(InputError);
    expect(() => buildRequestBody({ ...hello, ...extra }, segmind)).toThrow(
      expect.objectContaining({ path, message: expect.stringContaining('Segmind') }),
    );
  });

  it('refuses a request without messages', () => {
    expect(() => buildRequestBody({ messages: [] }, dashscope)).toThrow(InputError);
  });
});

const schemaPath = new URL('../../test/fixtures/contracts/openai-chat.schema.json', import.meta.url);
const schemaText = readFileSync(schemaPath, 'utf8');

describe('DashScope bodies against OpenAI CreateChatCompletionRequest', () => {
  it('every body built above validates', () => {
    const ajv = new Ajv2020({ strict: false, logger: false });
    ajv.addSchema(JSON.parse(schemaText), 'openai-chat');
    const validate = ajv.getSchema('openai-chat#/$defs/CreateChatCompletionRequest')!;
    expect(validate({ model: 'qwen-flash', messages: [] })).toBe(false);
    expect(dashscopeBodies.length).toBeGreaterThan(10);
    for (const body of dashscopeBodies) {
      const valid = validate(body);
      expect(valid ? [] : validate.errors, JSON.stringify(body)).toEqual([]);
    }
  });
});

const ENDPOINT_URL = 'https://dashscope-intl.aliyuncs.com/compatible-mode/v1/chat/completions';

describe('classifyApiError', () => {
  it.each<[number | undefined, string | undefined, Provider, unknown]>([
    [400, 'invalid_parameter_error', 'dashscope', BadRequestError],
    [400, 'Arrearage', 'dashscope', InsufficientCreditsError],
    [400, 'data_inspection_failed', 'dashscope', ContentFilterError],
    [400, undefined, 'dashscope', BadRequestError],
    [401, 'invalid_api_key', 'dashscope', AuthenticationError],
    [401, undefined, 'segmind', AuthenticationError],
    [403, 'AllocationQuota.FreeTierOnly', 'dashscope', InsufficientCreditsError],
    [403, 'AccessDenied.Unpurchased', 'dashscope', AuthenticationError],
    [404, 'model_not_found', 'dashscope', BadRequestError],
    [404, undefined, 'segmind', BadRequestError],
    [405, undefined, 'segmind', BadRequestError],
    [406, undefined, 'segmind', InsufficientCreditsError],
    [408, undefined, 'dashscope', ApiError],
    [409, undefined, 'dashscope', ApiError],
    [429, 'limit_requests', 'dashscope', RateLimitError],
    [429, 'limit_burst_rate', 'dashscope', RateLimitError],
    [429, 'insufficient_quota', 'dashscope', RateLimitError],
    [429, 'something_new', 'dashscope', RateLimitError],
    [429, undefined, 'segmind', RateLimitError],
    [429, 'PrepaidBillOverdue', 'dashscope', InsufficientCreditsError],
    [429, 'PostpaidBillOverdue', 'dashscope', InsufficientCreditsError],
    [500, 'internal_error', 'dashscope', ServerError],
    [500, 'RequestTimeOut', 'dashscope', ServerError],
    [500, undefined, 'segmind', ServerError],
    [502, undefined, 'dashscope', ServerError],
    [503, 'ModelServingError', 'dashscope', ServerError],
    [503, 'ModelUnavailable', 'dashscope', ServerError],
    [504, undefined, 'dashscope', ServerError],
    [undefined, 'data_inspection_failed', 'dashscope', ContentFilterError],
    [undefined, 'unknown_stream_failure', 'dashscope', ServerError],
  ])('maps %s %s from %s to its class', (status, code, provider, expected) => {
    expect(classifyApiError(status, code, provider)).toBe(expected);
  });
});

describe('parseErrorBody', () => {
  it.each([
    [
      'the DashScope compatible shape',
      '{"error":{"code":"limit_requests","param":null,"message":"Requests rate limit exceeded","type":"limit_requests"},"id":"chatcmpl-1","request_id":"req-1"}',
      {
        code: 'limit_requests',
        message: 'Requests rate limit exceeded',
        requestId: 'req-1',
        completionId: 'chatcmpl-1',
      },
    ],
    [
      'an error object without a code (type used instead)',
      '{"error":{"message":"Bad thing","type":"invalid_request_error"}}',
      { code: 'invalid_request_error', message: 'Bad thing' },
    ],
    ['the Segmind string shape', '{"error":"Not enough credits"}', { message: 'Not enough credits' }],
    [
      'the DashScope native flat shape',
      '{"code":"Arrearage","message":"Access denied, please make sure your account is in good standing.","request_id":"req-2"}',
      {
        code: 'Arrearage',
        message: 'Access denied, please make sure your account is in good standing.',
        requestId: 'req-2',
      },
    ],
    ['a FastAPI detail', '{"detail":"Not Found"}', { message: 'Not Found' }],
    ['an empty body', '', {}],
    ['a blank body', '  \n', {}],
    [
      'an HTML page with a title',
      '<html><head><title>502 Bad Gateway</title></head><body><h1>502</h1></body></html>',
      { message: 'HTML page: 502 Bad Gateway' },
    ],
    [
      'an HTML page without a title',
      '<!DOCTYPE html><html><body><p>Upstream   is down</p></body></html>',
      { message: 'HTML page: Upstream is down' },
    ],
    ['plain text', 'upstream connect error', { message: 'upstream connect error' }],
    [
      'an error framed as a server-sent event',
      'data: {"error":{"code":"data_inspection_failed","message":"Bad input"}}\n\n',
      { code: 'data_inspection_failed', message: 'Bad input' },
    ],
    [
      "DashScope's native SSE error frame, after its id, event and comment lines",
      'id:1\r\nevent:error\r\n:HTTP_STATUS/400\r\ndata:{"code":"Arrearage","request_id":"req-3"}\r\n\r\n',
      { code: 'Arrearage', requestId: 'req-3' },
    ],
  ])('reads %s', (_name, body, expected) => {
    expect(parseErrorBody(body)).toEqual(expected);
  });

  it('shortens very long text', () => {
    expect(parseErrorBody('x'.repeat(5000)).message).toHaveLength(301);
  });
});

describe('mapApiError', () => {
  it('builds "<what failed> (<status> <code>): <provider message> — POST <url>" with the context fields', () => {
    const error = mapApiError({
      status: 429,
      fields: { code: 'limit_requests', message: 'Requests rate limit exceeded', requestId: 'req-1' },
      provider: 'dashscope',
      url: ENDPOINT_URL,
      retryAfterMs: 2000,
    });
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error.message).toBe(
      `Rate limited (429 limit_requests): Requests rate limit exceeded — POST ${ENDPOINT_URL}`,
    );
    expect(error).toMatchObject({
      status: 429,
      code: 'limit_requests',
      requestId: 'req-1',
      provider: 'dashscope',
      retryAfterMs: 2000,
    });
  });

  it.each([
    [400, {}, 'dashscope', `Bad request (400): Bad Request — POST ${ENDPOINT_URL}`],
    [
      406,
      { message: 'Not enough credits' },
      'segmind',
      `Insufficient credits (406): Not enough credits — POST ${ENDPOINT_URL}`,
    ],
    [408, {}, 'dashscope', `Request failed (408): Request Timeout — POST ${ENDPOINT_URL}`],
    [
      undefined,
      { code: 'data_inspection_failed', message: 'Output may contain inappropriate content.' },
      'dashscope',
      `Content filtered (data_inspection_failed, in stream): Output may contain inappropriate content. — POST ${ENDPOINT_URL}`,
    ],
    [undefined, {}, 'dashscope', `Server error (in stream): error event — POST ${ENDPOINT_URL}`],
  ] as const)('words a %s error without all fields', (status, fields, provider, message) => {
    expect(mapApiError({ status, fields, provider, url: ENDPOINT_URL }).message).toBe(message);
  });

  it('names the method it is given instead of POST', () => {
    const error = mapApiError({ status: 404, fields: {}, provider: 'dashscope', url: ENDPOINT_URL, method: 'GET' });
    expect(error.message).toBe(`Bad request (404): Not Found — GET ${ENDPOINT_URL}`);
  });

  it('uses the header request id when the body has none', () => {
    const error = mapApiError({
      status: 500,
      fields: {},
      provider: 'dashscope',
      url: ENDPOINT_URL,
      headerRequestId: 'hdr-1',
    });
    expect(error.requestId).toBe('hdr-1');
  });

  it('redacts a registered key from the message, the code and the request id', () => {
    const key = 'sk-map-api-error-test-0123456789';
    registerSecret(key);
    const error = mapApiError({
      status: 401,
      fields: { code: `bad ${key}`, message: `Incorrect API key provided: ${key}`, requestId: key },
      provider: 'dashscope',
      url: ENDPOINT_URL,
    });
    expect(error).toBeInstanceOf(AuthenticationError);
    for (const view of [error.message, JSON.stringify(error), inspect(error), String(error.stack)]) {
      expect(view).not.toContain(key);
    }
  });
});

describe('parseChatResponse', () => {
  it('reads a DashScope reply without refusal and with a null system_fingerprint', () => {
    const reply = parseChatResponse({
      id: 'chatcmpl-6ada9ed2',
      object: 'chat.completion',
      created: 1735120033,
      model: 'qwen-flash',
      system_fingerprint: null,
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hi' }, finish_reason: 'stop', logprobs: null }],
      usage: {
        prompt_tokens: 3019,
        completion_tokens: 104,
        total_tokens: 3123,
        prompt_tokens_details: { cached_tokens: 2048 },
      },
    });
    expect(reply).toEqual({
      content: 'Hi',
      finishReason: 'stop',
      usage: { promptTokens: 3019, completionTokens: 104, cachedTokens: 2048, totalTokens: 3123 },
      // The completion id is not the provider's request id (issue 13): it is kept apart.
      completionId: 'chatcmpl-6ada9ed2',
    });
  });

  it('prefers request_id over id, keeps reasoning apart, and reads tool calls (numbering those without an id)', () => {
    const reply = parseChatResponse({
      id: 'chatcmpl-1',
      request_id: 'req-1',
      choices: [
        {
          message: {
            content: null,
            reasoning_content: 'thinking…',
            tool_calls: [
              { id: 'call_a', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
              { type: 'function', function: { name: 'time', arguments: { zone: 'UTC' } } },
            ],
          },
          finish_reason: 'tool_calls',
        },
      ],
    });
    expect(reply).toEqual({
      content: '',
      reasoning: 'thinking…',
      finishReason: 'tool_calls',
      toolCalls: [
        { id: 'call_a', name: 'weather', arguments: '{"city":"Paris"}' },
        { id: 'call_1', name: 'time', arguments: '{"zone":"UTC"}' },
      ],
      usage: undefined,
      requestId: 'req-1',
      completionId: 'chatcmpl-1',
    });
  });

  it('joins array content and reads the native output.choices shape', () => {
    const reply = parseChatResponse({
      output: { choices: [{ message: { content: [{ text: 'a' }, { text: 'b' }] }, finish_reason: 'length' }] },
    });
    expect(reply).toMatchObject({ content: 'ab', finishReason: 'length' });
  });

  it('says unknown when the finish reason is missing', () => {
    expect(parseChatResponse({ choices: [{ message: { content: 'x' } }] })?.finishReason).toBe('unknown');
  });

  it.each([null, 'text', {}, { choices: [] }, { choices: [{ text: 'legacy' }] }])('gives up on %j', (body) => {
    expect(parseChatResponse(body)).toBeUndefined();
  });
});

describe('normalizeUsage', () => {
  it.each([
    [{ prompt_tokens: 5 }, { promptTokens: 5, completionTokens: 0, cachedTokens: 0, totalTokens: 5 }],
    [
      { input_tokens: 7, output_tokens: 3, cached_tokens: 2 },
      { promptTokens: 7, completionTokens: 3, cachedTokens: 2, totalTokens: 10 },
    ],
    [
      { prompt_tokens: 1, completion_tokens: 2, total_tokens: 9, prompt_tokens_details: null },
      { promptTokens: 1, completionTokens: 2, cachedTokens: 0, totalTokens: 9 },
    ],
    [{}, { promptTokens: 0, completionTokens: 0, cachedTokens: 0, totalTokens: 0 }],
  ])('normalises %j', (raw, expected) => {
    expect(normalizeUsage(raw)).toEqual(expected);
  });

  it.each([undefined, null, 'usage', [1]])('has no usage for %j', (raw) => {
    expect(normalizeUsage(raw)).toBeUndefined();
  });
});
