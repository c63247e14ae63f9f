import { loadTask } from '../task/load-task.js';
import type { Task } from '../task/types.js';
import { builtinTask, checkTaskFlags, isBuiltinTaskName, type TaskFlagValues } from './builtin-task.js';
import { UsageError } from './usage-error.js';

/**
 * The task a command runs: a built-in (`classify`, `extract`, `summarize`, shaped by its flags) or a task file
 * (`*.task.json`, `*.task.yaml`, `*.task.mjs`, …, loaded and validated; built-in flags are refused with it).
 * @internal
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
