import { describe, expect, it } from 'vitest';
import type { RepairName } from './outcome.js';
import { countWords, parseLinesReply, parseTextReply } from './text-reply.js';

describe('parseLinesReply', () => {
  it.each<[string, string, string[], RepairName[]]>([
    ['plain lines', 'Revenue up\nCosts down', ['Revenue up', 'Costs down'], []],
    ['dash bullets', '- Revenue up\n- Costs down', ['Revenue up', 'Costs down'], ['lines-markers']],
    ['star bullets', '* Revenue up\n* Costs down', ['Revenue up', 'Costs down'], ['lines-markers']],
    ['round bullets', '• Revenue up\n• Costs down', ['Revenue up', 'Costs down'], ['lines-markers']],
    ['middle dots', '· Revenue up\n· Costs down', ['Revenue up', 'Costs down'], ['lines-markers']],
    ['numbers with dots', '1. Revenue up\n2. Costs down', ['Revenue up', 'Costs down'], ['lines-markers']],
    ['numbers with parentheses', '1) Revenue up\n2) Costs down', ['Revenue up', 'Costs down'], ['lines-markers']],
    [
      'a preamble line',
      'Here are the key points:\n- Revenue up\n- Costs down',
      ['Revenue up', 'Costs down'],
      ['lines-preamble', 'lines-markers'],
    ],
    [
      'a preamble without bullets',
      'Key points:\nRevenue up\nCosts down',
      ['Revenue up', 'Costs down'],
      ['lines-preamble'],
    ],
    [
      'a closing remark',
      '- Revenue up\n- Costs down\n\nLet me know if you need more.',
      ['Revenue up', 'Costs down'],
      ['lines-markers', 'lines-outro'],
    ],
    [
      'wrapped items',
      '- Revenue rose\n  sharply in Q3\n- Costs down',
      ['Revenue rose sharply in Q3', 'Costs down'],
      ['lines-markers'],
    ],
    ['blank lines between items', '- Revenue up\n\n- Costs down', ['Revenue up', 'Costs down'], ['lines-markers']],
    ['a negative number that is not a bullet', '-5% margin\n+3% sales', ['-5% margin', '+3% sales'], []],
    ['a fenced list', '```\n- a\n- b\n```', ['a', 'b'], ['fence', 'lines-markers']],
    ['a JSON array of strings', '["a", "b"]', ['a', 'b'], ['lines-json']],
    ['reasoning before the list', '<think>hmm</think>- a', ['a'], ['think', 'lines-markers']],
  ])('reads %s', (_name, reply, value, repairs) => {
    expect(parseLinesReply(reply)).toEqual({ ok: true, value, repairs });
  });

  it.each<[string, string, string[], RepairName[]]>([
    [
      'a {"bullets": [...]} object',
      '{"bullets": ["Revenue up", "Costs down"]}',
      ['Revenue up', 'Costs down'],
      ['lines-json'],
    ],
    [
      'a fenced {"bullets": [...]} object',
      '```json\n{"bullets": ["a", "b"]}\n```',
      ['a', 'b'],
      ['fence', 'lines-json'],
    ],
    ['an object with one list of strings under any key', '{"key_points": ["a", "b"]}', ['a', 'b'], ['lines-json']],
    ['a bare array of strings with a trailing comma', '["a", "b",]', ['a', 'b'], ['lines-json']],
  ])('reads a bullet summary answered as JSON: %s', (_name, reply, value, repairs) => {
    expect(parseLinesReply(reply)).toEqual({ ok: true, value, repairs });
  });

  it('reads the bullets of an object that has other fields too', () => {
    expect(parseLinesReply('{"title": "Q3", "bullets": ["a"]}')).toEqual({
      ok: true,
      value: ['a'],
      repairs: ['lines-json'],
    });
  });

  it('does not pick one of two lists of unknown names: the reply stays one line', () => {
    const reply = '{"pros": ["a"], "cons": ["b"]}';
    expect(parseLinesReply(reply)).toEqual({ ok: true, value: [reply], repairs: [] });
  });

  it('accepts exactly maxItems items', () => {
    expect(parseLinesReply('- a\n- b', { maxItems: 2 })).toMatchObject({ ok: true, value: ['a', 'b'] });
  });

  it.each<[string, string, { maxItems?: number }, string]>([
    [
      'more items than maxItems (never cut silently)',
      '- a\n- b\n- c',
      { maxItems: 2 },
      'The list has 3 items; at most 2 are allowed.',
    ],
    ['an empty reply', ' \n ', {}, 'The reply holds no list items.'],
    ['a preamble with no items', 'Here are the key points:', {}, 'The reply holds no list items.'],
  ])('reports %s as an issue', (_name, reply, options, message) => {
    const outcome = parseLinesReply(reply, options);
    expect(outcome).toEqual({ ok: false, issues: [{ path: [], message }], repairs: expect.any(Array) });
  });
});

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
