import { writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { runBatch } from '../src/batch/run-batch.js';
import type { BatchInputRecord } from '../src/batch/types.js';
import { defineTask, InputError } from '../src/index.js';
import { collect, fileLines, useBatchHarness } from './helpers/batch-harness.js';

const KEY = 'sk-test-batch-inputs';
const sentiment = defineTask({ name: 'sentiment', output: { labels: ['positive', 'negative', 'neutral'] } });

const { server, client, freshPath } = useBatchHarness(KEY);

describe('ids of a run', () => {
  it('writes an id beyond 2^53 of an input file exactly as written', async () => {
    const input = freshPath('big.jsonl');
    const output = freshPath('results.jsonl');
    await writeFile(input, '{"id":1234567890123456789,"text":"a"}\n{"id":1234567890123456788,"text":"b"}\n');
    const summary = await runBatch(sentiment, input, { client, output }).summary;
    expect(summary).toMatchObject({ succeeded: 2, failed: 0 });
    expect((await fileLines(output)).map((line) => line.id).sort()).toEqual([
      '1234567890123456788',
      '1234567890123456789',
    ]);
  });

  it('says the id was positional when an id-less record meets a record that gives its position as id', async () => {
    for (const records of [
      [{ id: 1, text: 'a' }, 'b'],
      ['a', { id: '0', text: 'b' }],
    ]) {
      const error = await runBatch(sentiment, records, { client }).summary.catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(InputError);
      expect((error as Error).message).toMatch(/position .* its id.*give every record an id, or none/);
    }
  });

  it('records a record with an invalid id under the empty id, which no later id clashes with, also on resume', async () => {
    const output = freshPath('invalid-id.jsonl');
    const records = [
      { id: 'a', text: 'x' },
      { id: { nested: true }, text: 'y' },
      { id: [1], text: 'w' },
      { id: '1', text: 'z' },
      { id: '2', text: 'v' },
    ] as unknown as BatchInputRecord[];
    const results = await collect(runBatch(sentiment, records, { client, output }));
    expect(results.map((result) => [result.id, result.index, result.ok]).sort()).toEqual([
      ['', 1, false],
      ['', 2, false],
      ['1', 3, true],
      ['2', 4, true],
      ['a', 0, true],
    ]);
    expect(results.find((result) => result.index === 1)?.error?.message).toMatch(/id that is not .*index 1/);
    server.reset();
    const resumed = await runBatch(sentiment, records, { client, output, resume: true }).summary;
    expect(resumed).toMatchObject({ skipped: 5, succeeded: 0 });
    expect(await fileLines(output)).toHaveLength(5);
  });
});
