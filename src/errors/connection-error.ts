import { QwenTasksError } from './qwen-tasks-error.js';

/** The connection failed or was cut before a complete reply arrived (reset, refused, truncated body). Retryable. */
export class ConnectionError extends QwenTasksError {
  override name = 'ConnectionError';
  /** Which provider the call went to. */
  readonly provider: string | undefined;
  /** The low-level error code, e.g. `ECONNRESET`. */
  readonly code: string | undefined;

  constructor(message: string, options?: { provider?: string; code?: string; cause?: unknown }) {
    super(message, options);
    this.provider = options?.provider;
    this.code = options?.code;
  }
}
