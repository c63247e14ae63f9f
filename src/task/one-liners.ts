/**
 * The one-liners `classify`, `extract` and `summarize`: each defines its task from the call's labels, schema and
 * settings (once, through the one task cache below) and runs it. See `docs/getting-started.md#the-three-one-liners`.
 * @module
 */
import type { z } from 'zod';
import { InputError, TaskDefinitionError } from '../errors.js';
import type { JsonSchema } from '../json.js';
import { chunkText } from '../prompt/chunk-text.js';
import { estimateTokens } from '../tokens.js';
import { defineTask } from './define-task.js';
import { mapLimited } from './packing.js';
import { checkText, type RunTaskOptions, runObservedTask, runTask } from './run-task.js';
import { createTaskStream, streamTask, type TaskStream } from './stream-task.js';
import type { Citations, FieldConflict, JsonMode, Task, TaskExample } from './types.js';
import { DESCRIBING_KEYWORDS, describesValue, isZodSchema } from './zod-schema.js';

/** Options shared by the one-liners: how to call ({@link RunTaskOptions}) plus task settings that shape the prompt. */
export interface TaskCallOptions extends RunTaskOptions {
  /** Extra instructions for the model, placed before the format part of the system message. */
  instructions?: string;
  /** Worked examples (input text → output value). */
  examples?: readonly TaskExample[];
  /** @defaultValue 0 */
  temperature?: number;
  /** Thinking mode (slower, for harder cases). @defaultValue false */
  thinking?: boolean;
  /** Model for this call; the client's otherwise. */
  model?: string;
  /** Output-token limit. */
  maxTokens?: number;
}

/** The options that shape the task (its prompt and request), as `defineTask` fields. */
type TaskSettingFields = Pick<
  TaskCallOptions,
  'instructions' | 'examples' | 'temperature' | 'thinking' | 'model' | 'maxTokens'
>;

const SETTING_NAMES = ['instructions', 'examples', 'temperature', 'thinking', 'model', 'maxTokens'] as const;
/** The {@link RunTaskOptions} a one-liner passes on (`initialResponse` is the batch runner's, not a caller's). */
const RUN_OPTION_NAMES = ['client', 'signal', 'maxRepairs', 'timeoutMs', 'onAttempt', 'cache', 'traceContext'] as const;
/** The confidence settings of `classify` (task settings of a label task). */
const CONFIDENCE_NAMES = ['confidence', 'minConfidence', 'escalate'] as const;
/** The option keys each one-liner knows; any other key is a typo that would otherwise be ignored. */
const KNOWN_OPTIONS = {
  classify: new Set<string>([...RUN_OPTION_NAMES, ...SETTING_NAMES, 'multi', ...CONFIDENCE_NAMES]),
  extract: new Set<string>([
    ...RUN_OPTION_NAMES,
    ...SETTING_NAMES,
    'jsonMode',
    'cite',
    'chunk',
    'merge',
    'concurrency',
  ]),
  summarize: new Set<string>([
    ...RUN_OPTION_NAMES,
    ...SETTING_NAMES,
    'format',
    'maxItems',
    'maxWords',
    'chunkTokens',
    'concurrency',
  ]),
} as const;

/**
 * Checks a one-liner's text and options before anything else: the text must be a string (a `{ text }` object is
 * for `runTask`), the options an object with only keys the one-liner knows (an unknown key names the known ones).
 */
function checkCall(name: keyof typeof KNOWN_OPTIONS, text: unknown, options: unknown): void {
  if (typeof text !== 'string') checkText(text);
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InputError(`options must be an object, got ${options === null ? 'null' : typeof options}`, {
      path: 'options',
    });
  }
  const known = KNOWN_OPTIONS[name];
  for (const key in options) {
    if (!known.has(key)) {
      throw new InputError(`unknown option "${key}" for ${name}; known options: ${[...known].join(', ')}`, {
        path: `options.${key}`,
      });
    }
  }
}
/** The settings of a call that gives none: one shared empty object. */
const NO_SETTINGS: TaskSettingFields = Object.freeze({});

/**
 * The task-shaping part of the options: only the fields given, always in the same order, so their JSON is a cache
 * key. Without any (the common call) it is {@link NO_SETTINGS}, with nothing built.
 */
function taskSettings(options: TaskCallOptions): TaskSettingFields {
  let fields: Record<string, unknown> | undefined;
  for (const name of SETTING_NAMES) {
    const value = options[name];
    if (value !== undefined) {
      fields ??= {};
      fields[name] = value;
    }
  }
  return (fields as TaskSettingFields | undefined) ?? NO_SETTINGS;
}

/** The call part of the options, for `runTask`. */
function runOptions(options: TaskCallOptions): RunTaskOptions {
  return {
    ...(options.client === undefined ? {} : { client: options.client }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.maxRepairs === undefined ? {} : { maxRepairs: options.maxRepairs }),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.onAttempt === undefined ? {} : { onAttempt: options.onAttempt }),
    ...(options.cache === undefined ? {} : { cache: options.cache }),
    ...(options.traceContext === undefined ? {} : { traceContext: options.traceContext }),
  };
}

/** A cached task, with the label contents it was built from when it is cached by the label set's identity. */
interface CachedTask {
  task: Task<unknown>;
  contents: readonly string[] | undefined;
}

/** Tasks kept per owner; the least recently used goes first. */
const MAX_TASKS_PER_OWNER = 256;
/** The key of a label set's own plain `classify` task (no settings, not multi). */
const PLAIN = '';

/**
 * The one cache of the one-liners' tasks, so `classify(text, labels)` in a loop defines and compiles its task once
 * (the compiled form then lives beside the task, see `compileTask`). Keyed by an owner object, then by the JSON of
 * the settings: a label set owns its plain `classify` task (the fast path: its identity plus a contents check to
 * notice a list changed in place, no JSON per call); a schema owns its `extract` tasks (JSON cannot key a zod
 * schema); the `classify` and `summarize` functions own the rest, with the labels in the key.
 */
const taskCache = new WeakMap<object, Map<string, CachedTask>>();

/** The cached tasks of `owner`. */
function tasksOf(owner: object): Map<string, CachedTask> {
  let tasks = taskCache.get(owner);
  if (tasks === undefined) {
    tasks = new Map();
    taskCache.set(owner, tasks);
  }
  return tasks;
}

/** The task of `owner` under `key`, built on a miss. */
function cachedTask(owner: object, key: string, build: () => Task<unknown>): Task<unknown> {
  const tasks = tasksOf(owner);
  let entry = tasks.get(key);
  if (entry) {
    tasks.delete(key);
  } else {
    entry = { task: build(), contents: undefined };
    if (tasks.size >= MAX_TASKS_PER_OWNER) tasks.delete(tasks.keys().next().value as string);
  }
  tasks.set(key, entry);
  return entry.task;
}

/** Labels for {@link classify}: a list, or label → description. */
export type Labels = readonly string[] | Readonly<Record<string, string>>;

/** The label type of a label set: the list's items, or the object's keys. */
export type LabelOf<L extends Labels> = L extends readonly (infer T)[] ? T : Extract<keyof L, string>;

/** Options of {@link classify}. */
export interface ClassifyOptions extends TaskCallOptions {
  /** Return every label that applies (possibly none) instead of exactly one. @defaultValue false */
  multi?: boolean;
  /**
   * Resolve to `{ label, confidence, scores }`: every label's probability, read from the model's token
   * log-probabilities (single-label only). See `docs/prompting.md#label-confidence`. @defaultValue false
   */
  confidence?: boolean;
  /** With `confidence`: below this probability, `escalate` decides. */
  minConfidence?: number;
  /** With `minConfidence`: re-run with thinking on, or reject (`OutputError` code `LOW_CONFIDENCE`). @defaultValue 'reject' */
  escalate?: 'thinking' | 'reject';
}

/** What `classify(text, labels, { confidence: true })` resolves to. */
export interface ClassifiedLabel<T extends string> {
  label: T;
  /** The label's probability (0–1); absent when the server gave no log-probabilities (see `warnings`). */
  confidence?: number;
  /** Every label's probability, summing to 1; absent with `confidence`. */
  scores?: Record<T, number>;
  /** Set when the label was under `minConfidence` and this is the answer of the call with thinking on. */
  escalated?: true;
  /** Why the confidence is missing, or that the answer was escalated. */
  warnings?: string[];
}

/** The task {@link classify} runs for a label set and options (cached). */
export function classifyTask(labels: Labels, options: ClassifyOptions = {}): Task<unknown> {
  const fields = taskSettings(options);
  const multi = options.multi ?? false;
  const plain =
    !multi &&
    fields === NO_SETTINGS &&
    options.confidence === undefined &&
    options.minConfidence === undefined &&
    options.escalate === undefined &&
    typeof labels === 'object' &&
    labels !== null;
  if (plain) {
    const known = taskCache.get(labels)?.get(PLAIN);
    if (known?.contents !== undefined && sameContents(known.contents, labels)) return known.task;
  }
  const confidence = {
    ...(options.confidence === undefined ? {} : { confidence: options.confidence }),
    ...(options.minConfidence === undefined ? {} : { minConfidence: options.minConfidence }),
    ...(options.escalate === undefined ? {} : { escalate: options.escalate }),
  };
  const task = cachedTask(classify, JSON.stringify([labels, multi, fields, confidence]), () => {
    try {
      return defineTask({
        name: 'classify',
        kind: 'classify',
        format: 'label',
        output: { labels, multi },
        ...fields,
        ...confidence,
      });
    } catch (error) {
      if (error instanceof TaskDefinitionError)
        throw new InputError(error.message.replace('/output/labels', 'labels'), { path: 'labels', cause: error });
      throw error;
    }
  });
  if (plain) tasksOf(labels).set(PLAIN, { task, contents: contentsOf(labels) });
  return task;
}

/** A label list's items, or a label object's keys and descriptions, in order. */
function contentsOf(labels: Labels): string[] {
  return Array.isArray(labels) ? [...labels] : Object.entries(labels).flat();
}

function sameContents(contents: readonly string[], labels: Labels): boolean {
  const current: readonly unknown[] = Array.isArray(labels) ? labels : Object.entries(labels).flat();
  if (current.length !== contents.length) return false;
  for (let index = 0; index < current.length; index += 1) if (current[index] !== contents[index]) return false;
  return true;
}

/**
 * Classifies a text into one of the given labels (or several, with `multi: true`); the label type is inferred from
 * the list. See `docs/getting-started.md#the-three-one-liners`.
 */
export function classify<const L extends Labels>(
  text: string,
  labels: L,
  options: ClassifyOptions & { multi?: false; confidence: true },
): Promise<ClassifiedLabel<LabelOf<L>>>;
export function classify<const L extends Labels>(
  text: string,
  labels: L,
  options: ClassifyOptions & { multi: true },
): Promise<LabelOf<L>[]>;
export function classify<const L extends Labels>(
  text: string,
  labels: L,
  options?: ClassifyOptions & { multi?: false },
): Promise<LabelOf<L>>;
export async function classify(text: string, labels: Labels, options: ClassifyOptions = {}): Promise<unknown> {
  checkCall('classify', text, options);
  const result = await runTask(classifyTask(labels, options), text, runOptions(options));
  if (options.confidence !== true) return result.value;
  return {
    label: result.value,
    ...(result.confidence === undefined ? {} : { confidence: result.confidence, scores: result.labelScores }),
    ...(result.escalated === true ? { escalated: true } : {}),
    ...(result.warnings === undefined ? {} : { warnings: result.warnings }),
  };
}

/** Options of {@link extract}. */
export interface ExtractOptions extends TaskCallOptions {
  /** How to ask for JSON: JSON mode (default), a JSON Schema response format, or a tool call. */
  jsonMode?: JsonMode;
  /**
   * Cite the text each value comes from: every quote is checked against the input locally (a missing or
   * unsupported one goes to the repair turn) and `extract` resolves to `{ value, citations }`. See
   * `docs/grounding.md`. @defaultValue false
   */
  cite?: boolean;
  /**
   * Cut a long text into chunks (at paragraphs and sentences, overlapping), extract each, and merge the values:
   * `true` for chunks of 16,000 tokens overlapping by 256, or your sizes. Needed for a text over the model's input
   * limit. See `docs/grounding.md#long-documents`.
   */
  chunk?: boolean | { maxTokens?: number; overlapTokens?: number };
  /**
   * With `chunk`: your merge of the chunks' values (in text order) into one, instead of the default (arrays
   * concatenated without duplicates, scalars the first non-null). Written as a method, so a function of your
   * value type fits.
   */
  merge?(values: unknown[]): unknown;
  /** With `chunk`: chunks extracted at a time. @defaultValue 4 */
  concurrency?: number;
}

/** What {@link extract} with `cite: true` resolves to. */
export interface CitedValue<T> {
  /** The valid value. */
  value: T;
  /** A verbatim quote and its UTF-16 offsets for every non-null leaf of `value`, keyed by JSON Pointer. */
  citations: Citations;
  /** With `chunk`: the fields whose chunks found different values (the first non-null one was kept). */
  conflicts?: FieldConflict[];
}

/** The task {@link extract} runs for a schema and options (cached per schema). */
export function extractTask(schema: z.ZodType | JsonSchema, options: ExtractOptions = {}): Task<unknown> {
  if (schema === null || typeof schema !== 'object' || !(isZodSchema(schema) || describesValue(schema)))
    throw new InputError(
      `schema must be a zod schema or a JSON Schema that says what the value is (${DESCRIBING_KEYWORDS.join(', ')})`,
      { path: 'schema' },
    );
  if (options.cite !== undefined && typeof options.cite !== 'boolean')
    throw new InputError('cite must be true or false', { path: 'options.cite' });
  const fields = taskSettings(options);
  const cite = options.cite === true;
  return cachedTask(schema, JSON.stringify([fields, options.jsonMode, cite]), () => {
    try {
      return defineTask({
        name: 'extract',
        kind: 'extract',
        format: 'json',
        output: schema,
        instructions: options.instructions ?? 'Extract the data from the text.',
        ...fields,
        ...(options.jsonMode === undefined ? {} : { jsonMode: options.jsonMode }),
        ...(cite ? { cite } : {}),
      });
    } catch (error) {
      if (error instanceof TaskDefinitionError) throw new InputError(error.message, { path: 'schema', cause: error });
      throw error;
    }
  });
}

/**
 * Extracts structured data from a text into a value valid against a zod schema (or a JSON Schema). See
 * `docs/getting-started.md#the-three-one-liners`.
 */
export function extract<S extends z.ZodType>(
  text: string,
  schema: S,
  options: ExtractOptions & { cite: true },
): Promise<CitedValue<z.output<S>>>;
export function extract<S extends z.ZodType>(text: string, schema: S, options?: ExtractOptions): Promise<z.output<S>>;
export function extract(
  text: string,
  schema: JsonSchema,
  options: ExtractOptions & { cite: true },
): Promise<CitedValue<unknown>>;
export function extract(text: string, schema: JsonSchema, options?: ExtractOptions): Promise<unknown>;
export async function extract(
  text: string,
  schema: z.ZodType | JsonSchema,
  options: ExtractOptions = {},
): Promise<unknown> {
  checkCall('extract', text, options);
  const task = extractTask(schema, options);
  const { chunk, concurrency, merge } = options;
  if ((concurrency !== undefined || merge !== undefined) && (chunk === undefined || chunk === false)) {
    throw new InputError('concurrency and merge need chunk', {
      path: concurrency === undefined ? 'options.merge' : 'options.concurrency',
    });
  }
  const result = await runTask(task, text, {
    ...runOptions(options),
    ...(chunk === undefined || chunk === false
      ? {}
      : {
          chunk: {
            ...(chunk === true ? {} : chunk),
            ...(concurrency === undefined ? {} : { concurrency }),
            ...(merge === undefined ? {} : { merge }),
          },
        }),
  });
  if (options.cite !== true) return result.value;
  return {
    value: result.value,
    citations: result.citations ?? {},
    ...(result.conflicts === undefined ? {} : { conflicts: result.conflicts }),
  };
}

/**
 * {@link extract} with the reply streamed: the fields of the value fill in as the model writes them. Bad options
 * or a schema JSON cannot express throw at once; see {@link streamTask} for the rest and `docs/streaming.md`.
 */
export function streamExtract<S extends z.ZodType>(
  text: string,
  schema: S,
  options?: ExtractOptions,
): TaskStream<z.output<S>>;
export function streamExtract(text: string, schema: JsonSchema, options?: ExtractOptions): TaskStream<unknown>;
export function streamExtract(
  text: string,
  schema: z.ZodType | JsonSchema,
  options: ExtractOptions = {},
): TaskStream<unknown> {
  checkCall('extract', text, options);
  for (const name of ['chunk', 'merge', 'concurrency'] as const) {
    if (options[name] !== undefined && options[name] !== false) {
      throw new InputError(`${name} does not apply to streamExtract: a chunked extraction is merged at the end`, {
        path: `options.${name}`,
      });
    }
  }
  return streamTask(extractTask(schema, options), text, runOptions(options));
}

/** Options of {@link summarize}. */
export interface SummarizeOptions extends TaskCallOptions {
  /** Bullet points (a `string[]`) or one paragraph (a `string`). @defaultValue 'paragraph' */
  format?: 'bullets' | 'paragraph';
  /** Most bullet points (bullets). */
  maxItems?: number;
  /** Most words (paragraph). */
  maxWords?: number;
  /**
   * Texts longer than this many (estimated) tokens are split on paragraph and sentence boundaries, each chunk is
   * summarized, then the summaries are summarized (map-reduce). @defaultValue 100000
   */
  chunkTokens?: number;
  /** Chunk summaries in flight at once. @defaultValue 4 */
  concurrency?: number;
}

/** Default chunk budget: far under the 1M context, so each call stays fast and its summary faithful. */
const DEFAULT_CHUNK_TOKENS = 100_000;

/** The task {@link summarize} runs for a format and limits (cached). */
export function summarizeTask(options: SummarizeOptions = {}): Task<unknown> {
  const fields = taskSettings(options);
  const bullets = options.format === 'bullets';
  return cachedTask(summarize, JSON.stringify([bullets, options.maxItems, options.maxWords, fields]), () =>
    defineTask({
      name: 'summarize',
      kind: 'summarize',
      format: bullets ? 'lines' : 'text',
      output: bullets
        ? options.maxItems === undefined
          ? {}
          : { maxItems: options.maxItems }
        : options.maxWords === undefined
          ? {}
          : { maxWords: options.maxWords },
      instructions: options.instructions ?? 'Summarize the text.',
      ...fields,
    }),
  );
}

/**
 * Summarizes a text as bullet points or a paragraph; long texts map-reduce style (chunks in parallel, then their
 * summaries). See `docs/getting-started.md#the-three-one-liners`.
 */
export function summarize(text: string, options: SummarizeOptions & { format: 'bullets' }): Promise<string[]>;
export function summarize(text: string, options?: SummarizeOptions & { format?: 'paragraph' }): Promise<string>;
export async function summarize(text: string, options: SummarizeOptions = {}): Promise<string | string[]> {
  const plan = planSummary(text, options);
  const result = await runTask(plan.task, await plan.input(), plan.callOptions);
  return result.value as string | string[];
}

/**
 * {@link summarize} with the summary streamed: bullets appear one by one, a paragraph as it is written. A long
 * text's chunk summaries are made first (not streamed), then the final summary streams. Bad options throw at once;
 * see {@link streamTask} for the rest and `docs/streaming.md`.
 */
export function streamSummarize(text: string, options: SummarizeOptions & { format: 'bullets' }): TaskStream<string[]>;
export function streamSummarize(
  text: string,
  options?: SummarizeOptions & { format?: 'paragraph' },
): TaskStream<string>;
export function streamSummarize(text: string, options: SummarizeOptions = {}): TaskStream<string | string[]> {
  const plan = planSummary(text, options);
  return createTaskStream(plan.task as Task<string | string[]>, async (observer) =>
    runObservedTask(plan.task as Task<string | string[]>, await plan.input(), plan.callOptions, observer),
  );
}

/**
 * Checks a summary's options and plans it: its task, the run options, and the text of its final call (a long
 * text's chunk summaries, made in rounds until they fit the chunk budget).
 */
function planSummary(
  text: string,
  options: SummarizeOptions,
): { task: Task<unknown>; callOptions: RunTaskOptions; input: () => Promise<string> } {
  checkCall('summarize', text, options);
  const { format } = options;
  if (format !== undefined && format !== 'bullets' && format !== 'paragraph') {
    throw new InputError(`format must be "bullets" or "paragraph", got ${JSON.stringify(format)}`, {
      path: 'options.format',
    });
  }
  const chunkTokens = options.chunkTokens ?? DEFAULT_CHUNK_TOKENS;
  const concurrency = options.concurrency ?? 4;
  if (!Number.isInteger(chunkTokens) || chunkTokens < 100) {
    throw new InputError('chunkTokens must be a whole number of at least 100', { path: 'options.chunkTokens' });
  }
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new InputError('concurrency must be a whole number of at least 1', { path: 'options.concurrency' });
  const callOptions = runOptions(options);
  const input = async (): Promise<string> => {
    let current: string = text;
    for (let round = 0; estimateTokens(current) > chunkTokens; round += 1) {
      if (round >= 8) throw new InputError('text is too long to summarize within the chunk budget', { path: 'text' });
      const chunkTask = summarizeTask({
        ...options,
        format: 'bullets',
        maxItems: 12,
        instructions: 'Summarize this part of a longer text.',
      });
      const chunks = chunkText(current, { maxTokens: chunkTokens });
      const summaries = await mapLimited(
        chunks,
        concurrency,
        async (chunk) => (await runTask(chunkTask, chunk, callOptions)).value as string[],
      );
      current = summaries.map((lines) => lines.map((line) => `- ${line}`).join('\n')).join('\n\n');
    }
    return current;
  };
  return { task: summarizeTask(options), callOptions, input };
}
