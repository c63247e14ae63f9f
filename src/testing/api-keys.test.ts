import { describe, expect, it } from 'vitest';
import { postJson } from '../../test/helpers/post-json.js';
import { useMockPerTest } from '../../test/helpers/use-mock-per-test.js';

const start = useMockPerTest();

const hello = { model: 'qwen-flash', messages: [{ role: 'user', content: 'Hello there' }] };

describe('startMockQwen API keys', () => {
  it.each([
    ['a missing key', {}],
    ['a wrong key', { authorization: 'Bearer sk-wrong-key' }],
  ])('refuses %s on the DashScope route with invalid_api_key', async (_case, headers) => {
    const server = await start({ apiKey: 'sk-right-key' });
    const response = await postJson(`${server.baseURL}/chat/completions`, hello, headers);
    expect(response.status).toBe(401);
    expect(response.json.error).toMatchObject({ code: 'invalid_api_key', param: null, type: 'invalid_request_error' });
    expect(response.json.request_id).toBe(response.headers.get('x-request-id'));
  });

  it('refuses a wrong x-api-key on the Segmind routes with a string error', async () => {
    const server = await start({ apiKey: 'sk-right-key' });
    const chat = await postJson(server.segmindURL, hello, { 'x-api-key': 'sk-wrong' });
    expect([chat.status, typeof chat.json.error]).toEqual([401, 'string']);
    expect(chat.headers.get('x-remaining-credits')).toBe('100');
    const credits = await fetch(`${server.url}/v1/get-user-credits`, { headers: { 'x-api-key': 'nope' } });
    expect(credits.status).toBe(401);
  });

  it('accepts the configured key on both routes', async () => {
    const server = await start({ apiKey: 'sk-right-key' });
    const dashscope = await postJson(`${server.baseURL}/chat/completions`, hello, {
      authorization: 'Bearer sk-right-key',
    });
    const segmind = await postJson(server.segmindURL, hello, { 'x-api-key': 'sk-right-key' });
    expect([dashscope.status, segmind.status]).toEqual([200, 200]);
  });

  it('never keeps a key in the records: headers and body are redacted, keyPresented is hidden', async () => {
    const server = await start({ apiKey: 'sk-secret-123' });
    const body = { messages: [{ role: 'user', content: 'my key is sk-secret-123 and sk-other-456789' }] };
    await postJson(`${server.baseURL}/chat/completions`, body, { authorization: 'Bearer sk-other-456789' });
    await postJson(
      server.segmindURL,
      { messages: [{ role: 'user', content: 'sk-secret-123' }] },
      { 'x-api-key': 'sk-secret-123' },
    );
    const [dashscope, segmind] = server.requests;
    expect(dashscope?.headers.authorization).toBe('[redacted]');
    expect(segmind?.headers['x-api-key']).toBe('[redacted]');
    const printed = JSON.stringify(server.requests);
    expect(printed).not.toContain('sk-secret-123');
    expect(printed).not.toContain('sk-other-456789');
    expect(dashscope?.messages[0]?.content).toBe('my key is [redacted] and [redacted]');
    expect(dashscope?.keyPresented).toBe('sk-other-456789');
    expect(Object.keys(dashscope ?? {})).not.toContain('keyPresented');
  });
});
