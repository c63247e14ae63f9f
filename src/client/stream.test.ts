import { describe, expect, it } from 'vitest';
import { ConnectionError, ContentFilterError } from '../errors.js';
import { mapApiError } from './api-errors.js';
import { createStreamAssembler, readSse, STREAM_CUT } from './stream.js';

async function events(chunks: string[]): Promise<string[]> {
  const encoder = new TextEncoder();
  async function* source() {
    for (const chunk of chunks) yield encoder.encode(chunk);
  }
  const result: string[] = [];
  for await (const data of readSse(source())) result.push(data);
  return result;
}

describe('readSse', () => {
  it.each([
    ['one event per blank line', ['data: a\n\ndata: b\n\n'], ['a', 'b']],
    [
      'events split across chunks anywhere',
      ['da', 'ta: {"x"', ':1}\n', '\nda', 'ta: [DONE]\n\n'],
      ['{"x":1}', '[DONE]'],
    ],
    ['CRLF line ends, even split between chunks', ['data: a\r', '\n\r\n', 'data: b\r\n\r\n'], ['a', 'b']],
    ['CR line ends', ['data: a\r\rdata: b\r\r'], ['a', 'b']],
    ['data without the space', ['data:a\n\n'], ['a']],
    ['multi-line data joined by a newline', ['data: a\ndata: b\n\n'], ['a\nb']],
    ['comments, event and id fields skipped', [': keep-alive\n\nevent: message\nid: 1\ndata: a\n\n'], ['a']],
    ['a last event without its blank line', ['data: a\n\ndata: b'], ['a', 'b']],
    ['an empty stream', [], []],
  ])('reads %s', async (_name, chunks, expected) => {
    expect(await events(chunks)).toEqual(expected);
  });

  it('decodes multi-byte characters split between chunks', async () => {
    const bytes = new TextEncoder().encode('data: héllo 你好\n\n');
    async function* source() {
      yield bytes.slice(0, 8);
      yield bytes.slice(8, 15);
      yield bytes.slice(15);
    }
    const result: string[] = [];
    for await (const data of readSse(source())) result.push(data);
    expect(result).toEqual(['héllo 你好']);
  });
});

function assembler() {
  return createStreamAssembler({
    provider: 'dashscope',
    mapError: (fields) => mapApiError({ status: undefined, fields, provider: 'dashscope', url: 'http://x/chat' }),
  });
}

const chunk = (delta: Record<string, unknown>, finishReason: string | null = null) =>
  JSON.stringify({
    id: 'chatcmpl-1',
    model: 'qwen-flash',
    choices: [{ index: 0, delta, finish_reason: finishReason }],
  });

const usageChunk = JSON.stringify({
  id: 'chatcmpl-1',
  choices: [],
  usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15, prompt_tokens_details: { cached_tokens: 4 } },
});

describe('createStreamAssembler', () => {
  it('assembles content, reasoning, finish reason and the usage of the last chunk', () => {
    const stream = assembler();
    for (const data of [
      chunk({ role: 'assistant', content: '', reasoning_content: 'Let me ' }),
      chunk({ reasoning_content: 'think.' }),
      chunk({ content: '{"a":' }),
      chunk({ content: '1}' }, 'stop'),
      usageChunk,
      '[DONE]',
    ]) {
      stream.push(data);
    }
    const { reply, raw } = stream.finish();
    expect(reply).toEqual({
      content: '{"a":1}',
      reasoning: 'Let me think.',
      finishReason: 'stop',
      usage: { promptTokens: 10, completionTokens: 5, cachedTokens: 4, totalTokens: 15 },
      // The chunks' id is the completion id, kept apart from the provider's request id (issue 13).
      completionId: 'chatcmpl-1',
    });
    expect(raw).toMatchObject({
      object: 'chat.completion',
      model: 'qwen-flash',
      choices: [{ message: { content: '{"a":1}', reasoning_content: 'Let me think.' }, finish_reason: 'stop' }],
    });
  });

  it('joins tool-call argument fragments by index', () => {
    const stream = assembler();
    stream.push(
      chunk({
        tool_calls: [
          { index: 0, id: 'call_a', type: 'function', function: { name: 'weather', arguments: '{"ci' } },
          { index: 1, id: 'call_b', type: 'function', function: { name: 'time', arguments: '' } },
        ],
      }),
    );
    stream.push(chunk({ tool_calls: [{ index: 1, id: '', function: { arguments: '{"zone":"UTC"}' } }] }));
    stream.push(
      chunk({ tool_calls: [{ index: 0, function: { name: null, arguments: 'ty":"Paris"}' } }] }, 'tool_calls'),
    );
    stream.push('[DONE]');
    expect(stream.finish().reply.toolCalls).toEqual([
      { id: 'call_a', name: 'weather', arguments: '{"city":"Paris"}' },
      { id: 'call_b', name: 'time', arguments: '{"zone":"UTC"}' },
    ]);
  });

  it('never mixes reasoning into content, also when a server calls it "reasoning"', () => {
    const stream = assembler();
    stream.push(chunk({ reasoning: 'hmm' }));
    stream.push(chunk({ content: 'yes' }, 'stop'));
    expect(stream.finish().reply).toMatchObject({ content: 'yes', reasoning: 'hmm' });
  });

  it('throws the mapped error of an error event, keeping the usage seen before it', () => {
    const stream = assembler();
    stream.push(chunk({ content: 'partial' }));
    stream.push(usageChunk);
    expect(() =>
      stream.push(JSON.stringify({ error: { code: 'data_inspection_failed', message: 'Output inappropriate' } })),
    ).toThrow(ContentFilterError);
    expect(stream.usage).toEqual({ promptTokens: 10, completionTokens: 5, cachedTokens: 4, totalTokens: 15 });
  });

  it('accepts a stream with a finish reason but no [DONE]', () => {
    const stream = assembler();
    stream.push(chunk({ content: 'ok' }, 'length'));
    expect(stream.finish().reply.finishReason).toBe('length');
  });

  it('treats a stream without [DONE] and without a finish reason as a retryable cut', () => {
    const stream = assembler();
    stream.push(chunk({ content: 'half' }));
    expect(() => stream.finish()).toThrow(expect.objectContaining({ name: 'ConnectionError', code: STREAM_CUT }));
  });

  it('treats an event with invalid JSON as a cut', () => {
    expect(() => assembler().push('{"choices":[{"del')).toThrow(ConnectionError);
  });

  it('ignores events after [DONE]', () => {
    const stream = assembler();
    stream.push(chunk({ content: 'a' }, 'stop'));
    stream.push('[DONE]');
    stream.push('not json');
    expect(stream.finish().reply.content).toBe('a');
  });
});
