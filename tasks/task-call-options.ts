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

/** The task-shaping part of the options, as a cache key and as `defineTask` fields. @internal */
export function taskSettings(options: TaskCallOptions): {
  key: string;
  fields: Pick<TaskCallOptions, 'instructions' | 'examples' | 'temperature' | 'thinking' | 'model' | 'maxTokens'>;
} {
  const fields = {
    ...(options.instructions === undefined ? {} : { instructions: options.instructions }),
    ...(options.examples === undefined ? {} : { examples: options.examples }),
    ...(options.temperature === undefined ? {} : { temperature: options.temperature }),
    ...(options.thinking === undefined ? {} : { thinking: options.thinking }),
    ...(options.model === undefined ? {} : { model: options.model }),
    ...(options.maxTokens === undefined ? {} : { maxTokens: options.maxTokens }),
  };
  return { key: JSON.stringify(fields), fields };
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
