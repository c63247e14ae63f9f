import { describe, expect, it } from 'vitest';
import { seededRandom } from '../seeded-random.js';
import { createPartialReader, type PartialKind } from './partial.js';
import { parseLinesReply } from './text-reply.js';

/** Splits `text` into deltas of random lengths (1 to `maxLength`), never inside a surrogate pair. */
function randomSplit(text: string, seed: number, maxLength = 12): string[] {
  const random = seededRandom(seed);
  const deltas: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(text.length, start + 1 + Math.floor(random() * maxLength));
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) {
      end++;
    }
    deltas.push(text.slice(start, end));
    start = end;
  }
  return deltas;
}

/** Splits `text` into deltas of `size` characters (a surrogate pair kept whole). */
function fixedSplit(text: string, size: number): string[] {
  const deltas: string[] = [];
  let delta = '';
  for (const character of text) {
    delta += character;
    if (delta.length >= size) {
      deltas.push(delta);
      delta = '';
    }
  }
  return delta === '' ? deltas : [...deltas, delta];
}

interface Received {
  value: unknown;
  clone: unknown;
}

/** Pushes every delta; returns each partial returned, with a deep clone taken when it was received. */
function readAll(kind: PartialKind, deltas: readonly string[]): Received[] {
  const reader = createPartialReader(kind);
  const received: Received[] = [];
  for (const delta of deltas) {
    const value = reader.push(delta);
    if (value !== undefined) {
      received.push({ value, clone: structuredClone(value) });
      expect(reader.value).toBe(value);
    }
  }
  return received;
}

/** Whether `b` only adds to `a`: every key and item of `a` is in `b` with a value that grows; scalars are equal. */
function isGrowth(a: unknown, b: unknown): boolean {
  if (Array.isArray(a)) {
    return Array.isArray(b) && b.length >= a.length && a.every((item, index) => isGrowth(item, b[index]));
  }
  if (typeof a === 'object' && a !== null) {
    if (typeof b !== 'object' || b === null || Array.isArray(b)) {
      return false;
    }
    const after = b as Record<string, unknown>;
    return Object.entries(a).every(([key, value]) => Object.hasOwn(after, key) && isGrowth(value, after[key]));
  }
  return Object.is(a, b);
}

/** Whether the text `b` only adds to the text `a`. */
const isLongerText = (a: unknown, b: unknown): boolean => typeof b === 'string' && b.startsWith(String(a));

/** The contract every sequence of partials keeps: new values, growing, never repeated, never changed later. */
function expectContract(received: readonly Received[], grows = isGrowth): void {
  for (let index = 1; index < received.length; index++) {
    const before = received[index - 1]!.value;
    const after = received[index]!.value;
    expect(after).not.toBe(before);
    expect(after).not.toEqual(before);
    expect(grows(before, after), `partial ${index} grows from the one before`).toBe(true);
  }
  for (const { value, clone } of received) {
    expect(value).toEqual(clone);
    expect(Object.isFrozen(value) && typeof value === 'object').toBe(false);
  }
}

/** Whether every item of `coarse` appears in `fine`, in order (each compared as JSON). */
function isSubsequence(coarse: readonly unknown[], fine: readonly unknown[]): boolean {
  let next = 0;
  for (const value of fine) {
    if (next < coarse.length && JSON.stringify(value) === JSON.stringify(coarse[next])) {
      next++;
    }
  }
  return next === coarse.length;
}

/** How many values `value` holds, itself included: every container and every scalar. */
function countValues(value: unknown): number {
  return typeof value === 'object' && value !== null
    ? 1 + Object.values(value).reduce<number>((sum, child) => sum + countValues(child), 0)
    : 1;
}

/** Representative replies, each with the JSON part it holds. */
const JSON_REPLIES: readonly (readonly [string, string])[] = [
  ['{"name": "Ada", "age": 36}', '{"name": "Ada", "age": 36}'],
  ['[1, 2, 3]', '[1, 2, 3]'],
  ['{"a": {"b": {"c": [1, [2, [3, {}]], []]}}, "d": []}', '{"a": {"b": {"c": [1, [2, [3, {}]], []]}}, "d": []}'],
  [
    '{"s": "line\\nbreak \\"quoted\\" back\\\\slash \\/ \\t\\b\\f\\r end"}',
    '{"s": "line\\nbreak \\"quoted\\" back\\\\slash \\/ \\t\\b\\f\\r end"}',
  ],
  ['{"e": "caf\\u00e9 \\ud83d\\ude00 \\u4E2D\\u0000"}', '{"e": "caf\\u00e9 \\ud83d\\ude00 \\u4E2D\\u0000"}'],
  [
    '{"中文": "收入增长了 😀", "emoji": ["🎉", "é", "\\ud83c\\udf89"]}',
    '{"中文": "收入增长了 😀", "emoji": ["🎉", "é", "\\ud83c\\udf89"]}',
  ],
  [
    '[0, -0, -1.5e+10, 3.25, 1E-7, 12345678901234567890, 0.5e2, -12]',
    '[0, -0, -1.5e+10, 3.25, 1E-7, 12345678901234567890, 0.5e2, -12]',
  ],
  [
    '{"t": true, "f": false, "n": null, "list": [true,false,null], "x": 1}',
    '{"t": true, "f": false, "n": null, "list": [true,false,null], "x": 1}',
  ],
  ['```json\n{"a": 1, "b": "two"}\n```', '{"a": 1, "b": "two"}'],
  [
    'Here is the result:\n\n{"ok": true, "count": 3}\n\nLet me know if you need anything else [or not].',
    '{"ok": true, "count": 3}',
  ],
  ['<think>The user wants {"x": 1}, maybe [].</think>\n\n{"answer": "yes"}', '{"answer": "yes"}'],
  ['{{"a": 1, "b": [1, 2]}}', '{"a": 1, "b": [1, 2]}'],
  ['{ \n {"a": {"b": 2}} \n}', '{"a": {"b": 2}}'],
  ['  {\n  "a" :\t[ 1 ,\r\n 2 ] ,\n "b" : { }\n}\n', '{"a": [1, 2], "b": {}}'],
  ['[[], {}, [[]], [{}]]', '[[], {}, [[]], [{}]]'],
  [
    '[{"id": 1, "tags": ["a", "b"]}, {"id": 2, "tags": []}, {"id": 3.5e-1}]',
    '[{"id": 1, "tags": ["a", "b"]}, {"id": 2, "tags": []}, {"id": 3.5e-1}]',
  ],
  ['{"code": "if (x) { return [1]; }", "q": "}]\\"{["}', '{"code": "if (x) { return [1]; }", "q": "}]\\"{["}'],
  ['{"": "", "k": "", "e": [""]}', '{"": "", "k": "", "e": [""]}'],
  ['[[[[[[[[1, [true]]]]]]]]]', '[[[[[[[[1, [true]]]]]]]]]'],
  ['Sure!\n```json\n{{"summary": "ok", "n": -1.5e+10}}\n```\nDone.', '{"summary": "ok", "n": -1.5e+10}'],
  [`{"long": "${'abc\\"def '.repeat(40)}", "z": [null]}`, `{"long": "${'abc\\"def '.repeat(40)}", "z": [null]}`],
];

describe('createPartialReader: json', () => {
  it.each(JSON_REPLIES)('keeps the contract for every split of %j', (reply, json) => {
    const expected: unknown = JSON.parse(json);
    const splits = [
      fixedSplit(reply, 1),
      [reply],
      ...Array.from({ length: 30 }, (_, seed) => randomSplit(reply, seed)),
    ];
    for (const deltas of splits) {
      const received = readAll('json', deltas);
      expect(received.at(-1)?.value).toEqual(expected);
      expectContract(received);
    }
  });

  it('gives the same partials whatever the chunk size (modulo coalescing)', () => {
    for (const [reply] of JSON_REPLIES) {
      const fine = readAll('json', fixedSplit(reply, 1)).map(({ value }) => value);
      for (const size of [2, 3, 7, 1000]) {
        const coarse = readAll('json', fixedSplit(reply, size)).map(({ value }) => value);
        expect(coarse.at(-1)).toEqual(fine.at(-1));
        expect(isSubsequence(coarse, fine), `${size}-character deltas of ${reply}`).toBe(true);
      }
    }
  });

  it('reads a long reply in 1- and 1000-character deltas alike, one partial per value', () => {
    const items = Array.from({ length: 5000 }, (_, index) => ({
      id: index,
      title: `Item ${index}: ${'é'.repeat(index % 7)}`,
      body: `Line one\nline "two" of item ${index}, with a few more words to fill it.`,
      tags: ['alpha', 'beta'],
    }));
    const reply = `\`\`\`json\n${JSON.stringify({ items, done: true }, null, 1)}\n\`\`\``;
    expect(reply.length).toBeGreaterThan(400_000);
    const expected = { items, done: true };
    const run = (size: number) => {
      const reader = createPartialReader('json');
      let partials = 0;
      let shared = true;
      let previous: { items?: unknown[] } | undefined;
      for (const delta of fixedSplit(reply, size)) {
        const value = reader.push(delta) as { items?: unknown[] } | undefined;
        if (value !== undefined) {
          partials++;
          // A finished item is shared from one partial to the next, never copied.
          shared &&= (previous?.items?.length ?? 0) < 2 || value.items?.[0] === previous?.items?.[0];
          previous = value;
        }
      }
      return { partials, shared, value: reader.value };
    };
    const fine = run(1);
    // With one character per delta a push completes at most one value: one partial per value, no more.
    expect(fine.partials).toBe(countValues(expected));
    expect(fine.shared).toBe(true);
    expect(fine.value).toEqual(expected);
    const coarse = run(1000);
    expect(coarse.partials).toBeLessThanOrEqual(Math.ceil(reply.length / 1000));
    expect(coarse.shared).toBe(true);
    expect(coarse.value).toEqual(expected);
  });

  it('holds a string back until its closing quote, and a key until its value starts', () => {
    const reader = createPartialReader('json');
    expect(reader.value).toBeUndefined();
    expect(reader.push('{"title": "Hel')).toEqual({});
    expect(reader.push('lo wor')).toBeUndefined();
    expect(reader.push('ld", "list"')).toEqual({ title: 'Hello world' });
    expect(reader.push(': ')).toBeUndefined();
    expect(reader.push('[')).toEqual({ title: 'Hello world', list: [] });
    expect(reader.push('{"x"')).toEqual({ title: 'Hello world', list: [{}] });
    expect(reader.push(':{')).toEqual({ title: 'Hello world', list: [{ x: {} }] });
  });

  it('holds a number back until a delimiter ends it, and shows a literal once complete', () => {
    const reader = createPartialReader('json');
    expect(reader.push('[12')).toEqual([]);
    expect(reader.push('3.5')).toBeUndefined();
    expect(reader.push('e1 ')).toEqual([1235]);
    expect(reader.push(',-4')).toBeUndefined();
    expect(reader.push(']')).toEqual([1235, -4]);
    const literals = createPartialReader('json');
    literals.push('{"a": tr');
    expect(literals.push('u')).toBeUndefined();
    expect(literals.push('e')).toEqual({ a: true });
    expect(literals.push(', "b": nul')).toBeUndefined();
    expect(literals.push('l')).toEqual({ a: true, b: null });
  });

  it('decodes an escape sequence split at any point', () => {
    const reply = '["a\\nb", "\\"q\\"", "\\\\", "\\u00e9\\ud83d\\ude00x", "\\/\\t"]';
    const expected: unknown = JSON.parse(reply);
    for (let cut = 1; cut < reply.length; cut++) {
      for (const second of [reply.length, cut + 1, cut + 3]) {
        const deltas = [reply.slice(0, cut), reply.slice(cut, second), reply.slice(second)];
        const received = readAll('json', deltas);
        expect(received.at(-1)?.value).toEqual(expected);
      }
    }
  });

  it('keeps the first value of a repeated key', () => {
    const received = readAll('json', fixedSplit('{"a": 1, "b": {"c": 2}, "a": 2, "b": {"d": [3]}, "e": "x"}', 1));
    expect(received.at(-1)?.value).toEqual({ a: 1, b: { c: 2 }, e: 'x' });
    expectContract(received);
  });

  it('stores __proto__ as a plain own key and never changes a prototype', () => {
    const reader = createPartialReader('json');
    for (const delta of fixedSplit('{"__proto__": {"polluted": true}, "a": {"__proto__": [1]}, "b": 2}', 3)) {
      reader.push(delta);
    }
    const value = reader.value as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__', 'a', 'b']);
    expect(Object.getOwnPropertyDescriptor(value, '__proto__')?.value).toEqual({ polluted: true });
    const inner = value.a as Record<string, unknown>;
    expect(Object.getPrototypeOf(inner)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(inner, '__proto__')?.value).toEqual([1]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('skips prose, a fence and a leading think block, and ignores what follows the value', () => {
    const reader = createPartialReader('json');
    expect(reader.push('<think>Maybe {"a": 1}')).toBeUndefined();
    expect(reader.push(' or [2]?</thi')).toBeUndefined();
    expect(reader.push('nk>\nSure:\n```json\n')).toBeUndefined();
    expect(reader.push('{"b": 2}')).toEqual({ b: 2 });
    expect(reader.push('\n```\nAlso {"c": 3} and [4]')).toBeUndefined();
    expect(reader.value).toEqual({ b: 2 });
  });

  it('reads doubled outer braces as one and ignores the extra closing brace', () => {
    const reader = createPartialReader('json');
    expect(reader.push('{')).toEqual({});
    expect(reader.push(' {')).toBeUndefined();
    expect(reader.push('"a": 1}')).toEqual({ a: 1 });
    expect(reader.push('}')).toBeUndefined();
    expect(readAll('json', ['{{"a": {"b": 1}}}']).at(-1)?.value).toEqual({ a: { b: 1 } });
    // Only at the top level: an inner `{{` is not JSON.
    expect(readAll('json', ['{"a": {{"b": 1}}}']).at(-1)?.value).toEqual({ a: {} });
  });

  it.each([
    ['a single-quoted string', "{'a': 1}", '{', {}],
    ['a bare word', '{"a": 1, "b": yes}', '{"a": 1, "b": ', { a: 1 }],
    ['a number cut by a letter', '[1, 2x]', '[1, ', [1]],
    ['a truncated number', '[1, 1.]', '[1, ', [1]],
    ['a leading plus', '[+1]', '[', []],
    ['a literal gone wrong', '[nul, 1]', '[', []],
    ['a bad escape', '["a", "b\\q"]', '["a", ', ['a']],
    ['a bad unicode escape', '["a", "\\u12G4"]', '["a", ', ['a']],
    ['a missing colon', '{"a" 1}', '{', {}],
    ['a mismatched closer', '{"a": [1}', '{"a": [', { a: [1] }],
    ['a closer with nothing open after a value', '[1]]', '[1]', [1]],
  ])('stops producing partials at %s, without throwing', (_name, reply, shown, value) => {
    for (const deltas of [fixedSplit(reply, 1), [reply], [shown, reply.slice(shown.length)]]) {
      const reader = createPartialReader('json');
      for (const delta of deltas) {
        reader.push(delta);
      }
      expect(reader.value).toEqual(value);
      expect(reader.push(', "more": 1, [2]}')).toBeUndefined();
    }
  });

  it('returns nothing for a reply without JSON and for empty deltas', () => {
    const reader = createPartialReader('json');
    expect(reader.push('')).toBeUndefined();
    expect(reader.push('No JSON here.')).toBeUndefined();
    expect(reader.value).toBeUndefined();
    expect(reader.push('[')).toEqual([]);
    expect(reader.push('')).toBeUndefined();
    expect(reader.push('  \n')).toBeUndefined();
  });

  it('tolerates a trailing comma, showing only what was read', () => {
    expect(readAll('json', fixedSplit('{"a": [1, 2,], "b": 3,}', 1)).at(-1)?.value).toEqual({ a: [1, 2], b: 3 });
  });
});

/** Replies and how many of the final items are confirmed before the reply ends (all but the last when marked). */
const LINES_REPLIES: readonly (readonly [string, number])[] = [
  ['- Revenue up\n- Costs down\n', 1],
  ['* one\n• two\n· three\n‣ four\n◦ five\n+ six\n– seven\n— eight\n', 7],
  ['1. one\n2) two\n3、three\n(4) four\n', 3],
  ['Here are the key points:\n- Revenue up\n- Costs down\n', 1],
  ['- Revenue up because the new\nstores opened early\n- Costs down\n- Cash up', 2],
  ['- a\n- b\n  continued below b\n\nLet me know if you need more.\n', 1],
  ['```\n- a\n- b\n```\n', 1],
  ['<think>Should I use - bullets?\n- maybe</think>\n\n- a\n\n- b\r\n', 1],
  ['  - indented  \n\n\n  2. second\n', 1],
  // No marks, or a JSON list: nothing is certain before the end.
  ['Key points:\nRevenue up\nCosts down\n', 0],
  ['-5% margin\n+3% sales\n*emphasis* here\n', 0],
  ['["a", "b", "c"]', 0],
];

describe('createPartialReader: lines', () => {
  it.each(LINES_REPLIES)('shows only items parseLinesReply gives, in its order, for %j', (reply, confirmed) => {
    const final = parseLinesReply(reply);
    expect(final.ok).toBe(true);
    const items = final.ok ? final.value : [];
    const splits = [
      fixedSplit(reply, 1),
      [reply],
      ...Array.from({ length: 20 }, (_, seed) => randomSplit(reply, seed, 6)),
    ];
    for (const deltas of splits) {
      const received = readAll('lines', deltas);
      expectContract(received);
      for (const { value } of received) {
        expect(items.slice(0, (value as string[]).length)).toEqual(value);
      }
      expect(((received.at(-1)?.value as string[] | undefined) ?? []).length).toBe(confirmed);
    }
    // One character at a time, each partial adds exactly one item.
    const lengths = readAll('lines', fixedSplit(reply, 1)).map(({ value }) => (value as string[]).length);
    expect(lengths).toEqual(Array.from({ length: confirmed }, (_, index) => index + 1));
  });

  it('confirms an item once the next marked line begins, joining the lines that continue it', () => {
    const reader = createPartialReader('lines');
    expect(reader.push('Summary:\n- Reven')).toBeUndefined();
    expect(reader.push('ue up\n')).toBeUndefined();
    expect(reader.push('in every region\n- Costs')).toEqual(['Revenue up in every region']);
    expect(reader.push(' down\n\n')).toBeUndefined();
    expect(reader.push('- Profit\n- Cash\n-')).toEqual(['Revenue up in every region', 'Costs down', 'Profit']);
    // A lone dash may still become `-5%`: only what follows it decides.
    expect(reader.push(' Debt')).toEqual(['Revenue up in every region', 'Costs down', 'Profit', 'Cash']);
    expect(reader.push('\n')).toBeUndefined();
    expect(reader.value).toEqual(['Revenue up in every region', 'Costs down', 'Profit', 'Cash']);
  });

  it('skips a marker with nothing after it', () => {
    expect(readAll('lines', ['-\n- a\n1.\n- b\n']).at(-1)?.value).toEqual(['a']);
  });
});

describe('createPartialReader: text', () => {
  it('returns the text so far, growing, never the same string twice', () => {
    const reader = createPartialReader('text');
    expect(reader.push('Hello')).toBe('Hello');
    expect(reader.push('')).toBeUndefined();
    expect(reader.push(', world')).toBe('Hello, world');
    expect(reader.value).toBe('Hello, world');
  });

  it('withholds a leading think block and returns the text after it left-trimmed', () => {
    const reader = createPartialReader('text');
    expect(reader.push('<th')).toBeUndefined();
    expect(reader.push('ink>Let me think')).toBeUndefined();
    expect(reader.push(' about it.</th')).toBeUndefined();
    expect(reader.push('ink>\n\n  ')).toBeUndefined();
    expect(reader.push('Revenue ')).toBe('Revenue ');
    expect(reader.push('rose.')).toBe('Revenue rose.');
  });

  it('keeps a think tag that is not at the start, and text that only looks like one', () => {
    expect(readAll('text', ['A <think>b</think>']).at(-1)?.value).toBe('A <think>b</think>');
    expect(readAll('text', fixedSplit('<thin air', 1)).at(-1)?.value).toBe('<thin air');
  });

  it('gives the same text for every split', () => {
    const reply = '<think>\nplan\n</think>\nThe answer: 42 😀 is\nright.';
    for (let seed = 0; seed < 20; seed++) {
      const received = readAll('text', randomSplit(reply, seed, 5));
      expect(received.at(-1)?.value).toBe('The answer: 42 😀 is\nright.');
      expectContract(received, isLongerText);
    }
  });

  it('returns nothing while a reply is only an unclosed think block', () => {
    expect(readAll('text', ['<think>still thinking', ' and thinking'])).toEqual([]);
  });
});

describe('createPartialReader: none', () => {
  it('never returns a partial', () => {
    const reader = createPartialReader('none');
    expect(reader.push('{"a": 1}\n- b\n')).toBeUndefined();
    expect(reader.push('more')).toBeUndefined();
    expect(reader.value).toBeUndefined();
  });
});
