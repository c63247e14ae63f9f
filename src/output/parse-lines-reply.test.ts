import { describe, expect, it } from 'vitest';
import { parseLinesReply } from './parse-lines-reply.js';
import type { RepairName } from './repair-name.js';

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
