import type { z } from 'zod';
import { TaskDefinitionError, type TaskDefinitionProblem } from '../errors.js';
import { compileTask } from './compile-task.js';
import { isLabelSpec, normalizeLabels } from './normalize-labels.js';
import { stableHash } from './stable-hash.js';
import { isZodSchema, toJsonSchema } from './to-json-schema.js';
import type { JsonMode, JsonSchema, OutputFormat, Task, TaskDefinitionInput, TaskExample, TaskKind } from './types.js';

const FORMATS: readonly OutputFormat[] = ['json', 'label', 'lines', 'text'];
const KINDS: readonly TaskKind[] = ['classify', 'extract', 'summarize', 'custom'];
const JSON_MODES: readonly JsonMode[] = ['json_object', 'json_schema', 'tool', 'prompt'];
/** qwen-flash's largest output. */
export const MAX_OUTPUT_TOKENS = 32_768;

/**
 * Defines a task: a plain, frozen value holding everything that does not depend on the input. The system
 * message, JSON Schema, validator and label lookup are computed here, once, so a call only fills in the text.
 * Throws {@link TaskDefinitionError} listing every problem at once.
 *
 * @example
 * ```ts
 * const triage = defineTask({
 *   name: 'triage',
 *   instructions: 'Route the message.',
 *   output: { labels: { billing: 'money matters', bug: 'something broken' }, multi: true },
 * });
 * const { value } = await runTask(triage, 'I was charged twice'); // ['billing']
 * ```
 */
export function defineTask<S extends z.ZodType>(input: TaskDefinitionInput & { output: S }): Task<z.output<S>>;
export function defineTask<const L extends readonly string[]>(
  input: TaskDefinitionInput & { output: { labels: L; multi: true } },
): Task<L[number][]>;
export function defineTask<const L extends readonly string[]>(
  input: TaskDefinitionInput & { output: { labels: L; multi?: false } },
): Task<L[number]>;
export function defineTask<O = unknown>(input: TaskDefinitionInput): Task<O>;
export function defineTask<O = unknown>(input: TaskDefinitionInput): Task<O> {
  const problems: TaskDefinitionProblem[] = [];
  const add = (path: string, message: string) => problems.push({ path, message });
  if (input === null || typeof input !== 'object')
    throw new TaskDefinitionError([{ path: '', message: 'a task definition must be an object' }]);
  if (typeof input.name !== 'string' || input.name.trim() === '') add('/name', 'name must be a non-empty string');
  for (const key of ['description', 'instructions', 'model'] as const) {
    if (input[key] !== undefined && typeof input[key] !== 'string') add(`/${key}`, `${key} must be a string`);
  }
  if (input.kind !== undefined && !KINDS.includes(input.kind)) add('/kind', `kind must be one of ${KINDS.join(', ')}`);
  const temperature = input.temperature ?? 0;
  if (typeof temperature !== 'number' || !(temperature >= 0 && temperature < 2)) {
    add('/temperature', 'temperature must be a number from 0 to below 2');
  }
  if (input.thinking !== undefined && typeof input.thinking !== 'boolean')
    add('/thinking', 'thinking must be true or false');
  if (input.maxTokens !== undefined && !isCount(input.maxTokens, MAX_OUTPUT_TOKENS)) {
    add('/maxTokens', `maxTokens must be a whole number from 1 to ${MAX_OUTPUT_TOKENS}`);
  }
  const jsonMode = input.jsonMode ?? 'json_object';
  if (!JSON_MODES.includes(jsonMode)) add('/jsonMode', `jsonMode must be one of ${JSON_MODES.join(', ')}`);

  const format = input.format ?? inferFormat(input.output);
  if (!FORMATS.includes(format)) add('/format', `format must be one of ${FORMATS.join(', ')}`);
  const output = describeOutput(format, input.output, add);
  const examples = checkExamples(input.examples, output.labels, output.multi, add);
  if (problems.length > 0) throw new TaskDefinitionError(problems);

  const fields = {
    name: input.name.trim(),
    description: input.description,
    instructions: input.instructions?.trim() || undefined,
    kind: input.kind ?? 'custom',
    format,
    jsonSchema: output.jsonSchema,
    labels: output.labels,
    labelDescriptions: output.descriptions,
    multi: output.multi,
    maxItems: output.maxItems,
    maxWords: output.maxWords,
    examples,
    settings: Object.freeze({
      model: input.model,
      temperature,
      thinking: input.thinking ?? false,
      maxTokens: input.maxTokens,
      jsonMode,
    }),
  };
  const task: Task<O> = Object.freeze({
    ...fields,
    zodSchema: output.zodSchema as z.ZodType<O> | undefined,
    hash: stableHash(fields),
  });
  compileTask(task);
  return task;
}

interface OutputDescription {
  jsonSchema: JsonSchema;
  zodSchema: z.ZodType | undefined;
  labels: readonly string[] | undefined;
  descriptions: Readonly<Record<string, string>> | undefined;
  multi: boolean;
  maxItems: number | undefined;
  maxWords: number | undefined;
}

function inferFormat(output: unknown): OutputFormat {
  if (output === undefined) return 'text';
  if (isZodSchema(output)) return 'json';
  if (isLabelSpec(output)) return 'label';
  if (typeof output === 'object' && output !== null && 'maxItems' in output && !('type' in output)) return 'lines';
  if (typeof output === 'object' && output !== null && 'maxWords' in output) return 'text';
  return 'json';
}

function describeOutput(
  format: OutputFormat,
  output: unknown,
  add: (path: string, message: string) => void,
): OutputDescription {
  const none: OutputDescription = {
    jsonSchema: {},
    zodSchema: undefined,
    labels: undefined,
    descriptions: undefined,
    multi: false,
    maxItems: undefined,
    maxWords: undefined,
  };
  const spec = (output ?? {}) as Record<string, unknown>;
  if (format === 'json') {
    if (isZodSchema(output)) {
      try {
        return { ...none, jsonSchema: toJsonSchema(output), zodSchema: output };
      } catch (error) {
        add('/output', `the zod schema cannot be turned into JSON Schema: ${(error as Error).message}`);
        return none;
      }
    }
    if (output === null || typeof output !== 'object' || Array.isArray(output)) {
      add('/output', 'a json task needs an output schema (zod or JSON Schema)');
      return none;
    }
    const { $schema: _ignored, ...jsonSchema } = output as JsonSchema;
    return { ...none, jsonSchema };
  }
  if (format === 'label') {
    if (!isLabelSpec(output)) {
      add('/output', 'a label task needs output: { labels: [...] }');
      return none;
    }
    const { labels, descriptions, problems } = normalizeLabels(output.labels);
    for (const problem of problems) add(problem.path, problem.message);
    const multi = output.multi ?? false;
    if (typeof multi !== 'boolean') add('/output/multi', 'multi must be true or false');
    const labelSchema = { type: 'string', enum: labels };
    return {
      ...none,
      labels: Object.freeze(labels),
      descriptions: descriptions && Object.keys(descriptions).length > 0 ? Object.freeze(descriptions) : undefined,
      multi,
      jsonSchema: multi ? { type: 'array', items: labelSchema, uniqueItems: true } : labelSchema,
    };
  }
  if (format === 'lines') {
    const maxItems = spec.maxItems;
    if (maxItems !== undefined && !isCount(maxItems, 1000))
      add('/output/maxItems', 'maxItems must be a whole number from 1 to 1000');
    return {
      ...none,
      maxItems: maxItems as number | undefined,
      jsonSchema: { type: 'array', items: { type: 'string' }, ...(maxItems === undefined ? {} : { maxItems }) },
    };
  }
  const maxWords = spec.maxWords;
  if (maxWords !== undefined && !isCount(maxWords, 100_000))
    add('/output/maxWords', 'maxWords must be a whole number from 1 to 100000');
  return { ...none, maxWords: maxWords as number | undefined, jsonSchema: { type: 'string' } };
}

function checkExamples(
  examples: unknown,
  labels: readonly string[] | undefined,
  multi: boolean,
  add: (path: string, message: string) => void,
): readonly TaskExample[] {
  if (examples === undefined) return Object.freeze([]);
  if (!Array.isArray(examples)) {
    add('/examples', 'examples must be a list of { input, output }');
    return [];
  }
  examples.forEach((example: Partial<TaskExample> | null, index) => {
    if (
      example === null ||
      typeof example !== 'object' ||
      typeof example.input !== 'string' ||
      example.input.trim() === ''
    ) {
      add(`/examples/${index}/input`, 'an example needs a non-empty input text');
      return;
    }
    if (!('output' in example) || example.output === undefined)
      add(`/examples/${index}/output`, 'an example needs an output');
    if (labels === undefined) return;
    const outputs = multi && Array.isArray(example.output) ? example.output : [example.output];
    for (const value of outputs) {
      if (typeof value !== 'string' || !labels.includes(value)) {
        add(`/examples/${index}/output`, `example output ${JSON.stringify(value)} is not one of the labels`);
      }
    }
  });
  return Object.freeze(
    examples.map((example: TaskExample) => Object.freeze({ input: example.input, output: example.output })),
  );
}

function isCount(value: unknown, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= max;
}
