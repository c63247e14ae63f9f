import { readFile, stat } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TaskDefinitionError } from '../errors.js';
import { parseTaskFileText, type TaskFileSyntax } from './parse-task-file-text.js';

/** How each supported extension is read. */
const SYNTAX_BY_EXTENSION: Readonly<Record<string, TaskFileSyntax | 'module'>> = {
  '.json': 'json',
  '.yaml': 'yaml',
  '.yml': 'yaml',
  '.js': 'module',
  '.mjs': 'module',
};

/** How a task file is read, by its extension; `undefined` for unsupported files. @internal */
export function taskFileSyntax(path: string): TaskFileSyntax | 'module' | undefined {
  return SYNTAX_BY_EXTENSION[extname(path).toLowerCase()];
}

/**
 * Reads a task file and returns its raw data, unvalidated: the parsed object of a `.task.json` or
 * `.task.yaml`/`.task.yml` file, or the default export (else the `task` export) of a `.task.js`/`.task.mjs`
 * module. Throws {@link TaskDefinitionError} for an unsupported extension, a missing file, a syntax error
 * (with line and column) or a module that fails to import.
 *
 * @param path - Path of the file, relative to the working directory or absolute.
 */
export async function readTaskFile(path: string): Promise<unknown> {
  const syntax = taskFileSyntax(path);
  if (syntax === undefined) throw fileError(path, unsupportedMessage(path));
  if (syntax === 'module') return importTaskModule(path);
  let text: string;
  try {
    text = await readFile(resolve(path), 'utf8');
  } catch (error) {
    throw fileError(path, readFailureMessage(error), error);
  }
  return parseTaskFileText(text, syntax, path);
}

async function importTaskModule(path: string): Promise<unknown> {
  const absolutePath = resolve(path);
  try {
    if ((await stat(absolutePath)).isDirectory()) throw Object.assign(new Error(absolutePath), { code: 'EISDIR' });
  } catch (error) {
    throw fileError(path, readFailureMessage(error), error);
  }
  let exports: Record<string, unknown>;
  try {
    exports = (await import(pathToFileURL(absolutePath).href)) as Record<string, unknown>;
  } catch (error) {
    throw fileError(path, `the module failed to import: ${(error as Error).message}`, error);
  }
  const value = exports.default ?? exports.task;
  if (value === undefined) throw fileError(path, 'the module has neither a default export nor an export named "task"');
  return value;
}

function unsupportedMessage(path: string): string {
  const extension = extname(path) || '(none)';
  const supported = 'use .task.json, .task.yaml, .task.yml, .task.js or .task.mjs';
  if (['.ts', '.mts', '.cts'].includes(extension.toLowerCase())) {
    return `unsupported file type ${extension}: Node cannot import TypeScript at run time; import the task in your code or compile it to .js (${supported})`;
  }
  return `unsupported file type ${extension}: ${supported}`;
}

function readFailureMessage(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (code === 'ENOENT') return 'file not found';
  if (code === 'EISDIR') return 'is a directory, not a file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return `cannot read the file: ${(error as Error).message}`;
}

function fileError(file: string, message: string, cause?: unknown): TaskDefinitionError {
  return new TaskDefinitionError([{ path: '', message }], cause === undefined ? { file } : { file, cause });
}
