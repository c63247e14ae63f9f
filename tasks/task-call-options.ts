import type { RunTaskOptions, TaskExample } from '../src/task/index.js';

/**
 * Options shared by the one-liners: how to call ({@link RunTaskOptions}) plus task settings that shape the prompt.
 */
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

/** The options that shape the task (its prompt and request), as `defineTask` fields. @internal */
export type TaskSettingFields = Pick<
  TaskCallOptions,
  'instructions' | 'examples' | 'temperature' | 'thinking' | 'model' | 'maxTokens'
>;

const SETTING_NAMES = ['instructions', 'examples', 'temperature', 'thinking', 'model', 'maxTokens'] as const;
/** The settings of a call that gives none: one shared empty object. @internal */
export const NO_SETTINGS: TaskSettingFields = Object.freeze({});

/**
 * The task-shaping part of the options, as `defineTask` fields: only the fields given, always in the same order, so
 * their JSON is a cache key. Without any (the common call) it is one shared empty object, with nothing built. @internal
 */
export function taskSettings(options: TaskCallOptions): TaskSettingFields {
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

/** The call part of the options, for `runTask`. @internal */
export function runOptions(options: TaskCallOptions): RunTaskOptions {
  return {
    ...(options.client === undefined ? {} : { client: options.client }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.maxRepairs === undefined ? {} : { maxRepairs: options.maxRepairs }),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.onAttempt === undefined ? {} : { onAttempt: options.onAttempt }),
    ...(options.cache === undefined ? {} : { cache: options.cache }),
  };
}
