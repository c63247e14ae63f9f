/**
 * The task-file format as a JSON Schema (shipped as `schema/task.schema.json`) and as a type. See
 * `docs/task-files.md`.
 * @module
 */
import type { JsonSchema } from '../json.js';
import { OUTPUT_FORMATS } from './define-task.js';
import type { JsonMode, LabelSet, OutputFormat, TaskExample, TaskKind } from './types.js';

/** `format` of a task file: `bullets`/`paragraph` for summarize, an {@link OutputFormat} for custom. */
export type TaskFileFormat = 'bullets' | 'paragraph' | OutputFormat;

/** A task file (`*.task.json`, `*.task.yaml`) as data, once it passed {@link taskFileSchema}. */
export interface TaskFile {
  /** Path or URL of the task-file schema, for editors. */
  $schema?: string;
  name: string;
  description?: string;
  kind: TaskKind;
  instructions?: string;
  /** classify, custom `label`: the labels, as a list or label → description. */
  labels?: LabelSet;
  /** classify, custom `label`: return every label that applies. */
  multi?: boolean;
  /** extract, custom `json`: JSON Schema (draft 2020-12) of the value. */
  schema?: JsonSchema;
  format?: TaskFileFormat;
  maxItems?: number;
  maxWords?: number;
  examples?: TaskExample[];
  model?: string;
  temperature?: number;
  thinking?: boolean;
  maxTokens?: number;
  jsonMode?: JsonMode;
  /** classify (single-label): read every label's probability. */
  confidence?: boolean;
  /** With confidence: below this probability, `escalate` decides. */
  minConfidence?: number;
  escalate?: 'thinking' | 'reject';
  /** extract, custom `json`: cite the text each value comes from. */
  cite?: boolean;
}

/** A conditional branch: when `key` is `value`, `then` applies. */
function when(key: string, value: string, then: JsonSchema): JsonSchema {
  return { if: { properties: { [key]: { const: value } }, required: [key] }, then };
}

/** Keys that must not appear (a `false` schema each). */
function forbid(...keys: string[]): JsonSchema {
  return Object.fromEntries(keys.map((key) => [key, false]));
}

const customFormats = [...OUTPUT_FORMATS];
const summarizeFormats = ['bullets', 'paragraph'];

/**
 * JSON Schema (draft 2020-12) of the task-file format. Shipped as `schema/task.schema.json` (kept equal by a test)
 * so editors validate and autocomplete task files; `validateTaskFile` checks files against it.
 */
export const taskFileSchema: JsonSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  title: 'qwen-tasks task file',
  description:
    'A task for qwen-tasks: what to do with a text and the shape of the answer. Load it with loadTask(path), check it with `qwen-tasks check`.',
  type: 'object',
  required: ['name', 'kind'],
  additionalProperties: false,
  properties: {
    $schema: {
      title: 'Task-file schema',
      description: 'Path or URL of this JSON Schema, for editors, e.g. ../schema/task.schema.json.',
      type: 'string',
    },
    name: {
      title: 'Name',
      description: 'Short identifier of the task, e.g. support-triage: letters, digits, ".", "_" and "-".',
      type: 'string',
      pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$',
      maxLength: 100,
    },
    description: {
      title: 'Description',
      description: 'What the task is for, in one sentence.',
      type: 'string',
    },
    kind: {
      title: 'Kind',
      description:
        'classify (labels, multi), extract (schema), summarize (format bullets or paragraph, maxItems or maxWords) or custom (format and what it needs).',
      enum: ['classify', 'extract', 'summarize', 'custom'],
    },
    instructions: {
      title: 'Instructions',
      description:
        'What to do, in a sentence or two; goes into the system message. Default: "Summarize the text." for summarize, "Extract the data from the text." for extract, none otherwise.',
      type: 'string',
      minLength: 1,
    },
    labels: {
      title: 'Labels',
      description:
        'classify, or custom with format label: the labels to choose from, as a list or as label → description (descriptions help the model tell close labels apart). Unique ignoring case.',
      type: ['array', 'object'],
      minItems: 1,
      maxItems: 500,
      items: { type: 'string', minLength: 1, maxLength: 200 },
      minProperties: 1,
      maxProperties: 500,
      additionalProperties: { type: 'string' },
    },
    multi: {
      title: 'Several labels',
      description:
        'classify, or custom with format label: return every label that applies (a list) instead of exactly one.',
      type: 'boolean',
      default: false,
    },
    schema: {
      title: 'Output schema',
      description:
        'extract, or custom with format json: JSON Schema (draft 2020-12) of the value to produce. Field descriptions go into the prompt.',
      type: 'object',
    },
    format: {
      title: 'Output format',
      description:
        'summarize: bullets (a list of strings) or paragraph (one string). custom: json (needs schema), label (needs labels), lines or text.',
      enum: [...summarizeFormats, ...customFormats],
    },
    maxItems: {
      title: 'Most items',
      description: 'summarize with format bullets, or custom with format lines: at most this many items.',
      type: 'integer',
      minimum: 1,
      maximum: 1000,
    },
    maxWords: {
      title: 'Most words',
      description: 'summarize with format paragraph, or custom with format text: at most about this many words.',
      type: 'integer',
      minimum: 1,
      maximum: 100_000,
    },
    examples: {
      title: 'Examples',
      description:
        'Worked examples shown to the model: an input text and the value it should produce. One or two are plenty.',
      type: 'array',
      items: {
        type: 'object',
        required: ['input', 'output'],
        additionalProperties: false,
        properties: {
          input: { title: 'Example input', description: 'An input text.', type: 'string', minLength: 1 },
          output: {
            title: 'Example output',
            description:
              'The value to produce for the input: a label (a list of labels when multi), an object for extract, a list of strings for bullets, a string for paragraph.',
          },
        },
      },
    },
    model: {
      title: 'Model',
      description: "Model for this task, e.g. qwen-flash. Default: the client's model.",
      type: 'string',
      minLength: 1,
    },
    temperature: {
      title: 'Temperature',
      description: 'Sampling temperature, from 0 (deterministic, best for structured work) to below 2.',
      type: 'number',
      minimum: 0,
      exclusiveMaximum: 2,
      default: 0,
    },
    thinking: {
      title: 'Thinking',
      description: 'Let the model reason before answering: slower and dearer, sometimes better on hard inputs.',
      type: 'boolean',
      default: false,
    },
    confidence: {
      title: 'Label confidence',
      description:
        "classify, custom label (single-label): read every label's probability from the model's token log-probabilities; results carry confidence and labelScores.",
      type: 'boolean',
      default: false,
    },
    minConfidence: {
      title: 'Lowest confidence',
      description: 'With confidence: a label under this probability is escalated (see escalate).',
      type: 'number',
      exclusiveMinimum: 0,
      maximum: 1,
    },
    escalate: {
      title: 'Escalation',
      description:
        'With minConfidence: thinking runs the item again with thinking on; reject fails it with code LOW_CONFIDENCE and its scores.',
      enum: ['thinking', 'reject'],
      default: 'reject',
    },
    maxTokens: {
      title: 'Most output tokens',
      description: 'Output-token limit of one call.',
      type: 'integer',
      minimum: 1,
      maximum: 32_768,
    },
    jsonMode: {
      title: 'JSON mode',
      description:
        'How a json task asks for JSON: json_object (JSON mode), json_schema (schema-constrained), tool (a forced tool call) or prompt (instructions only).',
      enum: ['json_object', 'json_schema', 'tool', 'prompt'],
      default: 'json_object',
    },
    cite: {
      title: 'Citations',
      description:
        'extract, custom json: ask for the exact text each value comes from, check every quote against the input, and return the citations (JSON Pointer → quote, start, end).',
      type: 'boolean',
      default: false,
    },
  },
  allOf: [
    when('kind', 'classify', { required: ['labels'], properties: forbid('schema', 'format', 'maxItems', 'maxWords') }),
    when('kind', 'extract', {
      required: ['schema'],
      properties: forbid('labels', 'multi', 'format', 'maxItems', 'maxWords'),
    }),
    when('kind', 'summarize', {
      required: ['format'],
      properties: { format: { enum: summarizeFormats }, ...forbid('labels', 'multi', 'schema') },
      allOf: [
        when('format', 'bullets', { properties: forbid('maxWords') }),
        when('format', 'paragraph', { properties: forbid('maxItems') }),
      ],
    }),
    when('kind', 'custom', {
      required: ['format'],
      properties: { format: { enum: customFormats } },
      allOf: [
        when('format', 'json', { required: ['schema'], properties: forbid('labels', 'multi', 'maxItems', 'maxWords') }),
        when('format', 'label', { required: ['labels'], properties: forbid('schema', 'maxItems', 'maxWords') }),
        when('format', 'lines', { properties: forbid('schema', 'labels', 'multi', 'maxWords') }),
        when('format', 'text', { properties: forbid('schema', 'labels', 'multi', 'maxItems') }),
      ],
    }),
  ],
};
