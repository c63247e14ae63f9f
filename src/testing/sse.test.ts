import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { parseEvents } from '../../test/helpers/sse-events.js';
import { useMockPerTest } from '../../test/helpers/use-mock-per-test.js';
import type { MockQwen } from './index.js';

const start = useMockPerTest();

const streamed = {
  model: 'qwen-flash',
  messages: [{ role: 'user', content: 'Hello there' }],
  stream: true,
  stream_options: { include_usage: true },
};

type Chunk = { choices: { delta: Record<string, unknown>; finish_reason: string | null }[]; usage: unknown };

async function stream(server: MockQwen, body: unknown = streamed) {
  const response = await request(`${server.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return response;
}

describe('streaming', () => {
  it('sends a role chunk, content pieces, a finish chunk, a usage chunk and [DONE]', async () => {
    const server = await start({ reply: 'The quick brown fox jumps' });
    const response = await stream(server);
    expect(response.headers['content-type']).toBe('text/event-stream;charset=UTF-8');
    const events = parseEvents(await response.body.text());
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1) as Chunk[];
    expect(chunks[0]?.choices[0]?.delta).toEqual({ role: 'assistant', content: '' });
    const content = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
    expect(content).toBe('The quick brown fox jumps');
    expect(chunks.filter((chunk) => typeof chunk.choices[0]?.delta.content === 'string').length).toBeGreaterThan(2);
    expect(chunks.at(-2)?.choices[0]).toMatchObject({ delta: {}, finish_reason: 'stop' });
    expect(chunks.at(-1)).toMatchObject({
      object: 'chat.completion.chunk',
      model: 'qwen-flash',
      choices: [],
      usage: { prompt_tokens: 3, completion_tokens: 7, total_tokens: 10 },
    });
  });

  it('leaves out the usage chunk unless include_usage is set', async () => {
    const server = await start({ reply: 'hi' });
    const events = parseEvents(await (await stream(server, { ...streamed, stream_options: undefined })).body.text());
    expect(events.slice(0, -1).every((chunk) => (chunk as Chunk).choices.length === 1)).toBe(true);
  });

  it('streams the reasoning before the content', async () => {
    const server = await start({ reply: { reasoning: 'let me think', content: 'done' } });
    const chunks = parseEvents(await (await stream(server, { ...streamed, enable_thinking: true })).body.text()).slice(
      0,
      -1,
    ) as Chunk[];
    const deltas = chunks.map((chunk) => chunk.choices[0]?.delta ?? {});
    const reasoning = deltas.map((delta) => delta.reasoning_content ?? '').join('');
    const firstContent = deltas.findIndex((delta) => typeof delta.content === 'string' && delta.content !== '');
    const lastReasoning = deltas.findLastIndex((delta) => delta.reasoning_content !== undefined);
    expect(reasoning).toBe('let me think');
    expect(lastReasoning).toBeLessThan(firstContent);
  });

  it('splits tool-call arguments across index-based chunks', async () => {
    const server = await start({
      reply: { toolCalls: [{ id: 'call_a', name: 'save', arguments: '{"name":"Ada","age":36}' }] },
    });
    const chunks = parseEvents(await (await stream(server)).body.text()).slice(0, -1) as Chunk[];
    const calls = chunks.flatMap((chunk) => (chunk.choices[0]?.delta.tool_calls ?? []) as Record<string, unknown>[]);
    expect(calls[0]).toEqual({ index: 0, id: 'call_a', type: 'function', function: { name: 'save', arguments: '' } });
    expect(calls.length).toBeGreaterThan(2);
    expect(calls.every((call) => call.index === 0)).toBe(true);
    const joined = calls.map((call) => (call.function as { arguments: string }).arguments).join('');
    expect(JSON.parse(joined)).toEqual({ name: 'Ada', age: 36 });
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe('tool_calls');
  });

  it('ignores stream on the Segmind route', async () => {
    const server = await start({ reply: 'hi' });
    const response = await request(server.segmindURL, { method: 'POST', body: JSON.stringify(streamed) });
    expect(response.headers['content-type']).toBe('application/json');
    expect((await response.body.json()) as object).toMatchObject({ object: 'chat.completion' });
  });
});

describe('streaming faults', () => {
  it('cuts the stream after some chunks, without [DONE]', async () => {
    const server = await start({ reply: 'The quick brown fox jumps', faults: [{ type: 'sse-cut' }] });
    const response = await stream(server);
    expect(response.statusCode).toBe(200);
    const received: string[] = [];
    await expect(
      (async () => {
        for await (const piece of response.body) received.push(String(piece));
      })(),
    ).rejects.toThrow();
    expect(received.join('')).toContain('"role":"assistant"');
    expect(received.join('')).not.toContain('[DONE]');
  });

  it('sends an error event after some chunks and ends the stream', async () => {
    const server = await start({
      reply: 'The quick brown fox jumps',
      faults: [{ type: 'sse-error', code: 'data_inspection_failed', message: 'blocked' }],
    });
    const events = parseEvents(await (await stream(server)).body.text());
    expect(events.length).toBeGreaterThan(1);
    expect(events.at(-1)).toEqual({ error: { code: 'data_inspection_failed', message: 'blocked' } });
    expect(events).not.toContain('[DONE]');
  });

  it('turns sse-error on a non-streaming request into a 500 with that code', async () => {
    const server = await start({ faults: [{ type: 'sse-error' }] });
    const response = await stream(server, { ...streamed, stream: false });
    expect(response.statusCode).toBe(500);
    expect(((await response.body.json()) as { error: { code: string } }).error.code).toBe('data_inspection_failed');
  });

  it('delivers the refusal of a streaming request whole despite sse-error', async () => {
    const server = await start({ apiKey: 'sk-right-key', faults: [{ type: 'sse-error' }] });
    const response = await stream(server);
    expect(response.statusCode).toBe(401);
    expect(((await response.body.json()) as { error: { code: string } }).error.code).toBe('invalid_api_key');
  });

  it('survives a client that leaves in the middle of a stream', async () => {
    const server = await start({ reply: 'x'.repeat(10_000), faults: [{ type: 'slow-body', delayMs: 50 }] });
    const controller = new AbortController();
    const response = await request(`${server.baseURL}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify(streamed),
      signal: controller.signal,
    });
    controller.abort();
    await expect(response.body.text()).rejects.toThrow();
    expect((await stream(server)).statusCode).toBe(200);
  });
});
