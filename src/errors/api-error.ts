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
  /** Seconds the server asked us to wait (`Retry-After`), when given. */
  retryAfterMs?: number;
  /** The underlying error. */
  cause?: unknown;
}

/** The provider answered with an error. Subclasses tell the failure classes a caller handles differently. */
export class ApiError extends QwenTasksError {
  override name = 'ApiError';
  readonly status: number | undefined;
  readonly code: string | undefined;
  readonly requestId: string | undefined;
  readonly provider: string | undefined;
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
