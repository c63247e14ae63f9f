import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { JsonSchema } from '../json.js';
import { createJsonSchemaValidator, createZodValidator, formatIssues, formatPath } from './schema.js';

const INVOICE: JsonSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    status: { enum: ['draft', 'sent'] },
    email: { type: 'string', format: 'email' },
    due: { type: 'string', format: 'date-time', 'x-coerce': 'date' },
    lines: {
      type: 'array',
      items: { type: 'object', properties: { qty: { type: 'integer', minimum: 1 } }, required: ['qty'] },
    },
    site: { type: 'string', format: 'made-up-format' },
  },
  required: ['status'],
  additionalProperties: false,
};

describe('createJsonSchemaValidator', () => {
  const validate = createJsonSchemaValidator(INVOICE);

  it('accepts a valid value and returns it unchanged, dates included', () => {
    const value = { status: 'sent', due: new Date('2024-05-01T00:00:00Z'), site: 'anything' };
    const outcome = validate(value);
    expect(outcome).toEqual({ ok: true, value, repairs: [] });
    expect(outcome.ok && outcome.value).toBe(value);
  });

  it.each<[string, unknown, { path: (string | number)[]; message: string }[]]>([
    ['a missing required property, with the property in the path', {}, [{ path: ['status'], message: 'is required' }]],
    [
      'a value outside the enum',
      { status: 'paid' },
      [{ path: ['status'], message: 'must be one of: "draft", "sent"' }],
    ],
    ['an unknown property', { status: 'sent', vat: 1 }, [{ path: [], message: 'has an unknown property "vat"' }]],
    [
      'a nested failure, with array indexes as numbers',
      { status: 'sent', lines: [{ qty: 1 }, { qty: 0 }] },
      [{ path: ['lines', 1, 'qty'], message: 'must be >= 1' }],
    ],
    ['a bad email', { status: 'sent', email: 'nope' }, [{ path: ['email'], message: 'must match format "email"' }]],
    ['a bad uuid', { status: 'sent', id: '123' }, [{ path: ['id'], message: 'must match format "uuid"' }]],
    [
      'every error at once',
      { status: 'paid', email: 'x' },
      [
        { path: ['status'], message: 'must be one of: "draft", "sent"' },
        { path: ['email'], message: 'must match format "email"' },
      ],
    ],
  ])('reports %s', (_name, value, issues) => {
    expect(validate(value)).toEqual({ ok: false, issues, repairs: [] });
  });

  it('compiles a schema once', () => {
    expect(() => createJsonSchemaValidator(INVOICE)).not.toThrow();
    const first = createJsonSchemaValidator(INVOICE);
    expect(first({ status: 'draft' }).ok).toBe(true);
  });

  it('accepts two different schemas with the same $id', () => {
    const one = createJsonSchemaValidator({ $id: 'https://example.com/s', type: 'string' });
    const two = createJsonSchemaValidator({ $id: 'https://example.com/s', type: 'number' });
    expect([one('a').ok, two(1).ok]).toEqual([true, true]);
  });

  it('throws for a schema that is not valid JSON Schema', () => {
    expect(() => createJsonSchemaValidator({ type: 'no-such-type' })).toThrow();
  });
});

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

describe('formatIssues', () => {
  it('writes one line per issue, and the path below when there is one', () => {
    expect(
      formatIssues([
        { path: [], message: 'The reply holds no JSON value.' },
        { path: ['items', 0, 'price'], message: 'Expected number, received string' },
      ]),
    ).toBe('✖ The reply holds no JSON value.\n✖ Expected number, received string\n  → at items[0].price');
  });

  it('writes nothing for no issues', () => {
    expect(formatIssues([])).toBe('');
  });

  it.each<[(string | number)[], string]>([
    [['a'], 'a'],
    [['a', 'b', 2], 'a.b[2]'],
    [[0, 'name'], '[0].name'],
    [['first name', 'x'], '["first name"].x'],
  ])('formats the path %j as %s', (path, formatted) => {
    expect(formatPath(path)).toBe(formatted);
  });
});
