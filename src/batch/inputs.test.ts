import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJsonlRecord, readBatchInputs, readFileLines, toBatchItem } from './inputs.js';

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'qwen-tasks-lines-'));
});
afterAll(() => rm(directory, { recursive: true, force: true }));

async function linesOf(content: string | Buffer): Promise<unknown[]> {
  const path = join(directory, `${Math.random().toString(36).slice(2)}.jsonl`);
  await writeFile(path, content);
  const lines = [];
  for await (const line of readFileLines(path)) lines.push(line);
  return lines;
}

describe('readFileLines', () => {
  it.each([
    ['', []],
    ['a\n', [{ text: 'a', lineNumber: 1, complete: true, endOffset: 2 }]],
    [
      'a\r\nbc',
      [
        { text: 'a', lineNumber: 1, complete: true, endOffset: 3 },
        { text: 'bc', lineNumber: 2, complete: false, endOffset: 5 },
      ],
    ],
    [
      '\uFEFFé\n\n',
      [
        { text: 'é', lineNumber: 1, complete: true, endOffset: 6 },
        { text: '', lineNumber: 2, complete: true, endOffset: 7 },
      ],
    ],
  ])('splits %j into lines with byte offsets', async (content, expected) => {
    expect(await linesOf(content)).toEqual(expected);
  });

  it('joins lines that span read chunks, multi-byte characters included', async () => {
    const long = 'ü'.repeat(70_000);
    const lines = (await linesOf(`${long}\nend`)) as { text: string; complete: boolean; endOffset: number }[];
    expect(lines.map((line) => [line.text.length, line.complete])).toEqual([
      [70_000, true],
      [3, false],
    ]);
    expect(lines[0]?.endOffset).toBe(140_001);
  });
});

describe('toBatchItem', () => {
  it.each([
    ['a string', 'hello', { id: '3', index: 3, text: 'hello', input: { text: 'hello' }, positional: true }],
    [
      'a record with a string id',
      { id: 'x', text: 'hi', n: 1 },
      { id: 'x', index: 3, text: 'hi', input: { text: 'hi', n: 1 } },
    ],
    ['a record with a number id', { id: 12, text: 'hi' }, { id: '12', index: 3, text: 'hi', input: { text: 'hi' } }],
    ['a record without id', { text: 'hi' }, { id: '3', index: 3, text: 'hi', input: { text: 'hi' }, positional: true }],
    [
      'a record with a null id',
      { id: null, text: 'hi' },
      { id: '3', index: 3, text: 'hi', input: { text: 'hi' }, positional: true },
    ],
  ])('takes %s', (_name, record, expected) => {
    expect(toBatchItem(record, 3)).toEqual(expected);
  });

  it.each([
    ['a number', 42, '3', /item 3 must be a string or an object/],
    ['null', null, '3', /must be a string or an object/],
    ['an array', ['text'], '3', /must be a string or an object/],
    ['a record without text', { id: 'x', body: 'hi' }, 'x', /item 3 has no "text" string field/],
    ['a record with a text that is not a string', { text: 5 }, '3', /no "text" string field/],
    ['an object id', { id: { a: 1 }, text: 'hi' }, '', /id that is not/],
    ['an empty id', { id: '', text: 'hi' }, '', /id that is not/],
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

describe('one JSONL reader for the library and the CLI', () => {
  it('does not split a line at a lone \\r (JSON Lines ends lines with \\n) and trims the \\r of a \\r\\n', async () => {
    expect(await linesOf('{"id":"a",\r"text":"one"}\r\n"two"\n')).toEqual([
      { text: '{"id":"a",\r"text":"one"}', lineNumber: 1, complete: true, endOffset: 26 },
      { text: '"two"', lineNumber: 2, complete: true, endOffset: 32 },
    ]);
    const path = join(directory, 'lone-cr.jsonl');
    await writeFile(path, '{"id":"a",\r"text":"one"}\r\n{"id":"b",\r"text":"two"}\n');
    const items = [];
    for await (const item of readBatchInputs(path)) items.push(item);
    expect(items.map((item) => [item.id, item.text, item.problem])).toEqual([
      ['a', 'one', undefined],
      ['b', 'two', undefined],
    ]);
  });
});

describe('ids exactly as written', () => {
  it.each([
    ['{"id":1234567890123456789,"text":"a"}', '1234567890123456789'],
    ['{"text":"a", "id" : -9007199254740993}', '-9007199254740993'],
    ['{"id":{"id":1},"text":"a","n":[{"id":2}], "id": 18446744073709551615}', '18446744073709551615'],
    ['{"i\\u0064":98765432109876543210,"text":"a"}', '98765432109876543210'],
    ['{"note":"\\"id\\": 5","id":12,"text":"a"}', '12'],
  ])('keeps the numeric id of %s as %s', (line, id) => {
    expect(parseJsonlRecord(line)).toMatchObject({ id, text: 'a' });
  });

  it('keeps an id beyond 2^53 of an input file exactly, so results join back to inputs', async () => {
    const path = join(directory, 'big-ids.jsonl');
    await writeFile(path, '{"id":1234567890123456789,"text":"a"}\n{"id":1234567890123456788,"text":"b"}\n');
    const ids = [];
    for await (const item of readBatchInputs(path)) ids.push(item.id);
    expect(ids).toEqual(['1234567890123456789', '1234567890123456788']);
  });
});
