import { QwenTasksError } from './qwen-tasks-error.js';

/**
 * Bad input to the library: text, labels, schema, options, configuration (no API key), or an input over the
 * model's context limit. Always raised before any network call.
 */
export class InputError extends QwenTasksError {
  override name = 'InputError';
  /** The option or argument at fault, e.g. `labels[2]` or `options.timeoutMs`. */
  readonly path: string | undefined;

  constructor(message: string, options?: { path?: string; cause?: unknown }) {
    super(message, options);
    this.path = options?.path;
  }
}
