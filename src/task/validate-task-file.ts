import type { ValidateFunction } from 'ajv/dist/2020.js';
import type { TaskDefinitionProblem } from '../errors.js';
import { loadAjv2020 } from '../output/index.js';
import { taskFileAjvProblems } from './task-file-ajv-problems.js';
import { taskFileContentProblems } from './task-file-content-problems.js';
import { taskFileSchema } from './task-file-schema.js';

let validator: ValidateFunction | undefined;

/** The task-file schema, compiled on first use. */
function taskFileValidator(): ValidateFunction {
  validator ??= new (loadAjv2020())({ allErrors: true, verbose: true, allowUnionTypes: true, logger: false }).compile(
    taskFileSchema,
  );
  return validator;
}

/**
 * Checks parsed task-file data (see `readTaskFile`) and returns every problem found, each with its JSON
 * path, sorted by path; an empty list means the file is valid. Never throws. Besides the task-file schema it
 * checks that labels are unique ignoring case, that an extract schema compiles, and that example outputs fit.
 *
 * @param data - The parsed file.
 * @param file - Where the data came from (changes only the wording of an empty-file problem).
 * @example
 * ```ts
 * validateTaskFile({ name: 'x', kind: 'clasify' });
 * // [{ path: '/kind', message: 'must be one of classify, extract, summarize, custom; did you mean "classify"?' }]
 * ```
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
