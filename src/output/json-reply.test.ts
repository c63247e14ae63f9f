import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { JsonSchema } from '../json.js';
import { parseJsonReply } from './json-reply.js';
import { type RepairName, stripThinking } from './outcome.js';
import { createJsonSchemaValidator, createZodValidator } from './schema.js';

describe('parseJsonReply', () => {
  it.each<[string, string, unknown, RepairName[]]>([
    ['clean JSON needs no repair', '{"a": 1}', { a: 1 }, []],
    ['a scalar reply is a value', '42', 42, []],
    ['reasoning is stripped', '<think>hmm {"b": 2}</think>{"a": 1}', { a: 1 }, ['think']],
    ['a fenced value is unwrapped', '```json\n{"a": 1}\n```', { a: 1 }, ['fence']],
    ['a value in prose is found', 'Here you go: {"a": 1} Hope it helps!', { a: 1 }, ['prose']],
    ['a fence inside prose counts as both', 'Sure.\n```json\n{"a": 1}\n```\nDone.', { a: 1 }, ['fence', 'prose']],
    ['a trailing comma goes to jsonrepair', '{"a": 1,}', { a: 1 }, ['jsonrepair']],
    [
      'single quotes and Python literals are rewritten',
      "{'a': True, 'b': None}",
      { a: true, b: null },
      ['python-literals'],
    ],
    [
      'literals in another case are read in value positions',
      '{"a": TRUE, "b": Null}',
      { a: true, b: null },
      ['python-literals'],
    ],
    [
      'triple-quoted strings become JSON strings',
      '{"code": """x = "1"\ny"""}',
      { code: 'x = "1"\ny' },
      ['python-literals'],
    ],
    ['a cut-off key is dropped', '{"a": 1, "b":', { a: 1 }, ['truncation']],
    ['a cut-off string value is kept', '{"a": "hel', { a: 'hel' }, ['truncation']],
    ['a half-written escape is dropped', '{"a": "x\\u12', { a: 'x' }, ['truncation']],
    ['values separated by commas become an array', '{"a": 1}, {"a": 2}', [{ a: 1 }, { a: 2 }], ['multiple-values']],
    ['values separated by prose: the first wins', 'First {"a": 1} then {"a": 2}', { a: 1 }, ['prose']],
    ['a strict value wins over an earlier one that needs repair', 'Use {name} here: {"a": 1}', { a: 1 }, ['prose']],
    ['an early closing bracket is removed', '{"a": 1}, "b": 2}', { a: 1, b: 2 }, ['brackets']],
    ['stray closing brackets after the value are ignored', '{"a": 1}}]', { a: 1 }, ['brackets']],
    ['a closer of the wrong kind is replaced', '{"a": ["x", "y"}, "b": 1}', { a: ['x', 'y'], b: 1 }, ['brackets']],
    ['a closer that closes nothing is dropped', '[{"a": 1}}, {"a": 2}]', [{ a: 1 }, { a: 2 }], ['brackets']],
    [
      'unescaped quotes inside a value are escaped',
      '{"q": "say "hi" now", "n": 1}',
      { q: 'say "hi" now', n: 1 },
      ['inner-quotes'],
    ],
    [
      'a value missing its opening quote is quoted',
      '{"a": some words", "n": 12"}',
      { a: 'some words', n: 12 },
      ['bare-values'],
    ],
    ['a backslash that starts no escape is kept', '{"path": "C:\\data"}', { path: 'C:\\data' }, ['stray-backslash']],
    ['a repeated comma is collapsed', '{"a": 1, , "b": 2}', { a: 1, b: 2 }, ['repeated-comma']],
    ['a fence marker at the end is not read into a cut-off string', '{"a": "b}```', { a: 'b' }, ['jsonrepair']],
  ])('%s', (_name, reply, value, repairs) => {
    expect(parseJsonReply(reply)).toEqual({ ok: true, value, repairs });
  });

  it.each([
    ['an empty reply', '   ', 'The reply is empty.'],
    ['a reply with only reasoning', '<think>cut off', 'The reply holds only reasoning, no answer.'],
  ])('reports %s as an issue', (_name, reply, message) => {
    expect(parseJsonReply(reply)).toEqual({ ok: false, issues: [{ path: [], message }], repairs: expect.any(Array) });
  });

  it('reports a reply without JSON as an issue', () => {
    expect(parseJsonReply('I cannot help with that.')).toEqual({
      ok: false,
      issues: [{ path: [], message: 'The reply holds no JSON value.' }],
      repairs: [],
    });
  });

  it('drops __proto__ keys without polluting any prototype', () => {
    const outcome = parseJsonReply(
      '{"__proto__": {"polluted": 1}, "a": {"constructor": {"prototype": {"polluted": 2}}}}',
    );
    expect(outcome).toEqual({ ok: true, value: { a: {} }, repairs: ['unsafe-key'] });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    if (outcome.ok) {
      expect(Object.hasOwn(outcome.value as object, '__proto__')).toBe(false);
      expect(Object.getPrototypeOf(outcome.value)).toBe(Object.prototype);
    }
  });

  it('drops unsafe keys that only appear after repair', () => {
    const outcome = parseJsonReply("{'__proto__': {'polluted': 1}, 'b': 2,}");
    expect(outcome.ok && outcome.value).toEqual({ b: 2 });
    expect(outcome.repairs).toContain('unsafe-key');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each([
    ['arrays', '['.repeat(100_000) + ']'.repeat(100_000)],
    ['objects', `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`],
    ['unclosed arrays', '['.repeat(100_000)],
  ])('reports nesting 100,000 levels deep (%s) as an issue instead of crashing', (_name, reply) => {
    expect(parseJsonReply(reply)).toEqual({
      ok: false,
      issues: [{ path: [], message: 'The reply nests JSON deeper than 512 levels.' }],
      repairs: [],
    });
  });

  it('prefers a value of the type the schema asks for', () => {
    const schema = z.toJSONSchema(z.object({ a: z.number() }), { io: 'input' });
    expect(parseJsonReply('See [1] for details: {"a": 2}', schema)).toEqual({
      ok: true,
      value: { a: 2 },
      repairs: ['prose'],
    });
    expect(parseJsonReply('See [1] for details: {"a": 2}')).toEqual({ ok: true, value: [1], repairs: ['prose'] });
  });

  it('coerces the value to the schema after parsing', () => {
    const schema = z.toJSONSchema(z.object({ total: z.number(), paid: z.boolean(), note: z.string().nullable() }), {
      io: 'input',
    });
    expect(parseJsonReply('```json\n{"total": "1,250.50", "paid": "yes"}\n```', schema)).toEqual({
      ok: true,
      value: { total: 1250.5, paid: true, note: null },
      repairs: ['fence', 'coerce-number', 'coerce-boolean', 'null-default'],
    });
  });

  it('reads a number written as a string when the schema asks for an integer (paper-qa style)', () => {
    const schema = z.toJSONSchema(z.object({ summary: z.string(), relevance_score: z.int() }), { io: 'input' });
    const reply = '<think> Thinking </think>I am here to help```json {"summary": "Lorem", "relevance_score": "8"} ```';
    expect(parseJsonReply(reply, schema)).toEqual({
      ok: true,
      value: { summary: 'Lorem', relevance_score: 8 },
      repairs: ['think', 'fence', 'prose', 'coerce-number'],
    });
  });

  it('produces values that zod and ajv accept, dates included', () => {
    const Event = z.object({ title: z.string(), when: z.date(), kind: z.enum(['call', 'meeting']) });
    const schema = z.toJSONSchema(Event, {
      io: 'input',
      unrepresentable: 'any',
      override: (context) => {
        if (context.zodSchema._zod.def.type === 'date') {
          Object.assign(context.jsonSchema, { type: 'string', format: 'date-time', 'x-coerce': 'date' });
        }
      },
    }) as JsonSchema;
    const parsed = parseJsonReply("{'title': 'Sync', 'when': '2024-05-01T09:00:00Z', 'kind': 'Meeting'}", schema);
    expect(parsed.ok).toBe(true);
    if (parsed.ok) {
      const expected = { title: 'Sync', when: new Date('2024-05-01T09:00:00Z'), kind: 'meeting' };
      expect(createZodValidator(Event)(parsed.value)).toEqual({ ok: true, value: expected, repairs: [] });
      expect(createJsonSchemaValidator(schema)(parsed.value)).toEqual({ ok: true, value: expected, repairs: [] });
    }
  });
});

describe('stripThinking', () => {
  it.each([
    ['a reply without reasoning is returned as it is', '{"a":1}', '{"a":1}', false],
    ['a leading think block is removed', '<think>let me see</think>\n{"a":1}', '{"a":1}', true],
    [
      'several leading blocks with other tag names are removed',
      '<thinking>x</thinking>\n<reflection>y</reflection>\nok',
      'ok',
      true,
    ],
    ['tags are matched without regard to case', '<THINK>x</THINK>ok', 'ok', true],
    ['an unclosed leading block (a cut-off reply) leaves no answer', '<think>still thinking about {"a":', '', true],
    [
      'a closing tag whose opening tag was in the prompt cuts the reasoning before it',
      'reasoning here</think>\n\nanswer',
      'answer',
      true,
    ],
    ['a think tag inside the answer is kept', 'answer mentions <think> tags', 'answer mentions <think> tags', false],
  ])('%s', (_name, input, text, stripped) => {
    expect(stripThinking(input)).toEqual({ text, stripped });
  });
});

describe('a reply holding several JSON values', () => {
  const ToolCall: JsonSchema = {
    type: 'object',
    properties: { name: { type: 'string' }, arguments: { type: 'object' } },
    required: ['name', 'arguments'],
  };
  const toolCalls = [
    { name: 'get_weather', arguments: { city: 'Paris' } },
    { name: 'get_time', arguments: { zone: 'CET' } },
  ];
  const tagged = toolCalls.map((call) => `<tool_call>\n${JSON.stringify(call)}\n</tool_call>`).join('\n');
  const fenced = toolCalls.map((call) => `\`\`\`json\n${JSON.stringify(call)}\n\`\`\``).join('\n');
  const sameTwice = `<tools>\n${JSON.stringify(toolCalls[0])}\n</tools>\n<tools>\n${JSON.stringify(toolCalls[0])}\n</tools>`;

  it.each([
    ['in <tool_call> blocks', tagged],
    ['in code fences', fenced],
    ['separated by prose', `First ${JSON.stringify(toolCalls[0])} and then ${JSON.stringify(toolCalls[1])}`],
    ['one after another', `${JSON.stringify(toolCalls[0])}\n${JSON.stringify(toolCalls[1])}`],
  ])('is an issue, never its first value, when the schema wants one object (%s)', (_name, reply) => {
    const outcome = parseJsonReply(reply, ToolCall);
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) {
      expect(outcome.issues[0]?.message).toMatch(/2 different JSON values.*reply with exactly one/);
    }
  });

  it.each([
    ['in <tool_call> blocks', tagged],
    ['in code fences', fenced],
  ])('is read as all of its values when the schema wants an array of them (%s)', (_name, reply) => {
    const outcome = parseJsonReply(reply, { type: 'array', items: ToolCall });
    expect(outcome).toEqual({ ok: true, value: toolCalls, repairs: expect.arrayContaining(['multiple-values']) });
  });

  it('is read as its value when the values are identical copies of one object', () => {
    expect(parseJsonReply(sameTwice, ToolCall)).toMatchObject({ ok: true, value: toolCalls[0] });
    const adjacent = `${JSON.stringify(toolCalls[0])}\n${JSON.stringify(toolCalls[0])}`;
    expect(parseJsonReply(adjacent, ToolCall)).toMatchObject({ ok: true, value: toolCalls[0] });
  });

  it('is read as the one value that fits the schema when the others do not (an example, another shape)', () => {
    const reply = `The format is {"tool": "…"}; here it is:\n\`\`\`json\n${JSON.stringify(toolCalls[0])}\n\`\`\`\n\`\`\`json\n["1", "2"]\n\`\`\``;
    expect(parseJsonReply(reply, ToolCall)).toMatchObject({ ok: true, value: toolCalls[0] });
  });
});

describe('doubled outer braces', () => {
  it.each([
    ['bare', '{{"name": "get_weather", "arguments": {"city": "Paris"}}}'],
    ['in a fence', '```json\n{{"name": "get_weather", "arguments": {"city": "Paris"}}}\n```'],
    ['with prose and spaces', 'Calling: { {"name": "get_weather", "arguments": {"city": "Paris"}} }'],
  ])('are read as one object, as a named repair (%s)', (_name, reply) => {
    const outcome = parseJsonReply(reply);
    expect(outcome).toMatchObject({ ok: true, value: { name: 'get_weather', arguments: { city: 'Paris' } } });
    expect(outcome.repairs).toContain('doubled-braces');
    expect(outcome.repairs).not.toContain('jsonrepair');
  });

  it('leave an object whose only member is an object alone', () => {
    expect(parseJsonReply('{"a": {"b": 1}}')).toEqual({ ok: true, value: { a: { b: 1 } }, repairs: [] });
  });
});
