import { describe, expect, it } from 'vitest';
import { countWords } from './count-words.js';
import { parseTextReply } from './parse-text-reply.js';
import type { RepairName } from './repair-name.js';

describe('parseTextReply', () => {
  it.each<[string, string, string, RepairName[]]>([
    ['plain text, trimmed', '  Revenue rose 12%.  \n', 'Revenue rose 12%.', []],
    ['text in double quotes', '"Revenue rose."', 'Revenue rose.', ['text-quotes']],
    ['a JSON string with escapes', '"Line one\\nLine two"', 'Line one\nLine two', ['text-quotes']],
    ['text in curly quotes', '“Revenue rose.”', 'Revenue rose.', ['text-quotes']],
    ['text in corner brackets', '「收入增长」', '收入增长', ['text-quotes']],
    ['a fenced text', '```\nRevenue rose.\n```', 'Revenue rose.', ['fence']],
    ['an introductory line', 'Summary:\nRevenue rose.', 'Revenue rose.', ['text-preamble']],
    ['reasoning before the text', '<think>short</think>Revenue rose.', 'Revenue rose.', ['think']],
    ['quotes that do not wrap the whole text', '"Yes," she said, "it rose."', '"Yes," she said, "it rose."', []],
  ])('reads %s', (_name, reply, value, repairs) => {
    expect(parseTextReply(reply)).toEqual({ ok: true, value, repairs });
  });

  it('accepts exactly maxWords words', () => {
    expect(parseTextReply('one two three', { maxWords: 3 })).toMatchObject({ ok: true, value: 'one two three' });
  });

  it.each<[string, string, { maxWords?: number }, string]>([
    [
      'more words than maxWords (never cut silently)',
      'one two three four',
      { maxWords: 3 },
      'The text has 4 words; at most 3 are allowed.',
    ],
    [
      'more CJK characters than maxWords',
      '收入增长了',
      { maxWords: 4 },
      'The text has 5 words; at most 4 are allowed.',
    ],
    ['an empty reply', '   ', {}, 'The reply is empty.'],
    ['empty quotes', '""', {}, 'The reply is empty.'],
  ])('reports %s as an issue', (_name, reply, options, message) => {
    expect(parseTextReply(reply, options)).toEqual({
      ok: false,
      issues: [{ path: [], message }],
      repairs: expect.any(Array),
    });
  });
});

describe('countWords', () => {
  it.each<[string, number]>([
    ['', 0],
    ['Revenue grew 12% in Q3.', 5],
    ['well-known  state-of-the-art', 2],
    ['收入增长了', 5],
    ['Q3 收入 grew', 4],
    ['日本語のテキスト', 8],
    ['한국어 문장', 5],
    [' — ', 0],
  ])('counts %j as %i words', (text, words) => {
    expect(countWords(text)).toBe(words);
  });
});
