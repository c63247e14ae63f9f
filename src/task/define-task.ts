/**
 * Defining a task: the checks of a definition (the one label check included), the zod → JSON Schema conversion, and
 * the compiled form every call uses (system message, request fields, reply parser, label matcher). See `docs/tasks.md`.
 * @module
 */
import { createHash } from 'node:crypto';
import type { z } from 'zod';
import type { ChatRequest, ChatResponse } from '../client/types.js';
import { TaskDefinitionError, type TaskDefinitionProblem } from '../errors.js';
import type { JsonSchema } from '../json.js';
import { createLabelMatcher, type LabelMatcher } from '../output/labels.js';
import type { ParseOutcome } from '../output/outcome.js';
import { buildSystemMessage } from '../prompt/messages.js';
import { estimateTokens } from '../tokens.js';
import { FORMAT_STRATEGIES } from './formats.js';
import type {
  JsonMode,
  LabelSet,
  OutputFormat,
  Task,
  TaskDefinitionInput,
  TaskExample,
  TaskKind,
  TaskSettings,
} from './types.js';
import { DESCRIBING_KEYWORDS, describesValue, isZodSchema, toJsonSchema } from './zod-schema.js';

/** The output formats, in the order messages list them. */
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['json', 'label', 'lines', 'text'];
const KINDS: readonly TaskKind[] = ['classify', 'extract', 'summarize', 'custom'];
const JSON_MODES: readonly JsonMode[] = ['json_object', 'json_schema', 'tool', 'prompt'];
/** qwen-flash's largest output. */
export const MAX_OUTPUT_TOKENS = 32_768;

/**
 * Defines a task: a frozen value holding everything that does not depend on the input, compiled once. Throws
 * {@link TaskDefinitionError} listing every problem at once. See `docs/tasks.md`.
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
  if (!OUTPUT_FORMATS.includes(format)) add('/format', `format must be one of ${OUTPUT_FORMATS.join(', ')}`);
  const output = describeOutput(format, input.output, add);
  const confidence = checkConfidence(input, format, output.multi, add);
  if (input.cite !== undefined && typeof input.cite !== 'boolean') add('/cite', 'cite must be true or false');
  if (input.cite === true && format !== 'json')
    add('/cite', `cite works with json tasks; this task has format ${format}`);
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
      ...confidence,
      ...(input.cite === true && format === 'json' ? { cite: true as const } : {}),
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

/**
 * The confidence settings of a definition, checked: only single-label tasks can read one label's probability (a
 * multi-label reply lists several, whose token probabilities are not each label's); `minConfidence` needs
 * `confidence`, `escalate` needs `minConfidence`.
 */
function checkConfidence(
  input: TaskDefinitionInput,
  format: OutputFormat,
  multi: boolean,
  add: (path: string, message: string) => void,
): Pick<TaskSettings, 'confidence' | 'minConfidence' | 'escalate'> {
  const { confidence, minConfidence, escalate } = input;
  if (confidence !== undefined && typeof confidence !== 'boolean')
    add('/confidence', 'confidence must be true or false');
  if (confidence === true && (format !== 'label' || multi)) {
    add(
      '/confidence',
      multi
        ? 'confidence works with single-label tasks: a multi-label reply has no one label whose probability can be read'
        : `confidence works with label tasks; this task has format ${format}`,
    );
  }
  if (minConfidence !== undefined) {
    if (typeof minConfidence !== 'number' || !(minConfidence > 0 && minConfidence <= 1)) {
      add('/minConfidence', 'minConfidence must be a probability above 0 and at most 1');
    } else if (confidence !== true) add('/minConfidence', 'minConfidence needs confidence: true');
  }
  if (escalate !== undefined) {
    if (escalate !== 'thinking' && escalate !== 'reject') add('/escalate', 'escalate must be "thinking" or "reject"');
    else if (minConfidence === undefined) add('/escalate', 'escalate needs minConfidence');
  }
  if (confidence !== true) return {};
  return minConfidence === undefined
    ? { confidence: true }
    : { confidence: true, minConfidence, escalate: escalate ?? 'reject' };
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
        const message = (error as Error).message;
        add(
          '/output',
          message.startsWith('the zod schema')
            ? message
            : `the zod schema cannot be turned into JSON Schema: ${message}`,
        );
        return none;
      }
    }
    if (output === null || typeof output !== 'object' || Array.isArray(output)) {
      add('/output', 'a json task needs an output schema (zod or JSON Schema)');
      return none;
    }
    if (!describesValue(output)) {
      add(
        '/output',
        `the JSON Schema does not say what the value is: give it one of ${DESCRIBING_KEYWORDS.join(', ')}`,
      );
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

/** Most labels a task may have: a longer list belongs in an extract task or a smaller taxonomy. */
const MAX_LABELS = 500;
/** Longest label, in characters. */
const MAX_LABEL_LENGTH = 200;

/** Labels split into names and descriptions, with every problem found. */
export interface NormalizedLabels {
  labels: string[];
  descriptions: Record<string, string> | undefined;
  problems: TaskDefinitionProblem[];
}

/**
 * Checks a label set (a list, or label → description): every label a non-empty string without line breaks,
 * unique after case folding, at most {@link MAX_LABELS}. The one label check (task files use it too).
 */
export function normalizeLabels(labelSet: unknown, path = '/output/labels'): NormalizedLabels {
  const problems: TaskDefinitionProblem[] = [];
  let labels: unknown[];
  let descriptions: Record<string, string> | undefined;
  if (Array.isArray(labelSet)) {
    labels = labelSet;
  } else if (labelSet !== null && typeof labelSet === 'object') {
    labels = Object.keys(labelSet);
    descriptions = {};
    for (const [label, description] of Object.entries(labelSet as Record<string, unknown>)) {
      if (typeof description !== 'string') {
        problems.push({ path: `${path}/${label}`, message: 'label description must be a string' });
      } else if (description.trim() !== '') {
        descriptions[label] = description.trim();
      }
    }
  } else {
    return { labels: [], descriptions, problems: [{ path, message: 'labels must be a list or an object' }] };
  }
  if (labels.length === 0) problems.push({ path, message: 'labels must not be empty' });
  if (labels.length > MAX_LABELS) {
    problems.push({ path, message: `too many labels (${labels.length}); at most ${MAX_LABELS}` });
  }
  const seen = new Map<string, string>();
  labels.forEach((label, index) => {
    const message = labelProblem(label, seen);
    if (message !== undefined) problems.push({ path: `${path}/${index}`, message });
  });
  return { labels: labels.filter((label): label is string => typeof label === 'string'), descriptions, problems };
}

/** Whether a task `output` value is a label set spec. */
function isLabelSpec(output: unknown): output is { labels: LabelSet; multi?: boolean } {
  return typeof output === 'object' && output !== null && 'labels' in output;
}

/** What is wrong with one label, if anything; records a good label in `seen` (case-folded → label). */
function labelProblem(label: unknown, seen: Map<string, string>): string | undefined {
  if (typeof label !== 'string') return 'label must be a string';
  if (label.trim() === '') return 'label must not be empty or whitespace';
  if (label !== label.trim()) return `label "${label}" has leading or trailing whitespace`;
  if (/[\r\n\u2028\u2029]/.test(label)) return 'label must not contain line breaks';
  if (label.length > MAX_LABEL_LENGTH) return `label is longer than ${MAX_LABEL_LENGTH} characters`;
  const folded = label.normalize('NFKC').toLowerCase();
  const earlier = seen.get(folded);
  if (earlier !== undefined) return `label "${label}" duplicates "${earlier}" (labels are compared case-insensitively)`;
  seen.set(folded, label);
  return undefined;
}

/** Everything about a task that does not depend on the input, computed once. */
export interface CompiledTask {
  /** The system message (stable prefix for the provider's cache). */
  system: string;
  /** Estimated tokens of the system message (estimated on first use). */
  readonly systemTokens: number;
  /** Request fields shared by every call of the task. */
  request: Omit<ChatRequest, 'messages'>;
  /** Parses, repairs and validates a reply. */
  parse: (reply: string, text?: string) => ParseOutcome<unknown>;
  /** The text of a response to parse. */
  replyText: (response: ChatResponse) => string;
  /** The label lookups of a `label` task, built once and handed to every label parser. */
  labelMatcher: LabelMatcher | undefined;
}

/** Alternatives asked per token for label confidence: DashScope's most (`top_logprobs` 0–5). */
export const CONFIDENCE_ALTERNATIVES = 5;

/** The compiled form of each task: filled by `defineTask`, so a call only looks it up. */
const compiled = new WeakMap<Task<unknown>, CompiledTask>();

/** Returns the compiled form of a task, compiling it on first use. */
export function compileTask(task: Task<unknown>): CompiledTask {
  const cached = compiled.get(task);
  if (cached) return cached;
  const format = FORMAT_STRATEGIES[task.format];
  const labelMatcher = task.labels === undefined ? undefined : createLabelMatcher(task.labels);
  let parse: CompiledTask['parse'];
  try {
    parse = format.createParser(task, labelMatcher);
  } catch (error) {
    throw new TaskDefinitionError(
      [{ path: '/output', message: `the output schema cannot be compiled: ${(error as Error).message}` }],
      { cause: error },
    );
  }
  const system = buildSystemMessage({
    ...(task.instructions === undefined ? {} : { instructions: task.instructions }),
    format: format.instruction(task),
    examples: task.examples.map((example) => ({
      input: example.input,
      output: format.renderExample(example.output, task, example.input),
    })),
  });
  const { settings } = task;
  const request: Omit<ChatRequest, 'messages'> = {
    temperature: settings.temperature,
    thinking: settings.thinking,
    ...(settings.model === undefined ? {} : { model: settings.model }),
    ...(settings.maxTokens === undefined ? {} : { maxTokens: settings.maxTokens }),
    ...(settings.confidence === true ? { logprobs: CONFIDENCE_ALTERNATIVES } : {}),
    ...format.request(task),
  };
  let systemTokens: number | undefined;
  const result: CompiledTask = {
    system,
    get systemTokens() {
      systemTokens ??= estimateTokens(system);
      return systemTokens;
    },
    request,
    parse,
    replyText: format.replyText,
    labelMatcher,
  };
  compiled.set(task, result);
  return result;
}

const escalationTasks = new WeakMap<Task<unknown>, Task<unknown>>();

/**
 * The task a low-confidence label is escalated to: the same task with thinking on and without confidence (a
 * thinking call streams its reply, and its probabilities are not asked: a server may refuse them with thinking).
 */
export function escalationTask<O>(task: Task<O>): Task<O> {
  const known = escalationTasks.get(task as Task<unknown>);
  if (known !== undefined) return known as Task<O>;
  const plain = withoutConfidence(task);
  const escalated = withSettings(plain, { ...plain.settings, thinking: true });
  escalationTasks.set(task as Task<unknown>, escalated as Task<unknown>);
  return escalated;
}

/** The same task without its confidence settings (what confidence costs is measured against it). */
export function withoutConfidence<O>(task: Task<O>): Task<O> {
  const { confidence: _confidence, minConfidence: _minimum, escalate: _escalate, ...settings } = task.settings;
  return withSettings(task, settings);
}

/** A copy of a task with other settings, and the hash that goes with them. */
function withSettings<O>(task: Task<O>, settings: TaskSettings): Task<O> {
  const { hash: _hash, zodSchema, ...fields } = task;
  const changed = { ...fields, settings: Object.freeze(settings) };
  return Object.freeze({ ...changed, zodSchema, hash: stableHash(changed) }) as Task<O>;
}

/** SHA-256 (hex, first 16 bytes) of a value's canonical JSON: object keys sorted, so equal values hash equally. */
function stableHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, 32);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
