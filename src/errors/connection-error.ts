import { QwenTasksError } from './qwen-tasks-error.js';

/**
 * The connection failed or was cut before a complete reply arrived: reset, refused, a truncated or invalid body
 * (`INVALID_JSON`), a stream cut before its end (`STREAM_CUT`). Retried, except a reply over `maxResponseBytes`
 * (`RESPONSE_TOO_LARGE`).
 */
export class ConnectionError extends QwenTasksError {
  override name = 'ConnectionError';
  /** Which provider the call went to. */
  readonly provider: string | undefined;
  /**
   * The low-level error code, e.g. `ECONNRESET`, or the library's own `INVALID_JSON`, `STREAM_CUT` or
   * `RESPONSE_TOO_LARGE`.
   */
  readonly code: string | undefined;

  constructor(message: string, options?: { provider?: string; code?: string; cause?: unknown }) {
    super(message, options);
    this.provider = options?.provider;
    this.code = options?.code;
  }
}
