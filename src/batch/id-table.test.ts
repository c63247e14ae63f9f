import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createIdTable, hashOf } from './id-table.js';

const directory = mkdtempSync(join(tmpdir(), 'qwen-tasks-id-table-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** Fills a table with `count` ids, checking none was there before; returns how many were. */
function fill(table: ReturnType<typeof createIdTable>, count: number, prefix = 'item-'): number {
  let alreadyThere = 0;
  for (let position = 0; position < count; position += 1) {
    if (table.get(`${prefix}${position}`) !== undefined) alreadyThere += 1;
    table.set(`${prefix}${position}`, position % 3);
  }
  return alreadyThere;
}

describe('createIdTable', () => {
  it('stores and replaces small values by id', () => {
    const table = createIdTable();
    expect(table.get('a')).toBeUndefined();
    table.set('a', 1);
    table.set('b', 0);
    table.set('a', 0);
    expect([table.get('a'), table.get('b'), table.get('c'), table.size]).toEqual([0, 0, undefined, 2]);
    table.close();
  });

  it('keeps every one of 200,000 similar ids apart while growing in memory', () => {
    const table = createIdTable({ memoryIds: 1_000_000, directory });
    expect(fill(table, 200_000)).toBe(0);
    expect(table.size).toBe(200_000);
    for (let position = 0; position < 200_000; position += 997) {
      expect(table.get(`item-${position}`)).toBe(position % 3);
    }
    expect(table.get('item-200000')).toBeUndefined();
    expect(table.get('')).toBeUndefined();
    expect(readdirSync(directory)).toEqual([]);
    table.close();
  });

  it('tells ids apart that differ only in non-ASCII characters or order', () => {
    const table = createIdTable();
    for (const id of ['é', 'e\u0301', 'ab', 'ba', '😀', '😁']) table.set(id, 1);
    expect(table.size).toBe(6);
    table.close();
  });

  it('moves to a file past memoryIds and keeps every id and value through the file splitting its buckets', () => {
    const table = createIdTable({ memoryIds: 1000, directory });
    // 300,000 ids: the file starts with room for 262,144 and splits once.
    expect(fill(table, 300_000)).toBe(0);
    expect(table.size).toBe(300_000);
    for (let position = 0; position < 300_000; position += 101) {
      expect(table.get(`item-${position}`)).toBe(position % 3);
    }
    table.set('item-5', 2);
    table.set('item-299999', 1);
    expect([table.get('item-5'), table.get('item-299999'), table.get('item-300000'), table.size]).toEqual([
      2,
      1,
      undefined,
      300_000,
    ]);
    // The file is unlinked as soon as it is open: nothing is left behind, even by a process killed mid-run.
    expect(readdirSync(directory)).toEqual([]);
    table.close();
    expect(table.get('item-5')).toBeUndefined();
    expect(table.size).toBe(0);
  });

  it('keeps ids crafted to fill one bucket of the file (an overflow kept in memory)', () => {
    const table = createIdTable({ memoryIds: 10, directory });
    // 300 ids whose hashes share their low 13 bits land in one bucket of 128 slots, before and after the split to 8192 buckets.
    const crafted: string[] = [];
    const wanted = hashOf('seed')[0] & 0x1fff;
    for (let candidate = 0; crafted.length < 300; candidate += 1) {
      const id = `x${candidate}`;
      if ((hashOf(id)[0] & 0x1fff) === wanted) crafted.push(id);
    }
    crafted.forEach((id, position) => {
      table.set(id, position % 2);
    });
    expect(table.size).toBe(300);
    crafted.forEach((id, position) => {
      expect(table.get(id)).toBe(position % 2);
    });
    table.set(crafted[299] as string, 0);
    expect(table.get(crafted[299] as string)).toBe(0);
    expect(table.size).toBe(300);
    expect(fill(table, 270_000, 'other-')).toBe(0);
    crafted.forEach((id, position) => {
      expect(table.get(id)).toBe(position === 299 ? 0 : position % 2);
    });
    table.close();
  });
});
