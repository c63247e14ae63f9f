/**
 * The task file `qwen-tasks tune` writes: the original file with only what tuning changed (instructions, examples,
 * labels and their descriptions) replaced, so a YAML original keeps its comments and key order; a JSON original
 * written as JSON or YAML by the extension of `--out`; a module or built-in task written whole as a data file.
 * See docs/tuning.md.
 * @module
 */
import { readFile } from 'node:fs/promises';
import { dirname, extname, isAbsolute, relative, resolve, sep } from 'node:path';
import { isRecord } from '../json.js';
import { loadYaml, parseTaskFileText, type TaskFileSyntax, validateTaskFile } from '../task/task-file.js';
import type { Task } from '../task/types.js';
import { UsageError } from './command.js';

/** How `--out` is written, by its extension; `undefined` for an extension that is not a data task file's. */
export function outputSyntax(path: string): TaskFileSyntax | undefined {
  const extension = extname(path).toLowerCase();
  if (extension === '.json') return 'json';
  return extension === '.yaml' || extension === '.yml' ? 'yaml' : undefined;
}

/**
 * The text of the tuned task file. `source` is the original task file, `undefined` for a built-in task; a
 * `.js`/`.mjs` original is not edited (its code may build the task in any way) but written whole, as is a built-in.
 * The text is checked as `qwen-tasks check` would check it before it is returned.
 */
export async function tunedTaskFileText(
  source: string | undefined,
  original: Task,
  tuned: Task,
  out: string,
): Promise<string> {
  const syntax = outputSyntax(out);
  if (syntax === undefined) {
    throw new UsageError(`--out must name a .task.yaml, .task.yml or .task.json file, got ${out}`, { command: 'tune' });
  }
  const changes = changedFields(original, tuned);
  const sourceSyntax = source === undefined ? undefined : outputSyntax(source);
  let text: string;
  if (source !== undefined && sourceSyntax !== undefined) {
    const sourceText = await readFile(source, 'utf8');
    const schemaPath = movedSchemaPath(parseTaskFileText(sourceText, sourceSyntax, source), source, out);
    if (schemaPath !== undefined) changes.set('$schema', schemaPath);
    if (changes.size === 0 && sourceSyntax === syntax) text = sourceText;
    else if (sourceSyntax === 'yaml' && syntax === 'yaml') text = editYaml(sourceText, changes);
    else text = render(applyChanges(parseTaskFileText(sourceText, sourceSyntax, source), changes), syntax);
  } else {
    text = render(taskFileOf(tuned), syntax);
  }
  const problems = validateTaskFile(parseTaskFileText(text, syntax, out), out);
  if (problems.length > 0) {
    const listed = problems.map((problem) => `${problem.path || '/'}: ${problem.message}`).join('; ');
    throw new Error(`the tuned task file would not pass qwen-tasks check: ${listed}`);
  }
  return text;
}

/** Top-level task-file keys and their new values; `undefined` removes the key. */
type Changes = Map<string, unknown>;

/**
 * The original's relative `$schema` path as seen from `out`'s folder, when that differs (a URL or an absolute path
 * stays as it is): editors find the schema from the tuned file wherever it is written.
 */
function movedSchemaPath(data: unknown, source: string, out: string): string | undefined {
  const schema = isRecord(data) ? data.$schema : undefined;
  if (typeof schema !== 'string' || schema === '' || isAbsolute(schema) || /^[a-z][a-z0-9+.-]*:/i.test(schema)) {
    return undefined;
  }
  const moved = relative(dirname(resolve(out)), resolve(dirname(source), schema))
    .split(sep)
    .join('/');
  const written = moved.startsWith('.') ? moved : `./${moved}`;
  return written === schema || moved === schema ? undefined : written;
}

/** The task-file fields tuning changed: instructions, examples, and the labels when their descriptions changed. */
function changedFields(original: Task, tuned: Task): Changes {
  const changes = new Map<string, unknown>();
  if (tuned.instructions !== original.instructions) changes.set('instructions', tuned.instructions);
  if (JSON.stringify(tuned.examples) !== JSON.stringify(original.examples)) {
    changes.set('examples', tuned.examples.length === 0 ? undefined : tuned.examples);
  }
  if (JSON.stringify(tuned.labelDescriptions) !== JSON.stringify(original.labelDescriptions)) {
    changes.set('labels', labelSetOf(tuned));
  }
  return changes;
}

/** A label task's labels as a task file gives them: label → description, or a list when none has one. */
function labelSetOf(task: Task): readonly string[] | Record<string, string> {
  const labels = task.labels ?? [];
  const descriptions = task.labelDescriptions;
  if (descriptions === undefined) return [...labels];
  return Object.fromEntries(labels.map((label) => [label, descriptions[label] ?? '']));
}

/** A YAML file with the changed keys replaced in place: comments, order and every other key kept. */
function editYaml(text: string, changes: Changes): string {
  const document = loadYaml().parseDocument(text);
  for (const [key, value] of changes) {
    if (value === undefined) document.delete(key);
    else document.set(key, document.createNode(value));
  }
  return document.toString({ lineWidth: 0 });
}

/** Parsed task-file data with the changed keys replaced (in place when present, else added at the end). */
function applyChanges(data: unknown, changes: Changes): Record<string, unknown> {
  const edited: Record<string, unknown> = isRecord(data) ? { ...data } : {};
  for (const [key, value] of changes) {
    if (value === undefined) delete edited[key];
    else edited[key] = value;
  }
  return edited;
}

function render(data: Record<string, unknown>, syntax: TaskFileSyntax): string {
  if (syntax === 'json') return `${JSON.stringify(data, null, 2)}\n`;
  return new (loadYaml().Document)(data).toString({ lineWidth: 0 });
}

/**
 * A whole task file for a task that came from no data file (a module or a built-in): its kind, its output as the
 * task-file format spells it (labels, schema, format, limits), its prompt and the settings that differ from the
 * defaults.
 */
function taskFileOf(task: Task): Record<string, unknown> {
  const { settings } = task;
  const file: Record<string, unknown> = { name: task.name };
  if (task.description !== undefined) file.description = task.description;
  Object.assign(file, outputFields(task));
  if (task.instructions !== undefined) file.instructions = task.instructions;
  if (task.examples.length > 0) file.examples = task.examples;
  if (settings.model !== undefined) file.model = settings.model;
  if (settings.temperature !== 0) file.temperature = settings.temperature;
  if (settings.thinking) file.thinking = true;
  if (settings.maxTokens !== undefined) file.maxTokens = settings.maxTokens;
  if (task.format === 'json' && settings.jsonMode !== 'json_object') file.jsonMode = settings.jsonMode;
  if (settings.confidence === true) file.confidence = true;
  if (settings.minConfidence !== undefined) file.minConfidence = settings.minConfidence;
  if (settings.escalate !== undefined) file.escalate = settings.escalate;
  if (settings.cite === true) file.cite = true;
  return file;
}

/** `kind` and the output fields of a task file, from a task's format. */
function outputFields(task: Task): Record<string, unknown> {
  switch (task.format) {
    case 'label': {
      const kind = task.kind === 'classify' ? { kind: 'classify' } : { kind: 'custom', format: 'label' };
      return { ...kind, labels: labelSetOf(task), ...(task.multi ? { multi: true } : {}) };
    }
    case 'json':
      return task.kind === 'extract'
        ? { kind: 'extract', schema: task.jsonSchema }
        : { kind: 'custom', format: 'json', schema: task.jsonSchema };
    case 'lines':
      return {
        ...(task.kind === 'summarize' ? { kind: 'summarize', format: 'bullets' } : { kind: 'custom', format: 'lines' }),
        ...(task.maxItems === undefined ? {} : { maxItems: task.maxItems }),
      };
    case 'text':
      return {
        ...(task.kind === 'summarize'
          ? { kind: 'summarize', format: 'paragraph' }
          : { kind: 'custom', format: 'text' }),
        ...(task.maxWords === undefined ? {} : { maxWords: task.maxWords }),
      };
  }
}
