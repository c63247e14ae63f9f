/**
 * Task files (`*.task.json`, `*.task.yaml`, `*.task.mjs`): reading and parsing them, validating their data, turning
 * it into a definition, and loading a task from one. See `docs/task-files.md`.
 * @module
 */
import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import { TaskDefinitionError, type TaskDefinitionProblem } from '../errors.js';
import { loadAjv2020 } from '../output/schema.js';
import { defineTask } from './define-task.js';
import { taskFileAjvProblems, taskFileContentProblems } from './task-file-problems.js';
import { type TaskFile, taskFileSchema } from './task-file-schema.js';
import type { OutputFormat, Task, TaskDefinitionInput } from './types.js';

/**
 * Loads a task from a `*.task.json`/`.yaml`/`.yml` file (validated, then defined) or a `*.task.js`/`.mjs` module
 * (its default export, else its `task` export). Every problem is reported at once as a {@link TaskDefinitionError}
 * naming the file. See `docs/task-files.md`.
 */
export async function loadTask(path: string): Promise<Task> {
  const data = await readTaskFile(path);
  if (taskFileSyntax(path) === 'module') {
    if (isTask(data)) return data;
    if (data === null || typeof data !== 'object') {
      throw new TaskDefinitionError(
        [{ path: '', message: 'the module must export a task or a task definition object' }],
        { file: path },
      );
    }
    return defineWithFile(data as TaskDefinitionInput, path, (problemPath) => problemPath);
  }
  const definition = taskFileToDefinition(data, path);
  return defineWithFile(definition, path, (problemPath) => filePath(problemPath, definition.format));
}

/** A defined task (rather than a definition): it has a hash and a format. */
function isTask(value: unknown): value is Task {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { hash?: unknown }).hash === 'string' &&
    typeof (value as { format?: unknown }).format === 'string'
  );
}

/** Calls `defineTask`, naming the file (and the file's own paths) in its errors. */
function defineWithFile(definition: TaskDefinitionInput, file: string, toFilePath: (path: string) => string): Task {
  try {
    return defineTask(definition);
  } catch (error) {
    if (!(error instanceof TaskDefinitionError) || error.file !== undefined) throw error;
    const problems: TaskDefinitionProblem[] = error.problems.map((problem) => ({
      ...problem,
      path: toFilePath(problem.path),
    }));
    throw new TaskDefinitionError(problems, { file, cause: error });
  }
}

/** Maps a path of the definition (`/output/labels/2`) to the task file's own (`/labels/2`). */
function filePath(path: string, format: OutputFormat | undefined): string {
  if (format === 'json') return path.replace(/^\/output(?=\/|$)/, '/schema');
  if (format === 'lines' || format === 'text') return path.replace(/^\/output(?=\/|$)/, '');
  return path.replace(/^\/output\/(labels|multi)(?=\/|$)/, '/$1');
}

/** How each supported extension is read. */
const SYNTAX_BY_EXTENSION: Readonly<Record<string, TaskFileSyntax | 'module'>> = {
  '.json': 'json',
  '.yaml': 'yaml',
  '.yml': 'yaml',
  '.js': 'module',
  '.mjs': 'module',
};

/** How a task file is read, by its extension; `undefined` for unsupported files. */
function taskFileSyntax(path: string): TaskFileSyntax | 'module' | undefined {
  return SYNTAX_BY_EXTENSION[extname(path).toLowerCase()];
}

/**
 * Reads a task file and returns its raw data, unvalidated (parsed JSON or YAML, or a module's default else `task`
 * export). Throws {@link TaskDefinitionError} for an unsupported, missing, unparsable or failing file.
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

/** Syntax of a data task file. */
export type TaskFileSyntax = 'json' | 'yaml';

/** Most YAML aliases a file may expand: a task file needs few, a "billion laughs" file needs many. */
const MAX_YAML_ALIASES = 100;

/**
 * Parses the text of a `.task.json` or `.task.yaml` file. A syntax error becomes a {@link TaskDefinitionError} at
 * path `''` whose message gives the line and column.
 */
export function parseTaskFileText(text: string, syntax: TaskFileSyntax, file: string): unknown {
  const source = text.startsWith('\uFEFF') ? text.slice(1) : text;
  return syntax === 'json' ? parseJson(source, file) : parseYaml(source, file);
}

/** V8's message for a bad token: the token, then up to 10 characters either side of it (`...` where cut). */
const UNEXPECTED_TOKEN = /^(Unexpected token '.+?'), (\.\.\.)?"(.*)"(\.\.\.)? is not valid JSON$/s;

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const position = jsonErrorPosition(message, text);
    const reason = message.replace(UNEXPECTED_TOKEN, '$1').replace(/( in JSON)? at position \d+.*$/s, '');
    const where = position === undefined ? '' : ` at ${lineAndColumn(text, position)}`;
    throw syntaxError(`invalid JSON${where}: ${reason}`, file, error);
  }
}

function parseYaml(text: string, file: string): unknown {
  const document = loadYaml().parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const [error] = document.errors;
  if (error) {
    const position = error.linePos?.[0];
    const where = position ? ` at line ${position.line}, column ${position.col}` : '';
    const reason = error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    throw syntaxError(`invalid YAML${where}: ${reason}`, file, error);
  }
  try {
    return document.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (cause) {
    throw syntaxError(`invalid YAML: ${(cause as Error).message}`, file, cause);
  }
}

function syntaxError(message: string, file: string, cause: unknown): TaskDefinitionError {
  return new TaskDefinitionError([{ path: '', message }], { file, cause });
}

/** Where V8's `JSON.parse` error points: `at position N`, or found from the context it quotes. */
function jsonErrorPosition(message: string, text: string): number | undefined {
  const position = / at position (\d+)/.exec(message)?.[1];
  if (position !== undefined) return Number(position);
  if (/^Unexpected end of JSON input/.test(message)) return text.length;
  const match = UNEXPECTED_TOKEN.exec(message);
  if (!match) return undefined;
  const [, , before, context = '', after] = match;
  const start = text.indexOf(context);
  if (start < 0 || (!before && !after)) return undefined;
  // V8 quotes up to 10 characters on each side of the bad token.
  return before ? start + 10 : start + context.length - 10;
}

function lineAndColumn(text: string, position: number): string {
  const lines = text.slice(0, position).split('\n');
  return `line ${lines.length}, column ${lines.at(-1)!.length + 1}`;
}

type YamlModule = typeof import('yaml');

const require = createRequire(import.meta.url);
let yaml: YamlModule | undefined;

/** The `yaml` package, loaded on first use: only YAML task and schema files need it (about 9 MB once loaded). */
export function loadYaml(): YamlModule {
  yaml ??= require('yaml') as YamlModule;
  return yaml;
}

/** Instructions used when a file gives none: the format fragment says enough for the other kinds. */
const DEFAULT_INSTRUCTIONS: Partial<Record<TaskFile['kind'], string>> = {
  extract: 'Extract the data from the text.',
  summarize: 'Summarize the text.',
};

/**
 * Turns task-file data into what `defineTask` takes (classify → `label`, extract → `json`, summarize → `lines` or
 * `text`, custom → its format), validating it first. Throws {@link TaskDefinitionError} with every problem.
 */
export function taskFileToDefinition(data: unknown, file?: string): TaskDefinitionInput {
  const problems = validateTaskFile(data, file);
  if (problems.length > 0) throw new TaskDefinitionError(problems, file === undefined ? undefined : { file });
  const task = data as TaskFile;
  const instructions = task.instructions ?? DEFAULT_INSTRUCTIONS[task.kind];
  const definition: TaskDefinitionInput = {
    name: task.name,
    kind: task.kind,
    ...outputOf(task),
    ...(task.description === undefined ? {} : { description: task.description }),
    ...(instructions === undefined ? {} : { instructions }),
    ...(task.examples === undefined ? {} : { examples: task.examples }),
    ...(task.model === undefined ? {} : { model: task.model }),
    ...(task.temperature === undefined ? {} : { temperature: task.temperature }),
    ...(task.thinking === undefined ? {} : { thinking: task.thinking }),
    ...(task.maxTokens === undefined ? {} : { maxTokens: task.maxTokens }),
    ...(task.jsonMode === undefined ? {} : { jsonMode: task.jsonMode }),
    ...(task.confidence === undefined ? {} : { confidence: task.confidence }),
    ...(task.minConfidence === undefined ? {} : { minConfidence: task.minConfidence }),
    ...(task.escalate === undefined ? {} : { escalate: task.escalate }),
    ...(task.cite === undefined ? {} : { cite: task.cite }),
  };
  return definition;
}

/** `format` and `output` of a valid task file. */
function outputOf(task: TaskFile): Pick<TaskDefinitionInput, 'format' | 'output'> {
  const format = task.kind === 'classify' ? 'label' : task.kind === 'extract' ? 'json' : task.format;
  switch (format) {
    case 'label':
      return { format: 'label', output: { labels: task.labels ?? [], multi: task.multi ?? false } };
    case 'json':
      return { format: 'json', output: task.schema ?? {} };
    case 'bullets':
    case 'lines':
      return { format: 'lines', ...(task.maxItems === undefined ? {} : { output: { maxItems: task.maxItems } }) };
    default:
      return { format: 'text', ...(task.maxWords === undefined ? {} : { output: { maxWords: task.maxWords } }) };
  }
}

let validator: ValidateFunction | undefined;

/** The task-file schema, compiled on first use. */
function taskFileValidator(): ValidateFunction {
  validator ??= new (loadAjv2020())({ allErrors: true, verbose: true, allowUnionTypes: true, logger: false }).compile(
    taskFileSchema,
  );
  return validator;
}

/**
 * Every problem of parsed task-file data, sorted by JSON path (empty when valid); never throws. Beyond the schema:
 * labels unique ignoring case, an extract schema that compiles, example outputs that fit. `file` only changes the
 * wording of an empty-file problem.
 */
export function validateTaskFile(data: unknown, file?: string): TaskDefinitionProblem[] {
  if (data === null || data === undefined) {
    return [{ path: '', message: file === undefined ? 'the task definition is empty' : 'the file is empty' }];
  }
  const validate = taskFileValidator();
  const problems = validate(data) ? [] : taskFileAjvProblems(validate.errors ?? [], { root: data });
  const reported = new Set(problems.map((problem) => problem.path));
  for (const problem of taskFileContentProblems(data)) {
    if (!reported.has(problem.path)) problems.push(problem);
  }
  return problems.sort((a, b) => comparePaths(a.path, b.path));
}

/** Orders JSON pointers segment by segment, numbers numerically (`/examples/2` before `/examples/10`). */
function comparePaths(a: string, b: string): number {
  const left = a.split('/');
  const right = b.split('/');
  for (let index = 0; index < Math.min(left.length, right.length); index++) {
    const x = left[index]!;
    const y = right[index]!;
    if (x === y) continue;
    const numeric = /^\d+$/.test(x) && /^\d+$/.test(y);
    return numeric ? Number(x) - Number(y) : x < y ? -1 : 1;
  }
  return left.length - right.length;
}
