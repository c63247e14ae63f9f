import { TaskDefinitionError } from '../errors.js';
import type { TaskFile } from './task-file-schema.js';
import type { TaskDefinitionInput } from './types.js';
import { validateTaskFile } from './validate-task-file.js';

/** Instructions used when a file gives none: the format fragment says enough for the other kinds. */
const DEFAULT_INSTRUCTIONS: Partial<Record<TaskFile['kind'], string>> = {
  extract: 'Extract the data from the text.',
  summarize: 'Summarize the text.',
};

/**
 * Turns task-file data into what `defineTask` takes: classify → `label`, extract → `json` with the file's
 * schema, summarize → `lines` (bullets) or `text` (paragraph), custom → its own format. Validates first
 * (see {@link validateTaskFile}) and throws {@link TaskDefinitionError} with every problem and the file.
 *
 * @param data - Parsed task-file data (see `readTaskFile`).
 * @param file - The file it came from, named in errors.
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
