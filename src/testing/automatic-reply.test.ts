import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleFromSchema } from './chat.js';
import type { MockQwen } from './index.js';
import { startMockQwen } from './index.js';

let mock: MockQwen;

beforeAll(async () => {
  mock = await startMockQwen();
});

afterAll(async () => {
  await mock.close();
});

async function reply(body: Record<string, unknown>) {
  const response = await fetch(`${mock.baseURL}/chat/completions`, { method: 'POST', body: JSON.stringify(body) });
  expect(response.status).toBe(200);
  return ((await response.json()) as { choices: [{ message: Record<string, unknown>; finish_reason: string }] })
    .choices[0];
}

const system = (content: string) => ({ role: 'system', content });
const user = { role: 'user', content: 'The parcel arrived broken.' };

describe('the automatic reply', () => {
  it('calls the named tool with arguments built from its schema', async () => {
    const choice = await reply({
      messages: [user],
      tools: [
        { type: 'function', function: { name: 'other', parameters: { type: 'object' } } },
        {
          type: 'function',
          function: {
            name: 'record',
            parameters: {
              type: 'object',
              properties: { label: { enum: ['bug', 'billing'] }, score: { type: 'number' }, note: { type: 'string' } },
              required: ['label', 'score'],
            },
          },
        },
      ],
      tool_choice: { type: 'function', function: { name: 'record' } },
    });
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.tool_calls).toEqual([
      { id: 'call_0', type: 'function', function: { name: 'record', arguments: '{"label":"bug","score":0}' } },
    ]);
  });

  it('answers a json_schema format with an object built from the schema', async () => {
    const schema = {
      type: 'object',
      properties: { name: { type: 'string' }, tags: { type: 'array' } },
      required: ['name', 'tags'],
    };
    const choice = await reply({
      messages: [user],
      response_format: { type: 'json_schema', json_schema: { name: 'person', schema } },
    });
    expect(JSON.parse(String(choice.message.content))).toEqual({ name: 'x', tags: [] });
  });

  it('answers JSON mode without a schema with an empty object', async () => {
    const choice = await reply({
      messages: [system('Reply in JSON.'), user],
      response_format: { type: 'json_object' },
    });
    expect(choice.message.content).toBe('{}');
  });

  it.each([
    [
      'the first quoted label of the system message',
      'Classify as one of "positive", "negative", "neutral".',
      'positive',
    ],
    ['"ok" when the system message quotes a single word', 'Say "hello".', 'ok'],
    ['"ok" when the system message lists no labels', 'Be helpful.', 'ok'],
  ])('answers with %s', async (_name, instructions, expected) => {
    expect((await reply({ messages: [system(instructions), user] })).message.content).toBe(expected);
  });

  it('answers "ok" to a bare prompt', async () => {
    expect((await reply({ messages: [user] })).message.content).toBe('ok');
  });
});

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
