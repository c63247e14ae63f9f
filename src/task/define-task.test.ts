import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { TaskDefinitionError } from '../errors.js';
import { compileTask, defineTask, normalizeLabels } from './define-task.js';
import type { TaskDefinitionInput } from './types.js';

describe('defineTask', () => {
  it('returns a frozen plain value with defaults applied', () => {
    const task = defineTask({ name: 'sentiment', output: { labels: ['positive', 'negative'] } });
    expect(Object.isFrozen(task)).toBe(true);
    expect(Object.isFrozen(task.settings)).toBe(true);
    expect(task).toMatchObject({
      name: 'sentiment',
      format: 'label',
      kind: 'custom',
      labels: ['positive', 'negative'],
      multi: false,
      settings: { temperature: 0, thinking: false, jsonMode: 'json_object' },
      jsonSchema: { type: 'string', enum: ['positive', 'negative'] },
    });
  });

  it('infers the format from the output', () => {
    expect(defineTask({ name: 'a', output: z.object({ x: z.string() }) }).format).toBe('json');
    expect(defineTask({ name: 'a', output: { type: 'object', properties: {} } }).format).toBe('json');
    expect(defineTask({ name: 'a', output: { maxItems: 3 } }).format).toBe('lines');
    expect(defineTask({ name: 'a', output: { maxWords: 30 } }).format).toBe('text');
    expect(defineTask({ name: 'a' }).format).toBe('text');
  });

  it('accepts z.coerce.bigint() as a string of digits and reads it back exactly', () => {
    const task = defineTask({ name: 'a', output: z.object({ id: z.coerce.bigint() }) });
    expect(task.jsonSchema).toMatchObject({ properties: { id: { type: 'string', pattern: '^-?\\d+$' } } });
    expect(compileTask(task).parse('{"id": "12345678901234567890"}')).toMatchObject({
      ok: true,
      value: { id: 12345678901234567890n },
    });
  });

  it('accepts z.custom(), whose check may accept a JSON value', () => {
    const task = defineTask({ name: 'a', output: z.object({ code: z.custom<string>((v) => typeof v === 'string') }) });
    expect(compileTask(task).parse('{"code": "x"}')).toMatchObject({ ok: true, value: { code: 'x' } });
  });

  it('turns a zod schema into JSON Schema once, marking dates for coercion', () => {
    const task = defineTask({ name: 'a', output: z.object({ when: z.date(), n: z.number().optional() }) });
    expect(task.jsonSchema).toEqual({
      type: 'object',
      properties: { when: { type: 'string', format: 'date-time', 'x-coerce': 'date' }, n: { type: 'number' } },
      required: ['when'],
    });
    expect(task.zodSchema).toBeDefined();
  });

  it('hashes equal definitions equally and different ones differently', () => {
    const a = defineTask({ name: 'a', output: { labels: ['x', 'y'] } });
    const b = defineTask({ name: 'a', output: { labels: ['x', 'y'] } });
    const c = defineTask({ name: 'a', output: { labels: ['x', 'z'] } });
    expect(a.hash).toBe(b.hash);
    expect(a.hash).not.toBe(c.hash);
  });

  it('reports every problem at once, each with its path', () => {
    const bad = {
      name: '',
      temperature: 3,
      maxTokens: 0,
      jsonMode: 'yaml',
      output: { labels: ['a', 'A', ''] },
      examples: [{ input: 'x', output: 'b' }],
    } as unknown as TaskDefinitionInput;
    const error = (() => {
      try {
        defineTask(bad);
      } catch (caught) {
        return caught as TaskDefinitionError;
      }
    })();
    expect(error).toBeInstanceOf(TaskDefinitionError);
    expect(error?.problems.map((problem) => problem.path)).toEqual([
      '/name',
      '/temperature',
      '/maxTokens',
      '/jsonMode',
      '/output/labels/1',
      '/output/labels/2',
      '/examples/0/output',
    ]);
  });

  it.each([
    ['a json task without a schema', { name: 'a', format: 'json' }, '/output'],
    ['a label task without labels', { name: 'a', format: 'label' }, '/output'],
    [
      'too many labels',
      { name: 'a', output: { labels: Array.from({ length: 501 }, (_, index) => `l${index}`) } },
      '/output/labels',
    ],
    ['a bad maxItems', { name: 'a', format: 'lines', output: { maxItems: -1 } }, '/output/maxItems'],
    ['a bad maxWords', { name: 'a', format: 'text', output: { maxWords: 1.5 } }, '/output/maxWords'],
    ['a NaN temperature', { name: 'a', temperature: Number.NaN }, '/temperature'],
    ['an unknown format', { name: 'a', format: 'xml' }, '/format'],
    [
      'a JSON Schema ajv rejects',
      { name: 'a', output: { type: 'object', properties: { a: { type: 'strin' } } } },
      '/output',
    ],
  ])('rejects %s', (_name, input, path) => {
    expect(() => defineTask(input as TaskDefinitionInput)).toThrow(TaskDefinitionError);
    try {
      defineTask(input as TaskDefinitionInput);
    } catch (error) {
      expect((error as TaskDefinitionError).problems[0]?.path).toBe(path);
    }
  });
});

describe('the one label check', () => {
  // These lists were once also checked by the prompt layer (labelInstruction threw an InputError at `labels[i]`);
  // the task's check is the only one now, and reports each at the same position.
  it.each([
    { labels: [], path: 'labels' },
    { labels: ['a', ' '], path: 'labels/1' },
    { labels: ['a', 'a'], path: 'labels/1' },
    { labels: ['a\nb'], path: 'labels/0' },
    { labels: ['a\u2028b'], path: 'labels/0' },
    { labels: ['a\u2029b'], path: 'labels/0' },
  ])('rejects the label list $labels at $path', ({ labels, path }) => {
    expect(normalizeLabels(labels, 'labels').problems).toContainEqual(expect.objectContaining({ path }));
    expect(() => defineTask({ name: 't', output: { labels } })).toThrow(TaskDefinitionError);
  });

  it('builds a label task’s matcher once, when the task is compiled', () => {
    const task = defineTask({ name: 't', output: { labels: ['a', 'b'] } });
    const matcher = compileTask(task).labelMatcher;
    expect(matcher?.match('B')).toEqual({ label: 'b', exact: false });
    expect(compileTask(task).labelMatcher).toBe(matcher);
  });
});
