import type { ValidateFunction } from 'ajv/dist/2020.js';
import type { TaskDefinitionProblem } from '../errors.js';
import { normalizeLabels } from './normalize-labels.js';
import { didYouMean, escapePointer, taskFileAjvProblems } from './task-file-ajv-problems.js';
import { taskFileSchemaProblems } from './task-file-schema-problems.js';
import type { JsonSchema, OutputFormat } from './types.js';

const OUTPUT_FORMATS: readonly OutputFormat[] = ['json', 'label', 'lines', 'text'];

/** What a task file's examples must produce, decided by its kind and format. */
type ExpectedOutput =
  | { type: 'label'; labels: readonly string[]; multi: boolean }
  | { type: 'json'; validate: ValidateFunction }
  | { type: 'lines' }
  | { type: 'text' }
  | { type: 'unknown' };

/**
 * What the task-file schema cannot say: labels unique ignoring case (and the other label rules of
 * `defineTask`), an output schema that ajv compiles, and example outputs that fit the task. Checks only the
 * parts that are well-typed, so it can run beside the schema check and add to its problems. @internal
 */
export function taskFileContentProblems(data: unknown): TaskDefinitionProblem[] {
  if (!isRecord(data)) return [];
  const problems: TaskDefinitionProblem[] = [];
  let expected: ExpectedOutput = { type: 'unknown' };
  const format = outputFormat(data);
  if (format === 'label' && (Array.isArray(data.labels) || isRecord(data.labels))) {
    const names = Array.isArray(data.labels) ? data.labels : Object.keys(data.labels);
    const checked = normalizeLabels(names, '/labels');
    for (const problem of checked.problems) problems.push({ ...problem, path: labelPath(problem.path, data.labels) });
    expected = { type: 'label', labels: checked.labels, multi: data.multi === true };
  }
  if (format === 'json' && isRecord(data.schema)) {
    const checked = taskFileSchemaProblems(data.schema as JsonSchema);
    problems.push(...checked.problems);
    if (checked.validate) expected = { type: 'json', validate: checked.validate };
  }
  if (format === 'lines' || format === 'text') expected = { type: format };

  if (Array.isArray(data.examples)) {
    data.examples.forEach((example, index) => {
      if (isRecord(example) && 'output' in example) {
        problems.push(...exampleProblems(example.output, `/examples/${index}/output`, expected));
      }
    });
  }
  return problems;
}

function exampleProblems(output: unknown, path: string, expected: ExpectedOutput): TaskDefinitionProblem[] {
  switch (expected.type) {
    case 'label': {
      if (expected.multi !== Array.isArray(output)) {
        return [
          {
            path,
            message: expected.multi
              ? 'must be a list of labels (multi is true)'
              : 'must be a single label (multi is false)',
          },
        ];
      }
      const values: unknown[] = Array.isArray(output) ? output : [output];
      return values.flatMap((value, index) => {
        if (typeof value === 'string' && expected.labels.includes(value)) return [];
        const where = Array.isArray(output) ? `${path}/${index}` : path;
        const shown = typeof value === 'string' ? `"${value}"` : JSON.stringify(value);
        const hint = typeof value === 'string' ? didYouMean(value, expected.labels) : '';
        return [{ path: where, message: `${shown} is not one of the labels${hint}` }];
      });
    }
    case 'json':
      if (expected.validate(output)) return [];
      return taskFileAjvProblems(expected.validate.errors ?? [], { basePath: path }).map((problem) => ({
        ...problem,
        message: `does not fit the schema: ${problem.message}`,
      }));
    case 'lines':
      return Array.isArray(output) && output.every((item) => typeof item === 'string')
        ? []
        : [{ path, message: 'must be a list of strings' }];
    case 'text':
      return typeof output === 'string' ? [] : [{ path, message: 'must be a string' }];
    default:
      return [];
  }
}

/** The output format a task file asks for, when its kind (and format) make it clear. */
function outputFormat(data: Record<string, unknown>): OutputFormat | undefined {
  switch (data.kind) {
    case 'classify':
      return 'label';
    case 'extract':
      return 'json';
    case 'summarize':
      return data.format === 'bullets' ? 'lines' : data.format === 'paragraph' ? 'text' : undefined;
    case 'custom':
      return OUTPUT_FORMATS.find((format) => format === data.format);
    default:
      return undefined;
  }
}

/** `/labels/2` → `/labels/Billing` when the labels are a map (its problems are about keys). */
function labelPath(path: string, labels: unknown): string {
  if (Array.isArray(labels) || !isRecord(labels)) return path;
  const index = /^\/labels\/(\d+)$/.exec(path)?.[1];
  const key = index === undefined ? undefined : Object.keys(labels)[Number(index)];
  return key === undefined ? path : `/labels/${escapePointer(key)}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
