import { classifyTask } from '../../tasks/classify.js';
import { extractTask } from '../../tasks/extract.js';
import { type SummarizeOptions, summarizeTask } from '../../tasks/summarize.js';
import type { Task } from '../task/types.js';
import type { FlagSpecs } from './parse-command-line.js';
import { parseWholeNumber } from './parse-common-flags.js';
import { readSchemaFile } from './read-schema-file.js';
import { UsageError } from './usage-error.js';

/** The built-in tasks, usable wherever a task file is expected. @internal */
export const BUILTIN_TASK_NAMES = ['classify', 'extract', 'summarize'] as const;

/** Name of a built-in task. @internal */
export type BuiltinTaskName = (typeof BUILTIN_TASK_NAMES)[number];

/** Flags that shape a built-in task. @internal */
export const TASK_FLAGS = {
  labels: { type: 'string' },
  multi: { type: 'boolean' },
  schema: { type: 'string' },
  format: { type: 'string' },
  'max-items': { type: 'string' },
  'max-words': { type: 'string' },
  instructions: { type: 'string' },
} as const satisfies FlagSpecs;

/** Values of {@link TASK_FLAGS} as parsed. @internal */
export interface TaskFlagValues {
  labels?: string | undefined;
  multi?: boolean | undefined;
  schema?: string | undefined;
  format?: string | undefined;
  'max-items'?: string | undefined;
  'max-words'?: string | undefined;
  instructions?: string | undefined;
}

/** Which flags each built-in takes. */
const FLAGS_OF: Readonly<Record<BuiltinTaskName, readonly (keyof TaskFlagValues)[]>> = {
  classify: ['labels', 'multi', 'instructions'],
  extract: ['schema', 'instructions'],
  summarize: ['format', 'max-items', 'max-words', 'instructions'],
};

/** Whether a task reference names a built-in task. @internal */
export function isBuiltinTaskName(name: string): name is BuiltinTaskName {
  return (BUILTIN_TASK_NAMES as readonly string[]).includes(name);
}

/**
 * Builds a built-in task from its flags: `classify --labels a,b [--multi]`, `extract --schema file.json`,
 * `summarize [--format bullets|paragraph] [--max-items N] [--max-words N]`, each with optional `--instructions`.
 * @internal
 */
export async function builtinTask(name: BuiltinTaskName, values: TaskFlagValues, command: string): Promise<Task> {
  checkTaskFlags(values, FLAGS_OF[name], `the built-in ${name}`, command);
  const instructions = values.instructions === undefined ? {} : { instructions: values.instructions };
  switch (name) {
    case 'classify':
      return classifyTask(parseLabels(values.labels, command), { multi: values.multi ?? false, ...instructions });
    case 'extract': {
      if (values.schema === undefined) throw new UsageError('--schema FILE is required (a JSON Schema)', { command });
      return extractTask(await readSchemaFile(values.schema, command), instructions);
    }
    case 'summarize':
      return summarizeTask(summarizeOptions(values, command));
  }
}

/**
 * Refuses built-in task flags that do not apply (`allowed` lists the ones that do), so that `--labels` given with
 * a task file, or `--max-words` given to classify, is an error rather than silently ignored.
 * @internal
 */
export function checkTaskFlags(
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

/** `--labels a,b,c` as a list; required. @internal */
export function parseLabels(value: string | undefined, command: string): string[] {
  const labels = (value ?? '')
    .split(',')
    .map((label) => label.trim())
    .filter((label) => label !== '');
  if (labels.length === 0)
    throw new UsageError('--labels is required: a comma-separated list, e.g. --labels a,b,c', { command });
  return labels;
}

/** Summarize options from `--format`, `--max-items`, `--max-words` and `--instructions`. @internal */
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
