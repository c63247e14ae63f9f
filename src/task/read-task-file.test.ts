import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TaskDefinitionError, type TaskDefinitionProblem } from '../errors.js';
import { readTaskFile } from './task-file.js';

let directory: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'qwen-tasks-read-'));
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function write(name: string, text: string): Promise<string> {
  const path = join(directory, name);
  await writeFile(path, text);
  return path;
}

async function problemsOf(path: string): Promise<readonly TaskDefinitionProblem[]> {
  const error = await readTaskFile(path).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(TaskDefinitionError);
  expect((error as TaskDefinitionError).file).toBe(path);
  return (error as TaskDefinitionError).problems;
}

describe('readTaskFile', () => {
  it.each([
    ['a .task.json file', 'a.task.json', '{"name": "a", "kind": "classify"}'],
    ['a .task.yaml file', 'a.task.yaml', 'name: a\nkind: classify\n'],
    ['a .task.yml file', 'a.task.yml', 'name: a\nkind: classify\n'],
    ['an upper-case extension', 'a.TASK.YAML', 'name: a\nkind: classify\n'],
    ['a .task.mjs module with a default export', 'a.task.mjs', "export default { name: 'a', kind: 'classify' };\n"],
    ['a .task.mjs module with a task export', 'b.task.mjs', "export const task = { name: 'a', kind: 'classify' };\n"],
    [
      'a .task.js module (ESM or CommonJS by the nearest package.json)',
      'a.task.js',
      "export default { name: 'a', kind: 'classify' };\n",
    ],
  ])('returns the raw data of %s', async (_name, file, text) => {
    if (file.endsWith('.js')) await writeFile(join(directory, 'package.json'), '{"type": "module"}');
    expect(await readTaskFile(await write(file, text))).toEqual({ name: 'a', kind: 'classify' });
  });

  it('prefers the default export of a module to its task export', async () => {
    const path = await write(
      'both.task.mjs',
      "export const task = { name: 'named' };\nexport default { name: 'default' };\n",
    );
    expect(await readTaskFile(path)).toEqual({ name: 'default' });
  });

  it.each([
    ['a JSON file', 'missing.task.json'],
    ['a YAML file', 'missing.task.yaml'],
    ['a module', 'missing.task.mjs'],
  ])('reports a missing %s as "file not found"', async (_name, file) => {
    expect(await problemsOf(join(directory, file))).toEqual([{ path: '', message: 'file not found' }]);
  });

  it('reports a directory named like a task file', async () => {
    await mkdir(join(directory, 'folder.task.yaml'));
    expect(await problemsOf(join(directory, 'folder.task.yaml'))).toEqual([
      { path: '', message: 'is a directory, not a file' },
    ]);
  });

  it.each([
    ['.txt', 'a.task.txt', 'unsupported file type .txt: use .task.json, .task.yaml, .task.yml, .task.js or .task.mjs'],
    [
      'no extension',
      'task',
      'unsupported file type (none): use .task.json, .task.yaml, .task.yml, .task.js or .task.mjs',
    ],
    [
      '.ts',
      'a.task.ts',
      'unsupported file type .ts: Node cannot import TypeScript at run time; import the task in your code or compile it to .js (use .task.json, .task.yaml, .task.yml, .task.js or .task.mjs)',
    ],
  ])('refuses a file with %s, naming the supported types', async (_name, file, message) => {
    expect(await problemsOf(join(directory, file))).toEqual([{ path: '', message }]);
  });

  it('reports a module that throws while it is imported', async () => {
    const path = await write('throws.task.mjs', "throw new Error('boom');\n");
    expect(await problemsOf(path)).toEqual([{ path: '', message: 'the module failed to import: boom' }]);
  });

  it('reports a module without a default or task export', async () => {
    const path = await write('empty.task.mjs', 'export const other = 1;\n');
    expect(await problemsOf(path)).toEqual([
      { path: '', message: 'the module has neither a default export nor an export named "task"' },
    ]);
  });

  it('reports a YAML syntax error with its line', async () => {
    const path = await write('broken.task.yaml', 'name: x\nkind: classify\nlabels: [a, b\nmulti: true\n');
    const [problem] = await problemsOf(path);
    expect(problem?.path).toBe('');
    expect(problem?.message).toMatch(/^invalid YAML at line 4, column 1: /);
  });
});
