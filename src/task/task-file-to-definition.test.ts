import { describe, expect, it } from 'vitest';
import { TaskDefinitionError } from '../errors.js';
import { taskFileToDefinition } from './task-file.js';
import type { TaskDefinitionInput } from './types.js';

const schema = { type: 'object', properties: { total: { type: 'number' } } };

describe('taskFileToDefinition', () => {
  it.each<[string, Record<string, unknown>, TaskDefinitionInput]>([
    [
      'classify to a label task',
      { name: 'x', kind: 'classify', labels: ['a', 'b'] },
      {
        name: 'x',
        kind: 'classify',
        format: 'label',
        output: { labels: ['a', 'b'], multi: false },
      },
    ],
    [
      'multi-label classify with descriptions',
      { name: 'x', kind: 'classify', labels: { a: 'A' }, multi: true },
      {
        name: 'x',
        kind: 'classify',
        format: 'label',
        output: { labels: { a: 'A' }, multi: true },
      },
    ],
    [
      'extract to a json task with default instructions',
      { name: 'x', kind: 'extract', schema },
      {
        name: 'x',
        kind: 'extract',
        format: 'json',
        output: schema,
        instructions: 'Extract the data from the text.',
      },
    ],
    [
      'summarize bullets to a lines task',
      { name: 'x', kind: 'summarize', format: 'bullets', maxItems: 5 },
      {
        name: 'x',
        kind: 'summarize',
        format: 'lines',
        output: { maxItems: 5 },
        instructions: 'Summarize the text.',
      },
    ],
    [
      'summarize paragraph to a text task',
      { name: 'x', kind: 'summarize', format: 'paragraph', maxWords: 80, instructions: 'Be brief.' },
      {
        name: 'x',
        kind: 'summarize',
        format: 'text',
        output: { maxWords: 80 },
        instructions: 'Be brief.',
      },
    ],
    [
      'summarize without limits to a task without output',
      { name: 'x', kind: 'summarize', format: 'paragraph' },
      {
        name: 'x',
        kind: 'summarize',
        format: 'text',
        instructions: 'Summarize the text.',
      },
    ],
    [
      'custom json',
      { name: 'x', kind: 'custom', format: 'json', schema },
      { name: 'x', kind: 'custom', format: 'json', output: schema },
    ],
    [
      'custom label',
      { name: 'x', kind: 'custom', format: 'label', labels: ['en'], multi: true },
      {
        name: 'x',
        kind: 'custom',
        format: 'label',
        output: { labels: ['en'], multi: true },
      },
    ],
    [
      'custom lines',
      { name: 'x', kind: 'custom', format: 'lines', maxItems: 3 },
      { name: 'x', kind: 'custom', format: 'lines', output: { maxItems: 3 } },
    ],
    ['custom text', { name: 'x', kind: 'custom', format: 'text' }, { name: 'x', kind: 'custom', format: 'text' }],
    [
      'every setting, leaving $schema behind',
      {
        $schema: '../schema/task.schema.json',
        name: 'x',
        description: 'd',
        kind: 'custom',
        format: 'text',
        instructions: 'i',
        examples: [{ input: 'in', output: 'out' }],
        model: 'qwen-flash',
        temperature: 0.5,
        thinking: true,
        maxTokens: 100,
        jsonMode: 'tool',
      },
      {
        name: 'x',
        description: 'd',
        kind: 'custom',
        format: 'text',
        instructions: 'i',
        examples: [{ input: 'in', output: 'out' }],
        model: 'qwen-flash',
        temperature: 0.5,
        thinking: true,
        maxTokens: 100,
        jsonMode: 'tool',
      },
    ],
  ])('maps %s', (_name, data, definition) => {
    expect(taskFileToDefinition(data)).toEqual(definition);
  });

  it('throws a TaskDefinitionError with every problem and the file', () => {
    const data = { name: 'x', kind: 'classify', lables: [] };
    const error = catchError(() => taskFileToDefinition(data, 'tasks/x.task.yaml'));
    expect(error).toBeInstanceOf(TaskDefinitionError);
    expect(error.file).toBe('tasks/x.task.yaml');
    expect(error.problems).toEqual([
      { path: '', message: 'missing required key "labels"' },
      { path: '/lables', message: 'unknown key "lables"; did you mean "labels"?' },
    ]);
  });
});

function catchError(run: () => unknown): TaskDefinitionError {
  try {
    run();
  } catch (error) {
    return error as TaskDefinitionError;
  }
  throw new Error('expected an error');
}
