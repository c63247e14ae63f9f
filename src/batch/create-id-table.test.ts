import { describe, expect, it } from 'vitest';
import { createIdTable } from './create-id-table.js';

describe('createIdTable', () => {
  it('stores and replaces small values by id', () => {
    const table = createIdTable();
    expect(table.get('a')).toBeUndefined();
    table.set('a', 1);
    table.set('b', 0);
    table.set('a', 0);
    expect([table.get('a'), table.get('b'), table.get('c'), table.size]).toEqual([0, 0, undefined, 2]);
  });

  it('keeps every one of 200,000 similar ids apart while growing', () => {
    const table = createIdTable();
    let alreadyThere = 0;
    for (let position = 0; position < 200_000; position += 1) {
      if (table.get(`item-${position}`) !== undefined) alreadyThere += 1;
      table.set(`item-${position}`, position % 2);
    }
    expect(alreadyThere).toBe(0);
    expect(table.size).toBe(200_000);
    for (let position = 0; position < 200_000; position += 997) {
      expect(table.get(`item-${position}`)).toBe(position % 2);
    }
    expect(table.get('item-200000')).toBeUndefined();
    expect(table.get('')).toBeUndefined();
  });

  it('tells ids apart that differ only in non-ASCII characters or order', () => {
    const table = createIdTable();
    for (const id of ['é', 'e\u0301', 'ab', 'ba', '😀', '😁']) table.set(id, 1);
    expect(table.size).toBe(6);
  });
});
