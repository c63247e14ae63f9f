import { describe, expect, it } from 'vitest';
import { toBatchItem } from './to-batch-item.js';

describe('toBatchItem', () => {
  it.each([
    ['a string', 'hello', { id: '3', index: 3, text: 'hello', input: { text: 'hello' } }],
    [
      'a record with a string id',
      { id: 'x', text: 'hi', n: 1 },
      { id: 'x', index: 3, text: 'hi', input: { text: 'hi', n: 1 } },
    ],
    ['a record with a number id', { id: 12, text: 'hi' }, { id: '12', index: 3, text: 'hi', input: { text: 'hi' } }],
    ['a record without id', { text: 'hi' }, { id: '3', index: 3, text: 'hi', input: { text: 'hi' } }],
    ['a record with a null id', { id: null, text: 'hi' }, { id: '3', index: 3, text: 'hi', input: { text: 'hi' } }],
  ])('takes %s', (_name, record, expected) => {
    expect(toBatchItem(record, 3)).toEqual(expected);
  });

  it.each([
    ['a number', 42, '3', /item 3 must be a string or an object/],
    ['null', null, '3', /must be a string or an object/],
    ['an array', ['text'], '3', /must be a string or an object/],
    ['a record without text', { id: 'x', body: 'hi' }, 'x', /item 3 has no "text" string field/],
    ['a record with a text that is not a string', { text: 5 }, '3', /no "text" string field/],
    ['an object id', { id: { a: 1 }, text: 'hi' }, '3', /id that is not/],
    ['an empty id', { id: '', text: 'hi' }, '3', /id that is not/],
  ])('turns %s into an item that fails with an InputError', (_name, record, id, message) => {
    const item = toBatchItem(record, 3);
    expect(item.id).toBe(id);
    expect(item.problem?.name).toBe('InputError');
    expect(item.problem?.message).toMatch(message);
  });

  it('names the record as told', () => {
    expect(toBatchItem(7, 0, 'line 9 of in.jsonl').problem?.message).toMatch(/^line 9 of in\.jsonl must be/);
  });
});
