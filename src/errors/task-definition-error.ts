import { QwenTasksError } from './qwen-tasks-error.js';

/** One problem found in a task definition: where it is and what is wrong. */
export interface TaskDefinitionProblem {
  /** JSON path inside the definition, e.g. `/labels/2` (empty string for the whole file). */
  path: string;
  /** What is wrong there. */
  message: string;
}

/**
 * A task definition (a task file or a `defineTask` call) is invalid. Lists every problem at once, each with its
 * JSON path, and the file it came from when there is one.
 */
export class TaskDefinitionError extends QwenTasksError {
  override name = 'TaskDefinitionError';
  /** The task file, when the definition came from one. */
  readonly file: string | undefined;
  /** Every problem found. */
  readonly problems: readonly TaskDefinitionProblem[];

  constructor(problems: readonly TaskDefinitionProblem[], options?: { file?: string; cause?: unknown }) {
    const where = options?.file ?? 'task definition';
    const lines = problems.map((problem) => `${where}${problem.path ? `: ${problem.path}` : ''}: ${problem.message}`);
    super(problems.length === 1 ? lines[0]! : `${problems.length} problems:\n${lines.join('\n')}`, options);
    this.file = options?.file;
    this.problems = problems;
  }
}
