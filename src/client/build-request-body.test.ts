import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { InputError } from '../errors.js';
import { type BodySettings, buildRequestBody } from './build-request-body.js';
import type { ChatRequest } from './types.js';

const dashscope: BodySettings = { provider: 'dashscope', model: 'qwen-flash', outputLengthField: 'max_tokens' };
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

const schemaPath = new URL('../../../shared/contracts/openai-chat.schema.json', import.meta.url);
const schemaText = (() => {
  try {
    return readFileSync(schemaPath, 'utf8');
  } catch {
    return undefined;
  }
})();

describe('DashScope bodies against OpenAI CreateChatCompletionRequest', () => {
  it.skipIf(schemaText === undefined)('every body built above validates', () => {
    const ajv = new Ajv2020({ strict: false, logger: false });
    ajv.addSchema(JSON.parse(schemaText!), 'openai-chat');
    const validate = ajv.getSchema('openai-chat#/$defs/CreateChatCompletionRequest')!;
    expect(validate({ model: 'qwen-flash', messages: [] })).toBe(false);
    expect(dashscopeBodies.length).toBeGreaterThan(10);
    for (const body of dashscopeBodies) {
      const valid = validate(body);
      expect(valid ? [] : validate.errors, JSON.stringify(body)).toEqual([]);
    }
  });
});
