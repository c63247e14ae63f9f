import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InputError } from '../errors.js';
import { type BatchState, batchStatePath, readBatchState, removeBatchState, writeBatchState } from './batch-api-run.js';

let folder: string;
beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'batch-state-test-'));
});
afterEach(async () => {
  await rm(folder, { recursive: true, force: true });
});

const state: BatchState = {
  version: 1,
  taskHash: 'abc',
  batches: [
    { inputFileId: 'file-1', batchId: 'batch_1', itemIds: ['0', '1'] },
    { inputFileId: 'file-2', itemIds: ['2'] },
  ],
};

describe('the batch state file', () => {
  it('sits beside the results file', () => {
    expect(batchStatePath('out/results.jsonl')).toBe('out/results.jsonl.batch-state.json');
  });

  it('reads back what it wrote, and nothing once removed', async () => {
    const path = join(folder, 'state.json');
    await writeBatchState(path, state);
    await expect(readBatchState(path)).resolves.toEqual(state);
    await removeBatchState(path);
    await expect(readBatchState(path)).resolves.toBeUndefined();
    await expect(removeBatchState(path)).resolves.toBeUndefined();
  });

  it('replaces the file whole, leaving no temporary file behind', async () => {
    const path = join(folder, 'state.json');
    await writeBatchState(path, state);
    await writeBatchState(path, { ...state, batches: [] });
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ version: 1, taskHash: 'abc', batches: [] });
    await expect(readFile(`${path}.tmp`)).rejects.toThrow();
  });

  it.each([
    ['text that is not JSON', '{"version":'],
    ['another version', JSON.stringify({ ...state, version: 2 })],
    ['an entry without item ids', JSON.stringify({ ...state, batches: [{ inputFileId: 'file-1' }] })],
    ['item ids that are not strings', JSON.stringify({ ...state, batches: [{ inputFileId: 'f', itemIds: [1] }] })],
  ])('refuses %s with an InputError', async (_name, text) => {
    const path = join(folder, 'state.json');
    await writeFile(path, text);
    await expect(readBatchState(path)).rejects.toBeInstanceOf(InputError);
  });
});
