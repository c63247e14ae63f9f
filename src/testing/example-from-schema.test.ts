import { describe, expect, it } from 'vitest';
import { exampleFromSchema } from './example-from-schema.js';

describe('exampleFromSchema', () => {
  it.each([
    ['a string', { type: 'string' }, 'x'],
    ['a string with minLength', { type: 'string', minLength: 3 }, 'xxx'],
    ['a number', { type: 'number' }, 0],
    ['an integer with a minimum', { type: 'integer', minimum: 5 }, 5],
    ['a boolean', { type: 'boolean' }, false],
    ['null', { type: 'null' }, null],
    ['an array', { type: 'array', items: { type: 'string' } }, []],
    ['an array with minItems', { type: 'array', items: { type: 'number' }, minItems: 2 }, [0, 0]],
    ['an enum', { type: 'string', enum: ['b', 'a'] }, 'b'],
    ['a const', { const: 'fixed' }, 'fixed'],
    ['a nullable type', { type: ['null', 'string'] }, 'x'],
    ['a union', { anyOf: [{ type: 'integer' }, { type: 'string' }] }, 0],
    ['no schema at all', undefined, {}],
    [
      'an object, required properties only',
      {
        type: 'object',
        properties: { name: { type: 'string' }, tags: { type: 'array' }, age: { type: 'number' } },
        required: ['name', 'tags'],
      },
      { name: 'x', tags: [] },
    ],
    [
      'a local $ref',
      {
        type: 'object',
        properties: { kind: { $ref: '#/$defs/kind' } },
        required: ['kind'],
        $defs: { kind: { enum: ['bug', 'billing'] } },
      },
      { kind: 'bug' },
    ],
  ])('builds the smallest example of %s', (_name, schema, expected) => {
    expect(exampleFromSchema(schema)).toEqual(expected);
  });

  it('stops on a schema that refers to itself', () => {
    const schema = { $ref: '#' };
    expect(exampleFromSchema(schema)).toEqual({});
  });
});
