import { describe, expect, it } from 'vitest';
import { useMockPerTest } from '../../test/helpers/use-mock-per-test.js';

const start = useMockPerTest();

async function post(url: string, body: unknown) {
  const response = await fetch(url, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: response.status, json: (await response.json()) as { error: { message: string } } };
}

const user = (content: string) => ({ role: 'user', content });
const jsonWord =
  "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.";

describe('the checks DashScope makes', () => {
  it.each([
    {
      name: 'JSON mode without the word json',
      body: { messages: [user('Give me an object')], response_format: { type: 'json_object' } },
      message: jsonWord,
    },
    {
      name: 'JSON mode with the word only in an assistant message',
      body: {
        messages: [{ role: 'assistant', content: 'json' }, user('hi')],
        response_format: { type: 'json_object' },
      },
      message: jsonWord,
    },
    {
      name: 'thinking on a non-streaming call',
      body: { messages: [user('hi')], enable_thinking: true },
      message: 'parameter.enable_thinking must be set to false for non-streaming calls',
    },
    {
      name: 'thinking with JSON mode',
      body: { messages: [user('json')], enable_thinking: true, stream: true, response_format: { type: 'json_object' } },
      message: expect.stringContaining('enable_thinking'),
    },
    {
      name: 'tool_choice "required"',
      body: { messages: [user('hi')], tool_choice: 'required' },
      message: expect.stringContaining('required'),
    },
    { name: 'a body that is not JSON', body: '{oops', message: expect.stringContaining('JSON') },
    { name: 'a body without messages', body: { model: 'qwen-flash' }, message: expect.stringContaining("'messages'") },
    { name: 'an empty messages array', body: { messages: [] }, message: expect.stringContaining("'messages'") },
  ])('refuses $name with 400 invalid_parameter_error', async ({ body, message }) => {
    const server = await start();
    const response = await post(`${server.baseURL}/chat/completions`, body);
    expect(response.status).toBe(400);
    expect(response.json.error).toEqual({
      code: 'invalid_parameter_error',
      param: null,
      message,
      type: 'invalid_request_error',
    });
  });

  it.each([
    [
      'JSON mode with "JSON" in the system message',
      {
        messages: [{ role: 'system', content: 'Answer in JSON.' }, user('hi')],
        response_format: { type: 'json_object' },
      },
    ],
    [
      'JSON mode with "json" in a multi-part user message',
      {
        messages: [{ role: 'user', content: [{ type: 'text', text: 'as json' }] }],
        response_format: { type: 'json_object' },
      },
    ],
    [
      'a json_schema format without the word',
      { messages: [user('hi')], response_format: { type: 'json_schema', json_schema: { name: 'x', schema: {} } } },
    ],
    ['thinking on a streaming call', { messages: [user('hi')], enable_thinking: true, stream: true }],
    ['thinking explicitly off', { messages: [user('hi')], enable_thinking: false }],
    ['max_tokens when it is not refused', { messages: [user('hi')], max_tokens: 10 }],
  ])('accepts %s', async (_name, body) => {
    const server = await start();
    expect(
      (await fetch(`${server.baseURL}/chat/completions`, { method: 'POST', body: JSON.stringify(body) })).status,
    ).toBe(200);
  });

  it('refuses max_tokens with a message naming it when rejectMaxTokens is set', async () => {
    const server = await start({ rejectMaxTokens: true });
    const refused = await post(`${server.baseURL}/chat/completions`, { messages: [user('hi')], max_tokens: 10 });
    const accepted = await post(`${server.baseURL}/chat/completions`, {
      messages: [user('hi')],
      max_completion_tokens: 10,
    });
    expect(refused.status).toBe(400);
    expect(refused.json.error.message).toContain("'max_tokens'");
    expect(refused.json.error.message).not.toContain('max_completion_tokens');
    expect(accepted.status).toBe(200);
  });

  it('refuses max_completion_tokens with a message naming it when rejectMaxCompletionTokens is set', async () => {
    const server = await start({ rejectMaxCompletionTokens: true });
    const refused = await post(`${server.baseURL}/chat/completions`, {
      messages: [user('hi')],
      max_completion_tokens: 10,
    });
    expect(refused.status).toBe(400);
    expect(refused.json.error.message).toContain("'max_completion_tokens'");
  });

  it('only checks the body shape on the Segmind route, answering in its string form', async () => {
    const server = await start({ rejectMaxTokens: true });
    const loose = await post(server.segmindURL, {
      messages: [user('hi')],
      enable_thinking: true,
      max_tokens: 5,
      response_format: { type: 'json_object' },
    });
    const broken = await post(server.segmindURL, { prompt: 'hi' });
    expect(loose.status).toBe(200);
    expect(broken).toEqual({ status: 400, json: { error: "'messages' is required and must be a non-empty array." } });
  });
});
