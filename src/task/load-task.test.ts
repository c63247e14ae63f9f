import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TaskDefinitionError, type TaskDefinitionProblem } from '../errors.js';
import { loadTask, readTaskFile, validateTaskFile } from './task-file.js';

const tasksDirectory = fileURLToPath(new URL('../../tasks/', import.meta.url));
let directory: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'qwen-tasks-load-'));
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function loadError(path: string): Promise<TaskDefinitionError> {
  const error = await loadTask(path).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(TaskDefinitionError);
  return error as TaskDefinitionError;
}

describe('ready-made task files', () => {
  it.each([
    [
      'sentiment.task.json',
      { name: 'sentiment', kind: 'classify', format: 'label', labels: ['positive', 'negative', 'neutral'] },
    ],
    ['support-triage.task.yaml', { name: 'support-triage', kind: 'classify', format: 'label', multi: true }],
    ['invoice.task.json', { name: 'invoice', kind: 'extract', format: 'json' }],
    ['meeting-notes.task.yaml', { name: 'meeting-notes', kind: 'summarize', format: 'lines', maxItems: 5 }],
    ['language-detect.task.yaml', { name: 'language-detect', kind: 'custom', format: 'label' }],
    ['contact.task.mjs', { name: 'contact', kind: 'extract', format: 'json' }],
  ])('loads %s', async (file, expected) => {
    const task = await loadTask(join(tasksDirectory, file));
    expect(task).toMatchObject(expected);
    expect(task.hash).toEqual(expect.any(String));
  });

  it('are all covered above, and every data file validates and points at the task-file schema', async () => {
    const files = (await readdir(tasksDirectory)).filter((file) => /\.task\.(json|ya?ml|m?js)$/.test(file)).sort();
    expect(files).toEqual([
      'contact.task.mjs',
      'invoice.task.json',
      'language-detect.task.yaml',
      'meeting-notes.task.yaml',
      'sentiment.task.json',
      'support-triage.task.yaml',
    ]);
    for (const file of files.filter((name) => !name.endsWith('js'))) {
      const data = await readTaskFile(join(tasksDirectory, file));
      expect(validateTaskFile(data, file), file).toEqual([]);
      expect((data as { $schema?: unknown }).$schema, file).toBe('../schema/task.schema.json');
    }
  });

  it('keeps the label descriptions and the examples of support-triage', async () => {
    const task = await loadTask(join(tasksDirectory, 'support-triage.task.yaml'));
    expect(task.labelDescriptions).toEqual({
      billing: 'invoices, refunds, payment failures',
      bug: 'something in the product is broken',
      'feature-request': 'asks for something new',
    });
    expect(task.examples).toEqual([
      { input: 'I was charged twice and the export button crashes.', output: ['billing', 'bug'] },
    ]);
    expect(task.instructions).toBe('Pick every label that applies.');
  });
});

describe('loadTask', () => {
  it.each<[string, string, string, TaskDefinitionProblem[]]>([
    [
      'a value of the wrong type',
      'wrong-type.task.json',
      '{"name": "x", "kind": "classify", "labels": ["a"], "multi": "yes"}',
      [{ path: '/multi', message: 'must be true or false, not a string' }],
    ],
    [
      'an unknown key, by name',
      'unknown-key.task.yaml',
      'name: x\nkind: classify\nlabels: [a]\ncolour: red\n',
      [{ path: '/colour', message: 'unknown key "colour"' }],
    ],
    [
      'an unknown kind',
      'unknown-kind.task.yaml',
      'name: x\nkind: rank\nlabels: [a]\n',
      [{ path: '/kind', message: 'must be one of classify, extract, summarize, custom' }],
    ],
    [
      'missing labels',
      'no-labels.task.yaml',
      'name: x\nkind: classify\n',
      [{ path: '', message: 'missing required key "labels"' }],
    ],
    [
      'duplicate labels after case folding',
      'duplicates.task.yaml',
      'name: x\nkind: classify\nlabels: [Bug, billing, bug]\n',
      [{ path: '/labels/2', message: 'label "bug" duplicates "Bug" (labels are compared case-insensitively)' }],
    ],
    [
      'an example output that is not a label',
      'bad-example.task.yaml',
      'name: x\nkind: classify\nlabels: [a, b]\nexamples:\n  - input: hi\n    output: c\n',
      [{ path: '/examples/0/output', message: '"c" is not one of the labels' }],
    ],
    [
      'an extract schema that ajv rejects',
      'bad-schema.task.json',
      '{"name": "x", "kind": "extract", "schema": {"type": "object", "required": "total"}}',
      [{ path: '/schema/required', message: 'must be a list, not a string' }],
    ],
    [
      'a temperature out of range',
      'hot.task.yaml',
      'name: x\nkind: classify\nlabels: [a]\ntemperature: 2.5\n',
      [{ path: '/temperature', message: 'must be less than 2' }],
    ],
    ['an empty file', 'empty.task.yaml', '', [{ path: '', message: 'the file is empty' }]],
    [
      'a YAML syntax error with its line and column',
      'syntax.task.yaml',
      'name: x\nkind: classify\nname: y\n',
      [{ path: '', message: 'invalid YAML at line 3, column 1: Map keys must be unique' }],
    ],
    [
      'a JSON syntax error with its line and column',
      'syntax.task.json',
      '{\n  "name": "x"\n  "kind": "classify"\n}\n',
      [{ path: '', message: "invalid JSON at line 3, column 3: Expected ',' or '}' after property value" }],
    ],
    [
      'a wrong extension',
      'task.txt',
      'name: x\n',
      [
        {
          path: '',
          message: 'unsupported file type .txt: use .task.json, .task.yaml, .task.yml, .task.js or .task.mjs',
        },
      ],
    ],
  ])('reports %s with the file and the JSON path', async (_name, file, text, problems) => {
    const path = join(directory, file);
    await writeFile(path, text);
    const error = await loadError(path);
    expect(error.file).toBe(path);
    expect(error.problems).toEqual(problems);
  });

  it('reports a missing file', async () => {
    const path = join(directory, 'nowhere.task.yaml');
    const error = await loadError(path);
    expect(error.file).toBe(path);
    expect(error.problems).toEqual([{ path: '', message: 'file not found' }]);
    expect(error.message).toBe(`${path}: file not found`);
  });

  it('reports several problems of one file at once', async () => {
    const path = join(directory, 'many.task.yaml');
    const text = [
      'name: support triage',
      'kind: classify',
      'labels: [billing, Billing, 3]',
      'lables: [bug]',
      'temperature: -1',
      'examples:',
      '  - input: hi',
      '    output: refund',
    ].join('\n');
    await writeFile(path, text);
    const error = await loadError(path);
    expect(error.file).toBe(path);
    expect(error.problems).toEqual([
      { path: '/examples/0/output', message: '"refund" is not one of the labels' },
      { path: '/labels/1', message: 'label "Billing" duplicates "billing" (labels are compared case-insensitively)' },
      { path: '/labels/2', message: 'must be a string, not the number 3' },
      { path: '/lables', message: 'unknown key "lables"; did you mean "labels"?' },
      { path: '/name', message: 'must start with a letter or digit and hold only letters, digits, ".", "_" and "-"' },
      { path: '/temperature', message: 'must be at least 0' },
    ]);
    expect(error.message.split('\n')[0]).toBe('6 problems:');
  });

  it('returns a task a module exports (it has a hash and a format) as it is', async () => {
    const path = join(directory, 'defined.task.mjs');
    await writeFile(path, "export default { name: 'defined', hash: 'abc', format: 'text', kind: 'custom' };\n");
    expect(await loadTask(path)).toBe(((await import(pathToFileURL(path).href)) as { default: unknown }).default);
  });

  it('defines the task a module exports as a definition', async () => {
    const path = join(directory, 'definition.task.mjs');
    await writeFile(path, "export const task = { name: 'tone', output: { labels: ['calm', 'angry'] } };\n");
    const task = await loadTask(path);
    expect(task).toMatchObject({ name: 'tone', format: 'label', labels: ['calm', 'angry'] });
  });

  it('names the module in the errors of a bad definition it exports', async () => {
    const path = join(directory, 'bad-definition.task.mjs');
    await writeFile(path, "export default { name: '', output: { labels: ['a'] } };\n");
    const error = await loadError(path);
    expect(error.file).toBe(path);
    expect(error.problems.map((problem) => problem.path)).toContain('/name');
  });

  it('refuses a module whose export is not an object', async () => {
    const path = join(directory, 'string.task.mjs');
    await writeFile(path, "export default 'sentiment';\n");
    const error = await loadError(path);
    expect(error.problems).toEqual([
      { path: '', message: 'the module must export a task or a task definition object' },
    ]);
  });
});
