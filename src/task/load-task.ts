import { TaskDefinitionError, type TaskDefinitionProblem } from '../errors.js';
import { defineTask } from './define-task.js';
import { readTaskFile, taskFileSyntax } from './read-task-file.js';
import { taskFileToDefinition } from './task-file-to-definition.js';
import type { OutputFormat, Task, TaskDefinitionInput } from './types.js';

/**
 * Loads a task from a file: `*.task.json` or `*.task.yaml`/`*.task.yml` (validated against the task-file schema,
 * then defined), or a `*.task.js`/`*.task.mjs` module whose default export (else its `task` export) is a task
 * or a definition for {@link defineTask}. Every problem is reported at once as a {@link TaskDefinitionError}
 * naming the file and the JSON path inside it. Node caches imported modules: a module is read once per process.
 *
 * @param path - Path of the file, relative to the working directory or absolute.
 * @example
 * ```ts
 * const triage = await loadTask('tasks/support-triage.task.yaml');
 * const { value } = await runTask(triage, 'I was charged twice and the export button crashes.');
 * // ['billing', 'bug']
 * ```
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
