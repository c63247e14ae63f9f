/**
 * The task a command runs: a built-in (`classify`, `extract`, `summarize`) shaped by its flags, with the schema file
 * `--schema` names, or a task file loaded and validated. See docs/cli.md and docs/task-files.md.
 * @module
 */
import { extname } from 'node:path';
import { isRecord, type JsonSchema } from '../json.js';
import { classifyTask, extractTask, type SummarizeOptions, summarizeTask } from '../task/one-liners.js';
import { loadTask, loadYaml } from '../task/task-file.js';
import type { Task } from '../task/types.js';
import { type Flags, type FlagValues, type HelpSection, parseWholeNumber, UsageError } from './command.js';
import { readTextFile } from './io.js';

/** The built-in tasks, usable wherever a task file is expected. */
const BUILTIN_TASK_NAMES = ['classify', 'extract', 'summarize'] as const;

/** Name of a built-in task. */
type BuiltinTaskName = (typeof BUILTIN_TASK_NAMES)[number];

/** Flags that shape a built-in task. */
export const TASK_FLAGS = {
  labels: { type: 'string', value: 'LIST', description: 'comma-separated labels (required by classify)' },
  multi: { type: 'boolean', description: 'return every label that applies (possibly none)' },
  confidence: {
    type: 'boolean',
    description: "classify: read every label's probability from the token log-probabilities (see docs/prompting.md)",
  },
  schema: {
    type: 'string',
    value: 'PATH',
    description: "the output's JSON Schema (draft 2020-12), a .json or .yaml file (required by extract)",
  },
  format: {
    type: 'string',
    value: 'NAME',
    description: 'bullets | paragraph (default paragraph; bullets when --max-items is given)',
  },
  'max-items': { type: 'string', value: 'N', description: 'at most N bullet points' },
  'max-words': { type: 'string', value: 'N', description: 'at most N words (paragraph)' },
  instructions: { type: 'string', value: 'T', description: 'extra instructions for the model' },
} as const satisfies Flags;

/** The `--help` section of {@link TASK_FLAGS}, for commands whose TASK may be a built-in. */
export const TASK_SECTION = {
  title: 'Built-in task (TASK classify, extract or summarize)',
  flags: ['labels', 'multi', 'confidence', 'schema', 'format', 'max-items', 'max-words', 'instructions'],
} as const satisfies HelpSection<keyof typeof TASK_FLAGS>;

/** Values of {@link TASK_FLAGS} as parsed. */
export type TaskFlagValues = FlagValues<typeof TASK_FLAGS>;

/** Which flags each built-in takes. */
const FLAGS_OF: Readonly<Record<BuiltinTaskName, readonly (keyof TaskFlagValues)[]>> = {
  classify: ['labels', 'multi', 'confidence', 'instructions'],
  extract: ['schema', 'instructions'],
  summarize: ['format', 'max-items', 'max-words', 'instructions'],
};

/** Whether a task reference names a built-in task. */
function isBuiltinTaskName(name: string): name is BuiltinTaskName {
  return (BUILTIN_TASK_NAMES as readonly string[]).includes(name);
}

/**
 * Builds a built-in task from its flags: `classify --labels a,b [--multi]`, `extract --schema file.json`,
 * `summarize [--format bullets|paragraph] [--max-items N] [--max-words N]`, each with optional `--instructions`.
 */
export async function builtinTask(
  name: BuiltinTaskName,
  values: TaskFlagValues,
  command: string,
  extract: { cite?: boolean } = {},
): Promise<Task> {
  checkTaskFlags(values, FLAGS_OF[name], `the built-in ${name}`, command);
  const instructions = values.instructions === undefined ? {} : { instructions: values.instructions };
  switch (name) {
    case 'classify':
      return classifyTask(parseLabels(values.labels, command), {
        multi: values.multi ?? false,
        ...(values.confidence === true ? { confidence: true } : {}),
        ...instructions,
      });
    case 'extract': {
      if (values.schema === undefined) throw new UsageError('--schema FILE is required (a JSON Schema)', { command });
      return extractTask(await readSchemaFile(values.schema, command), {
        ...instructions,
        ...(extract.cite === true ? { cite: true } : {}),
      });
    }
    case 'summarize':
      return summarizeTask(summarizeOptions(values, command));
  }
}

/**
 * Refuses built-in task flags that do not apply (`allowed` lists the ones that do), so that `--labels` given with
 * a task file, or `--max-words` given to classify, is an error rather than silently ignored.
 */
function checkTaskFlags(
  values: TaskFlagValues,
  allowed: readonly (keyof TaskFlagValues)[],
  what: string,
  command: string,
): void {
  for (const flag of Object.keys(TASK_FLAGS) as (keyof TaskFlagValues)[]) {
    if (values[flag] !== undefined && !allowed.includes(flag)) {
      throw new UsageError(`--${flag} does not apply to ${what}`, { command });
    }
  }
}

/** `--labels a,b,c` as a list; required. */
function parseLabels(value: string | undefined, command: string): string[] {
  const labels = (value ?? '')
    .split(',')
    .map((label) => label.trim())
    .filter((label) => label !== '');
  if (labels.length === 0)
    throw new UsageError('--labels is required: a comma-separated list, e.g. --labels a,b,c', { command });
  return labels;
}

/** Summarize options from `--format`, `--max-items`, `--max-words` and `--instructions`. */
export function summarizeOptions(values: TaskFlagValues, command: string): SummarizeOptions {
  const format = values.format ?? (values['max-items'] === undefined ? 'paragraph' : 'bullets');
  if (format !== 'bullets' && format !== 'paragraph') {
    throw new UsageError(`--format must be bullets or paragraph, got "${format}"`, { command });
  }
  if (format === 'bullets' && values['max-words'] !== undefined) {
    throw new UsageError('--max-words applies to --format paragraph; use --max-items with bullets', { command });
  }
  if (format === 'paragraph' && values['max-items'] !== undefined) {
    throw new UsageError('--max-items applies to --format bullets; use --max-words with a paragraph', { command });
  }
  return {
    format,
    ...(values['max-items'] === undefined
      ? {}
      : { maxItems: parseWholeNumber(values['max-items'], '--max-items', command) }),
    ...(values['max-words'] === undefined
      ? {}
      : { maxWords: parseWholeNumber(values['max-words'], '--max-words', command) }),
    ...(values.instructions === undefined ? {} : { instructions: values.instructions }),
  };
}

/**
 * The task a command runs: a built-in (`classify`, `extract`, `summarize`, shaped by its flags) or a task file
 * (`*.task.json`, `*.task.yaml`, `*.task.mjs`, …, loaded and validated; built-in flags are refused with it).
 */
export async function resolveTask(
  reference: string | undefined,
  values: TaskFlagValues,
  command: string,
): Promise<Task> {
  if (reference === undefined) {
    throw new UsageError('which task? give a task file (e.g. tasks/sentiment.task.json) or a built-in name', {
      command,
    });
  }
  if (isBuiltinTaskName(reference)) return builtinTask(reference, values, command);
  checkTaskFlags(values, [], 'a task file', command);
  return loadTask(reference);
}

/**
 * Reads the JSON Schema named by `--schema`: a `.json` file, or `.yaml`/`.yml`. It must hold an object; whether it
 * is a usable schema is checked when the task is defined.
 */
async function readSchemaFile(path: string, command: string): Promise<JsonSchema> {
  const text = await readTextFile(path, '--schema', command);
  const yaml = ['.yaml', '.yml'].includes(extname(path).toLowerCase());
  let schema: unknown;
  try {
    schema = yaml ? loadYaml().parse(text) : JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new UsageError(`--schema ${path} is not valid ${yaml ? 'YAML' : 'JSON'}: ${reason}`, { command });
  }
  if (!isRecord(schema)) {
    throw new UsageError(`--schema ${path} must hold a JSON Schema object`, { command });
  }
  return schema;
}
