import { describe, expect, it } from 'vitest';
import { readSse } from './read-sse.js';

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
