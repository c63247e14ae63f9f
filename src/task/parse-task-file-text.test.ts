import { describe, expect, it } from 'vitest';
import { TaskDefinitionError } from '../errors.js';
import { parseTaskFileText, type TaskFileSyntax } from './task-file.js';

function syntaxProblem(
  text: string,
  syntax: TaskFileSyntax,
): { file: string | undefined; message: string | undefined; path: string | undefined } {
  try {
    parseTaskFileText(text, syntax, 'x.task');
  } catch (error) {
    expect(error).toBeInstanceOf(TaskDefinitionError);
    const { file, problems } = error as TaskDefinitionError;
    expect(problems).toHaveLength(1);
    return { file, message: problems[0]?.message, path: problems[0]?.path };
  }
  throw new Error('expected a syntax error');
}

describe('parseTaskFileText', () => {
  it.each<[string, string, TaskFileSyntax, unknown]>([
    ['YAML', 'name: x\nlabels: [a, b]\n', 'yaml', { name: 'x', labels: ['a', 'b'] }],
    ['JSON', '{"name": "x"}', 'json', { name: 'x' }],
    ['JSON after a byte-order mark', '\uFEFF{"name": "x"}', 'json', { name: 'x' }],
    ['YAML after a byte-order mark', '\uFEFFname: x\n', 'yaml', { name: 'x' }],
    ['an empty YAML file as null', '', 'yaml', null],
    ['yes and no in YAML as strings (YAML 1.2)', 'labels: [yes, no]\n', 'yaml', { labels: ['yes', 'no'] }],
  ])('parses %s', (_name, text, syntax, data) => {
    expect(parseTaskFileText(text, syntax, 'x.task')).toEqual(data);
  });

  it.each<[string, string, TaskFileSyntax, string]>([
    [
      'an unclosed YAML flow list',
      'name: x\nlabels: [a, b\nkind: classify\n',
      'yaml',
      'invalid YAML at line 3, column 1: ',
    ],
    [
      'a duplicate YAML key',
      'name: x\nkind: classify\nname: y\n',
      'yaml',
      'invalid YAML at line 3, column 1: Map keys must be unique',
    ],
    ['a tab-indented YAML line', 'name: x\nlabels:\n\t- a\n', 'yaml', 'invalid YAML at line 3, column 1: '],
    ['a missing JSON comma', '{\n  "name": "x"\n  "kind": "classify"\n}', 'json', 'invalid JSON at line 3, column 3: '],
    [
      'a JSON value left out',
      '{\n  "name": "x",\n  "kind": ,\n  "labels": ["a"]\n}',
      'json',
      'invalid JSON at line 3, column 11: ',
    ],
    ['a truncated JSON file', '{\n  "name": "x",\n', 'json', 'invalid JSON at line 3, column 1: '],
    ['a short broken JSON file', '{"a": }', 'json', 'invalid JSON: '],
  ])('reports %s with its line and column', (_name, text, syntax, start) => {
    const problem = syntaxProblem(text, syntax);
    expect(problem.path).toBe('');
    expect(problem.file).toBe('x.task');
    expect(problem.message?.startsWith(start), problem.message).toBe(true);
    expect(problem.message).not.toContain('\n');
  });

  it('refuses a YAML file that expands too many aliases', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let level = 1; level <= 6; level++) {
      lines.push(
        `${String.fromCharCode(97 + level)}: &${String.fromCharCode(97 + level)} [${Array(10)
          .fill(`*${String.fromCharCode(96 + level)}`)
          .join(', ')}]`,
      );
    }
    expect(syntaxProblem(lines.join('\n'), 'yaml').message).toMatch(/^invalid YAML: /);
  });
});
