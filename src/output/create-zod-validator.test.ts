import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createZodValidator } from './create-zod-validator.js';

describe('createZodValidator', () => {
  const validate = createZodValidator(
    z.object({
      total: z.number().positive(),
      items: z.array(z.object({ sku: z.string() })),
      due: z.date().transform((date) => date.toISOString().slice(0, 10)),
    }),
  );

  it('returns zod output for a valid value, transforms applied', () => {
    expect(validate({ total: 3, items: [{ sku: 'a' }], due: new Date('2024-05-01T00:00:00Z') })).toEqual({
      ok: true,
      value: { total: 3, items: [{ sku: 'a' }], due: '2024-05-01' },
      repairs: [],
    });
  });

  it('reports each zod issue with its path and message, refinements included', () => {
    const outcome = validate({ total: -1, items: [{ sku: 5 }], due: new Date() });
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) {
      expect(outcome.issues.map((issue) => issue.path)).toEqual([['total'], ['items', 0, 'sku']]);
      expect(outcome.issues[0]?.message).toMatch(/>0/);
    }
  });
});
