import { describe, expect, it } from 'vitest';
import type { JsonSchema } from '../json.js';
import { createJsonSchemaValidator } from './create-json-schema-validator.js';

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
