import type { Ajv2020, ValidateFunction } from 'ajv/dist/2020.js';
import type { TaskDefinitionProblem } from '../errors.js';
import { loadAjv2020 } from '../output/index.js';
import { taskFileAjvProblems } from './task-file-ajv-problems.js';
import type { JsonSchema } from './types.js';

/** An output schema of a task file, checked: its problems, and its validator when it compiles. @internal */
export interface CheckedOutputSchema {
  problems: TaskDefinitionProblem[];
  validate: ValidateFunction | undefined;
}

let ajv: Ajv2020 | undefined;

/** A lenient ajv for users' schemas: unknown keywords and formats are ignored, nothing is logged or kept. */
function outputSchemaAjv(): Ajv2020 {
  ajv ??= new (loadAjv2020())({ strict: false, allErrors: true, verbose: true, logger: false, addUsedSchema: false });
  return ajv;
}

/**
 * Checks the `schema` of an extract (or custom json) task file: valid against the draft 2020-12 meta-schema and
 * compilable by ajv (every `$ref` resolves). Problems are reported under `path`. @internal
 */
export function taskFileSchemaProblems(schema: JsonSchema, path = '/schema'): CheckedOutputSchema {
  const instance = outputSchemaAjv();
  const { $schema: _ignored, ...body } = schema;
  if (!instance.validateSchema(body)) {
    return { problems: taskFileAjvProblems(instance.errors ?? [], { basePath: path }), validate: undefined };
  }
  try {
    return { problems: [], validate: instance.compile(body) };
  } catch (error) {
    return {
      problems: [{ path, message: `the schema does not compile: ${(error as Error).message}` }],
      validate: undefined,
    };
  } finally {
    instance.removeSchema(body);
  }
}
