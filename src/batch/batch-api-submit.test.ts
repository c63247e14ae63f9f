import { describe, expect, it } from 'vitest';
import { createItemSpool } from './batch-api-submit.js';

describe('createItemSpool', () => {
  it('keeps items on disk and reads each back by id', async () => {
    const spool = await createItemSpool();
    try {
      const items = [
        { id: 'a', index: 0, text: 'first', input: { text: 'first', lang: 'en' } },
        { id: 'b', index: 1, text: 'Ünïcödé 😀 "quoted"\nnext line', input: { text: 'x' } },
        { id: 'c', index: 2, text: 'third', input: { text: 'third' } },
      ];
      await Promise.all(items.map((item) => spool.add(item)));
      expect(spool.size).toBe(3);
      for (const item of [...items].reverse()) await expect(spool.get(item.id)).resolves.toEqual(item);
      spool.delete('b');
      expect([spool.has('b'), spool.size]).toEqual([false, 2]);
      await expect(spool.get('b')).resolves.toBeUndefined();
    } finally {
      await spool.close();
    }
  });

  it('closes twice without complaint', async () => {
    const spool = await createItemSpool();
    await spool.close();
    await expect(spool.close()).resolves.toBeUndefined();
  });
});
