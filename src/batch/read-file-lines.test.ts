import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileLines } from './read-file-lines.js';

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
