import { QwenTasksError } from './qwen-tasks-error.js';

/** What an {@link ApiError} knows about the failed call. */
export interface ApiErrorDetails {
  /** HTTP status, when the server answered. */
  status?: number;
  /** The provider's error code, e.g. `invalid_api_key` or `limit_requests`. */
  code?: string;
  /** The provider's request id, for support tickets. */
  requestId?: string;
  /** Which provider answered. */
  provider?: string;
  /** Milliseconds the server asked us to wait (`retry-after-ms`, else `Retry-After`), when given. */
  retryAfterMs?: number;
  /** The underlying error. */
  cause?: unknown;
}

/**
 * The provider answered with an error. Subclasses tell the failure classes a caller handles differently; a plain
 * `ApiError` is a 408 or 409 (retried by the client) or an unclassified status.
 */
export class ApiError extends QwenTasksError {
  override name = 'ApiError';
  /** HTTP status; `undefined` for an error event inside a stream. */
  readonly status: number | undefined;
  /** The provider's error code, e.g. `invalid_api_key` or `limit_requests`. */
  readonly code: string | undefined;
  /** The provider's request id, for support tickets. */
  readonly requestId: string | undefined;
  /** Which provider answered: `dashscope`, `segmind` or `openai-compatible`. */
  readonly provider: string | undefined;
  /** Milliseconds the server asked us to wait (`retry-after-ms`, else `Retry-After`), when given. */
  readonly retryAfterMs: number | undefined;

  constructor(message: string, details: ApiErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.status = details.status;
    this.code = details.code;
    this.requestId = details.requestId;
    this.provider = details.provider;
    this.retryAfterMs = details.retryAfterMs;
  }
}
