import { describe, expect, it } from 'vitest';
import { normalizeUsage } from './normalize-usage.js';
import { parseChatResponse } from './parse-chat-response.js';

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
      requestId: 'chatcmpl-6ada9ed2',
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
