import { describe, expect, it } from 'vitest';
import type { TaskDefinitionProblem } from '../errors.js';
import { validateTaskFile } from './task-file.js';

const classify = { name: 'triage', kind: 'classify', labels: ['billing', 'bug'] };
const invoiceSchema = {
  type: 'object',
  properties: { total: { type: 'number' }, currency: { type: 'string' } },
  required: ['total'],
  additionalProperties: false,
};

describe('validateTaskFile', () => {
  it.each<[string, unknown]>([
    ['a classify file with a label list', classify],
    [
      'a classify file with label descriptions, multi and examples',
      {
        ...classify,
        labels: { billing: 'money', bug: 'broken' },
        multi: true,
        examples: [{ input: 'charged twice', output: ['billing'] }],
      },
    ],
    [
      'an extract file with a schema and a fitting example',
      {
        name: 'invoice',
        kind: 'extract',
        schema: invoiceSchema,
        examples: [{ input: 'Total 12 EUR', output: { total: 12, currency: 'EUR' } }],
      },
    ],
    [
      'a summarize file with bullets',
      { name: 'notes', kind: 'summarize', format: 'bullets', maxItems: 5, examples: [{ input: 'x', output: ['a'] }] },
    ],
    ['a summarize file with a paragraph', { name: 'notes', kind: 'summarize', format: 'paragraph', maxWords: 80 }],
    [
      'a custom label file',
      {
        name: 'lang',
        kind: 'custom',
        format: 'label',
        labels: ['en', 'de'],
        examples: [{ input: 'Hallo', output: 'de' }],
      },
    ],
    ['a custom json file', { name: 'x', kind: 'custom', format: 'json', schema: { type: 'object' }, jsonMode: 'tool' }],
    [
      'a custom text file with every setting',
      {
        $schema: '../schema/task.schema.json',
        name: 'x',
        description: 'd',
        kind: 'custom',
        format: 'text',
        maxWords: 10,
        instructions: 'Do it.',
        model: 'qwen-flash',
        temperature: 1.99,
        thinking: true,
        maxTokens: 32768,
        jsonMode: 'prompt',
      },
    ],
  ])('accepts %s', (_name, data) => {
    expect(validateTaskFile(data)).toEqual([]);
  });

  it.each<[string, unknown, TaskDefinitionProblem[]]>([
    ['an empty definition', null, [{ path: '', message: 'the task definition is empty' }]],
    ['a list instead of an object', [], [{ path: '', message: 'must be an object (key: value pairs), not a list' }]],
    [
      'an object with nothing in it',
      {},
      [
        { path: '', message: 'missing required key "name"' },
        { path: '', message: 'missing required key "kind"' },
      ],
    ],
    [
      'an unknown key, with a suggestion',
      { ...classify, lables: ['a'] },
      [{ path: '/lables', message: 'unknown key "lables"; did you mean "labels"?' }],
    ],
    [
      'an unknown kind',
      { ...classify, kind: 'sort' },
      [{ path: '/kind', message: 'must be one of classify, extract, summarize, custom' }],
    ],
    [
      'a misspelt kind',
      { ...classify, kind: 'clasify' },
      [{ path: '/kind', message: 'must be one of classify, extract, summarize, custom; did you mean "classify"?' }],
    ],
    ['missing labels', { name: 'x', kind: 'classify' }, [{ path: '', message: 'missing required key "labels"' }]],
    ['empty labels', { ...classify, labels: [] }, [{ path: '/labels', message: 'must not be empty' }]],
    [
      'labels of the wrong type',
      { ...classify, labels: 'billing' },
      [{ path: '/labels', message: 'must be a list or an object (key: value pairs), not a string' }],
    ],
    [
      'duplicate labels after case folding',
      { ...classify, labels: ['billing', 'Billing'] },
      [{ path: '/labels/1', message: 'label "Billing" duplicates "billing" (labels are compared case-insensitively)' }],
    ],
    [
      'duplicate label keys after case folding',
      { ...classify, labels: { bug: 'a', BUG: 'b' } },
      [{ path: '/labels/BUG', message: 'label "BUG" duplicates "bug" (labels are compared case-insensitively)' }],
    ],
    [
      'a label description that is not a string',
      { ...classify, labels: { bug: 3 } },
      [{ path: '/labels/bug', message: 'must be a string, not the number 3' }],
    ],
    [
      'an example output that is not a label',
      { ...classify, examples: [{ input: 'x', output: 'Bug' }] },
      [{ path: '/examples/0/output', message: '"Bug" is not one of the labels; did you mean "bug"?' }],
    ],
    [
      'a multi example output with a stray label',
      { ...classify, multi: true, examples: [{ input: 'x', output: ['bug', 'refund'] }] },
      [{ path: '/examples/0/output/1', message: '"refund" is not one of the labels' }],
    ],
    [
      'a single example output on a multi task',
      { ...classify, multi: true, examples: [{ input: 'x', output: 'bug' }] },
      [{ path: '/examples/0/output', message: 'must be a list of labels (multi is true)' }],
    ],
    [
      'an example without output and with a typo',
      { ...classify, examples: [{ input: 'x', outptu: 'bug' }] },
      [
        { path: '/examples/0', message: 'missing required key "output"' },
        { path: '/examples/0/outptu', message: 'unknown key "outptu"; did you mean "output"?' },
      ],
    ],
    [
      'a key that does not apply to the kind',
      { ...classify, schema: { type: 'object' } },
      [{ path: '/schema', message: 'key "schema" does not apply to kind classify' }],
    ],
    [
      'a limit that does not apply to the format',
      { name: 'x', kind: 'summarize', format: 'bullets', maxWords: 5 },
      [{ path: '/maxWords', message: 'key "maxWords" does not apply to kind summarize with format bullets' }],
    ],
    [
      'a summarize format of another kind',
      { name: 'x', kind: 'summarize', format: 'json' },
      [{ path: '/format', message: 'must be one of bullets, paragraph' }],
    ],
    [
      'a custom task without a format',
      { name: 'x', kind: 'custom' },
      [{ path: '', message: 'missing required key "format"' }],
    ],
    [
      'a custom json task without a schema',
      { name: 'x', kind: 'custom', format: 'json' },
      [{ path: '', message: 'missing required key "schema"' }],
    ],
    [
      'an extract schema that is not JSON Schema',
      { name: 'x', kind: 'extract', schema: { type: 'strin' } },
      [
        {
          path: '/schema/type',
          message: 'must be one of array, boolean, integer, null, number, object, string; did you mean "string"?',
        },
      ],
    ],
    [
      'an extract schema with a dangling $ref',
      { name: 'x', kind: 'extract', schema: { $ref: '#/$defs/missing' } },
      [{ path: '/schema', message: "the schema does not compile: can't resolve reference #/$defs/missing from id #" }],
    ],
    [
      'an extract example that does not fit the schema',
      {
        name: 'x',
        kind: 'extract',
        schema: invoiceSchema,
        examples: [{ input: 'x', output: { total: '12', vat: 1 } }],
      },
      [
        { path: '/examples/0/output/total', message: 'does not fit the schema: must be a number, not a string' },
        { path: '/examples/0/output/vat', message: 'does not fit the schema: unknown key "vat"' },
      ],
    ],
    [
      'a bullets example that is a string',
      { name: 'x', kind: 'summarize', format: 'bullets', examples: [{ input: 'x', output: 'a' }] },
      [{ path: '/examples/0/output', message: 'must be a list of strings' }],
    ],
    ['a temperature of 2', { ...classify, temperature: 2 }, [{ path: '/temperature', message: 'must be less than 2' }]],
    [
      'a negative temperature',
      { ...classify, temperature: -0.1 },
      [{ path: '/temperature', message: 'must be at least 0' }],
    ],
    [
      'a temperature given as text',
      { ...classify, temperature: 'low' },
      [{ path: '/temperature', message: 'must be a number, not a string' }],
    ],
    [
      'maxTokens over the limit',
      { ...classify, maxTokens: 40000 },
      [{ path: '/maxTokens', message: 'must be at most 32768' }],
    ],
    [
      'a fractional maxItems',
      { name: 'x', kind: 'summarize', format: 'bullets', maxItems: 2.5 },
      [{ path: '/maxItems', message: 'must be a whole number, not the number 2.5' }],
    ],
    [
      'thinking given as a string',
      { ...classify, thinking: 'yes' },
      [{ path: '/thinking', message: 'must be true or false, not a string' }],
    ],
    [
      'a name with spaces',
      { ...classify, name: 'support triage' },
      [{ path: '/name', message: 'must start with a letter or digit and hold only letters, digits, ".", "_" and "-"' }],
    ],
  ])('reports %s', (_name, data, problems) => {
    expect(validateTaskFile(data)).toEqual(problems);
  });

  it('reports every problem of a file at once, sorted by path', () => {
    const data = {
      name: 7,
      kind: 'classify',
      labels: ['a', 'A', 3],
      temperature: 5,
      colour: 'red',
      examples: [
        { input: 'x', output: 'a' },
        { input: '', output: 'a' },
      ],
    };
    expect(validateTaskFile(data)).toEqual([
      { path: '/colour', message: 'unknown key "colour"' },
      { path: '/examples/1/input', message: 'must not be empty' },
      { path: '/labels/1', message: 'label "A" duplicates "a" (labels are compared case-insensitively)' },
      { path: '/labels/2', message: 'must be a string, not the number 3' },
      { path: '/name', message: 'must be a string, not the number 7' },
      { path: '/temperature', message: 'must be less than 2' },
    ]);
  });

  it('says "the file is empty" when it knows the data came from a file', () => {
    expect(validateTaskFile(undefined, 'tasks/empty.task.yaml')).toEqual([{ path: '', message: 'the file is empty' }]);
  });

  it('escapes "/" and "~" in the JSON path of an unknown key', () => {
    expect(validateTaskFile({ ...classify, 'a/b~c': 1 })).toEqual([
      { path: '/a~1b~0c', message: 'unknown key "a/b~c"' },
    ]);
  });
});
