/**
 * The task's public types: the definition `defineTask` takes, the frozen task it returns, and what a call gives
 * back. See `docs/tasks.md`.
 * @module
 */
import type { z } from 'zod';
import type { Usage } from '../client/types.js';
import type { JsonSchema } from '../json.js';
import type { Citation, Citations } from '../output/citations.js';

export type { JsonSchema } from '../json.js';
export type { Citation, Citations } from '../output/citations.js';

/**
 * A field of a chunked extraction whose chunks found different values: the first non-null one was kept; here are
 * all of them, in chunk order, each with its chunk (0-based) and, with `cite`, its citation in the whole text.
 */
export interface FieldConflict {
  /** JSON Pointer of the field in the merged value. */
  pointer: string;
  /** Every non-null value found for the field, in chunk order (the first is the one kept). */
  values: { value: unknown; chunk: number; citation?: Citation }[];
}

/** How a task's reply is shaped and parsed. */
export type OutputFormat = 'json' | 'label' | 'lines' | 'text';

/** What the built-in kinds and task files call a task. Informational: the pipeline never branches on it. */
export type TaskKind = 'classify' | 'extract' | 'summarize' | 'custom';

/** How a `json` task asks the model for JSON. */
export type JsonMode = 'json_object' | 'json_schema' | 'tool' | 'prompt';

/** One worked example shown to the model: an input text and the value it should produce. */
export interface TaskExample {
  input: string;
  output: unknown;
}

/** Labels of a `label` task: a list, or label → description. */
export type LabelSet = readonly string[] | Readonly<Record<string, string>>;

/** The `output` of a task definition, by format. */
export type TaskOutputSpec =
  | z.ZodType
  | JsonSchema
  | { labels: LabelSet; multi?: boolean }
  | { maxItems?: number }
  | { maxWords?: number };

/** What {@link defineTask} takes. */
export interface TaskDefinitionInput {
  /** Short identifier, e.g. `support-triage`. */
  name: string;
  description?: string;
  /** What to do, in a sentence or two. Goes into the system message. */
  instructions?: string;
  /** Output format; inferred from `output` when omitted (schema → json, labels → label). */
  format?: OutputFormat;
  /** Output schema (zod or JSON Schema), label set, or limits, by format. */
  output?: TaskOutputSpec;
  kind?: TaskKind;
  examples?: readonly TaskExample[];
  /** Model for this task; the client's otherwise. */
  model?: string;
  /** @defaultValue 0 */
  temperature?: number;
  /** @defaultValue false */
  thinking?: boolean;
  /** Output-token limit of a call. */
  maxTokens?: number;
  /** How a json task asks for JSON. @defaultValue 'json_object' */
  jsonMode?: JsonMode;
  /**
   * Single-label tasks: read the probability of every label from the model's token log-probabilities and return
   * them on the result (`confidence`, `labelScores`). See `docs/prompting.md#label-confidence`. @defaultValue false
   */
  confidence?: boolean;
  /** With `confidence`: below this probability (0–1), the answer is escalated as `escalate` says. */
  minConfidence?: number;
  /**
   * What a label below `minConfidence` gets: `thinking` runs the item again with thinking on and returns that answer
   * (`escalated: true`); `reject` fails with an `OutputError` of code `LOW_CONFIDENCE`. @defaultValue 'reject'
   */
  escalate?: 'thinking' | 'reject';
  /**
   * JSON tasks: ask for the exact text each value comes from, check every quote against the input locally, and
   * return the citations on the result (`citations`). See `docs/grounding.md`. @defaultValue false
   */
  cite?: boolean;
}

/** Model settings of a task, defaults applied. */
export interface TaskSettings {
  model: string | undefined;
  temperature: number;
  thinking: boolean;
  maxTokens: number | undefined;
  jsonMode: JsonMode;
  /** Set when the task reads label confidences (absent otherwise, so other tasks keep their hash). */
  confidence?: true;
  minConfidence?: number;
  escalate?: 'thinking' | 'reject';
  /** Set when the task cites its values (absent otherwise, so other tasks keep their hash). */
  cite?: true;
}

/** A task definition: a plain, frozen value. `O` is the type of a valid output value. */
export interface Task<O = unknown> {
  readonly name: string;
  readonly description: string | undefined;
  readonly instructions: string | undefined;
  readonly kind: TaskKind;
  readonly format: OutputFormat;
  /** JSON Schema of the output value (derived from zod for zod tasks). */
  readonly jsonSchema: JsonSchema;
  /** The zod schema, when the task was defined with one (final validation uses its `safeParse`). */
  readonly zodSchema: z.ZodType<O> | undefined;
  /** Label names of a `label` task, in order. */
  readonly labels: readonly string[] | undefined;
  /** Label descriptions, when given. */
  readonly labelDescriptions: Readonly<Record<string, string>> | undefined;
  /** Whether a `label` task returns several labels. */
  readonly multi: boolean;
  readonly maxItems: number | undefined;
  readonly maxWords: number | undefined;
  readonly examples: readonly TaskExample[];
  readonly settings: Readonly<TaskSettings>;
  /** Stable hash of everything above (for caches and batch files). */
  readonly hash: string;
  /** Phantom field carrying the output type; never set at run time. */
  readonly __output?: O;
}

/** The value of a task call with what it took to get it. */
export interface TaskResult<O> {
  /** The valid output value. */
  value: O;
  /** Raw text of the reply the value came from. */
  raw: string;
  /** Chat calls made (1 + repair turns + length retries). */
  calls: number;
  /** Names of the local repairs applied to the accepted reply, e.g. `fence`, `jsonrepair`, `label-case`. */
  repairs: string[];
  /** Tokens of all calls. */
  usage: Usage;
  /** Estimated cost of all calls, USD. */
  costUsd: number;
  /** Wall time, milliseconds. */
  durationMs: number;
  /** Segmind credits left after the last call. */
  remainingCredits?: number;
  /** `finish_reason` of the accepted reply. */
  finishReason: string;
  /** Set when the value came from a result cache: no call was made, so `calls`, usage and cost are 0. */
  cached?: boolean;
  /** With `confidence`: the probability of the returned label (0–1), read from the model's token probabilities. */
  confidence?: number;
  /** With `confidence`: every label's probability, summing to 1 over the labels. */
  labelScores?: Record<string, number>;
  /** Set when the label fell below `minConfidence` and this is the answer of the call with thinking on. */
  escalated?: true;
  /**
   * With `cite`: where each non-null leaf of the value comes from in the input, keyed by JSON Pointer
   * (`/invoice/total`), each a verbatim quote with its UTF-16 offsets. See `docs/grounding.md`.
   */
  citations?: Citations;
  /**
   * A chunked extraction: the fields whose chunks disagreed (the first non-null value was kept), with every value
   * found and the chunk it came from.
   */
  conflicts?: FieldConflict[];
  /** A chunked extraction: how many chunks the text was cut into. */
  chunks?: number;
  /** Why something asked for is missing, e.g. no confidence because the server returned no log-probabilities. */
  warnings?: string[];
}

/** What {@link RunTaskOptions.onAttempt} receives after each call. */
export interface AttemptInfo {
  /** 1-based number of the call within this task call. */
  call: number;
  /** Why the call was made. */
  kind: 'first' | 'repair' | 'length-retry';
  /** Raw reply text. */
  raw: string;
  finishReason: string;
  /** Whether the reply gave a valid value. */
  ok: boolean;
  /** Local repairs applied. */
  repairs: string[];
  /** Validation issues, when not ok. */
  issues: { path: readonly (string | number)[]; message: string }[];
  usage: Usage;
  costUsd: number;
  durationMs: number;
  /** Messages sent in this call. */
  messageCount: number;
  /** HTTP attempts of this call that the server answered with 429 before the client got through. */
  rateLimitedAttempts: number;
}
