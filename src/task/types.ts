import type { z } from 'zod';

/** A JSON Schema (draft 2020-12) as a plain object. */
export type JsonSchema = { [key: string]: unknown };

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
}

/** Model settings of a task, defaults applied. */
export interface TaskSettings {
  model: string | undefined;
  temperature: number;
  thinking: boolean;
  maxTokens: number | undefined;
  jsonMode: JsonMode;
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
