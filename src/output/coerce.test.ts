import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { JsonSchema } from '../json.js';
import { coerceToSchema } from './coerce.js';
import type { RepairName } from './outcome.js';

/** JSON Schema the way the task layer derives it from zod (dates marked for coercion). */
function fromZod(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, {
    io: 'input',
    unrepresentable: 'any',
    override: (context) => {
      if (context.zodSchema._zod.def.type === 'date') {
        context.jsonSchema.type = 'string';
        context.jsonSchema.format = 'date-time';
        context.jsonSchema['x-coerce'] = 'date';
      }
    },
  }) as JsonSchema;
}

function coerce(value: unknown, schema: JsonSchema): { value: unknown; repairs: RepairName[] } {
  const repairs: RepairName[] = [];
  return { value: coerceToSchema(value, schema, repairs), repairs };
}

const Invoice = z.object({
  number: z.string(),
  total: z.number(),
  lines: z.int(),
  paid: z.boolean(),
  status: z.enum(['draft', 'sent', 'feature-request']),
  tags: z.array(z.string()),
  dueDate: z.date(),
  note: z.string().nullable(),
  customer: z.object({ name: z.string(), vip: z.boolean().optional() }).optional(),
});

describe('coerceToSchema', () => {
  it.each<[string, unknown, unknown, RepairName[]]>([
    ['leaves a valid value alone', { total: 1 }, { total: 1 }, []],
    ['reads numbers written as strings', { total: ' 42 ' }, { total: 42 }, ['coerce-number']],
    ['reads thousands separators', { total: '-2,000.50' }, { total: -2000.5 }, ['coerce-number']],
    ['keeps a fraction out of an integer field', { lines: '2.5' }, { lines: '2.5' }, []],
    ['reads whole numbers for integer fields', { lines: '3' }, { lines: 3 }, ['coerce-number']],
    ['reads booleans written as strings', { paid: 'True' }, { paid: true }, ['coerce-boolean']],
    ['reads yes and no as booleans', { paid: 'no' }, { paid: false }, ['coerce-boolean']],
    ['reads 1 and 0 as booleans', { paid: 1 }, { paid: true }, ['coerce-boolean']],
    ['writes numbers where a string is expected', { number: 1042 }, { number: '1042' }, ['coerce-string']],
    [
      'matches enum members ignoring case and separators',
      { status: 'Feature Request' },
      { status: 'feature-request' },
      ['coerce-enum'],
    ],
    ['matches enum members ignoring punctuation', { status: 'SENT.' }, { status: 'sent' }, ['coerce-enum']],
    ['leaves an unknown enum value for the validator', { status: 'paid' }, { status: 'paid' }, []],
    ['wraps a single value where an array is expected', { tags: 'urgent' }, { tags: ['urgent'] }, ['wrap-array']],
    ['unwraps a one-item array where one value is expected', { total: [5] }, { total: 5 }, ['unwrap-array']],
    [
      'reads ISO 8601 strings as dates',
      { dueDate: '2024-05-01' },
      { dueDate: new Date('2024-05-01T00:00:00Z') },
      ['coerce-date'],
    ],
    [
      'reads date-times with zones',
      { dueDate: '2024-05-01T10:30:00+02:00' },
      { dueDate: new Date('2024-05-01T08:30:00Z') },
      ['coerce-date'],
    ],
    ['leaves impossible dates alone', { dueDate: '2024-02-30' }, { dueDate: '2024-02-30' }, []],
    ['keeps "null" where a string is allowed', { note: 'null' }, { note: 'null' }, []],
    [
      'coerces nested objects',
      { customer: { name: 7, vip: 'yes' } },
      { customer: { name: '7', vip: true } },
      ['coerce-string', 'coerce-boolean'],
    ],
    [
      'matches property names in another spelling',
      { Number: 'A-1', 'Due Date': '2024-05-01' },
      { number: 'A-1', dueDate: new Date('2024-05-01T00:00:00Z') },
      ['coerce-key', 'coerce-date'],
    ],
    [
      'parses an object written as a JSON string',
      { customer: '{"name": "Ann"}' },
      { customer: { name: 'Ann' } },
      ['coerce-json-string'],
    ],
  ])('%s', (_name, value, expected, repairs) => {
    const partial = fromZod(Invoice.partial());
    expect(coerce(value, partial)).toEqual({ value: expected, repairs });
  });

  it('sets a missing required nullable field to null, and only that', () => {
    const schema = fromZod(Invoice);
    const { value, repairs } = coerce({ number: 'A-1' }, schema);
    expect(value).toEqual({ number: 'A-1', note: null });
    expect(repairs).toEqual(['null-default']);
  });

  it.each(['null', 'None', 'n/a', ''])('reads %j as null where null but no string is allowed', (text) => {
    expect(coerce({ score: text }, fromZod(z.object({ score: z.number().nullable() })))).toEqual({
      value: { score: null },
      repairs: ['coerce-null'],
    });
  });

  it('does not modify its input', () => {
    const input = { total: '1', tags: 'a' };
    coerce(input, fromZod(Invoice.partial()));
    expect(input).toEqual({ total: '1', tags: 'a' });
  });

  it('drops unsafe keys', () => {
    const value = JSON.parse('{"a": 1, "__proto__": {"polluted": true}}') as unknown;
    expect(coerce(value, fromZod(z.object({ a: z.number() })))).toEqual({ value: { a: 1 }, repairs: ['unsafe-key'] });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each<[string, unknown, unknown]>([
    ['a value that fits a branch as it is', 'none', 'none'],
    ['the first branch a value can be coerced to', '12', 12],
    ['null for a nullable union', null, null],
  ])('picks %s in anyOf', (_name, value, expected) => {
    const schema = fromZod(z.union([z.number(), z.literal('none')]).nullable());
    expect(coerce(value, schema).value).toEqual(expected);
  });

  it('follows $ref into $defs', () => {
    const Address = z.object({ zip: z.string(), main: z.boolean() });
    const schema = fromZod(z.object({ home: Address, work: Address }));
    const withDefinitions: JsonSchema = {
      type: 'object',
      properties: { home: { $ref: '#/$defs/Address' }, work: { $ref: '#/$defs/Address' } },
      $defs: { Address: (schema.properties as JsonSchema).home },
    };
    expect(coerce({ home: { zip: 10115, main: 'true' } }, withDefinitions)).toEqual({
      value: { home: { zip: '10115', main: true } },
      repairs: ['coerce-string', 'coerce-boolean'],
    });
  });

  it('survives $ref cycles and recursive schemas', () => {
    const cyclic: JsonSchema = { $ref: '#/$defs/a', $defs: { a: { $ref: '#/$defs/b' }, b: { $ref: '#/$defs/a' } } };
    expect(coerce({ x: 1 }, cyclic).value).toEqual({ x: 1 });
    const tree: JsonSchema = {
      $ref: '#/$defs/node',
      $defs: {
        node: {
          type: 'object',
          properties: { size: { type: 'number' }, children: { type: 'array', items: { $ref: '#/$defs/node' } } },
        },
      },
    };
    expect(coerce({ size: '1', children: [{ size: '2', children: [] }] }, tree).value).toEqual({
      size: 1,
      children: [{ size: 2, children: [] }],
    });
  });

  it('coerces the values of records through additionalProperties', () => {
    expect(coerce({ a: '1', b: '2' }, fromZod(z.record(z.string(), z.number())))).toEqual({
      value: { a: 1, b: 2 },
      repairs: ['coerce-number'],
    });
  });

  it('coerces tuple items through prefixItems', () => {
    expect(coerce(['1', 'yes'], fromZod(z.tuple([z.number(), z.boolean()]))).value).toEqual([1, true]);
  });

  it('matches const values like enum members', () => {
    expect(coerce({ kind: 'INVOICE' }, fromZod(z.object({ kind: z.literal('invoice') })))).toEqual({
      value: { kind: 'invoice' },
      repairs: ['coerce-enum'],
    });
  });

  it('stops at the depth limit instead of overflowing the stack', () => {
    let deep: unknown = 1;
    for (let level = 0; level < 5_000; level++) {
      deep = [deep];
    }
    const schema: JsonSchema = { $ref: '#/$defs/n', $defs: { n: { type: 'array', items: { $ref: '#/$defs/n' } } } };
    expect(() => coerce(deep, schema)).not.toThrow();
  });
});
