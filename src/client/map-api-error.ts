import { STATUS_CODES } from 'node:http';
import {
  ApiError,
  AuthenticationError,
  BadRequestError,
  ContentFilterError,
  InsufficientCreditsError,
  RateLimitError,
  redact,
  ServerError,
} from '../errors.js';
import type { ErrorBodyFields } from './parse-error-body.js';
import type { Provider } from './types.js';

/** An error class of the API error family. @internal */
export type ApiErrorClass = new (message: string, details?: ConstructorParameters<typeof ApiError>[1]) => ApiError;

/** Provider codes that decide the class whatever the status (DashScope's error table). */
const CLASS_BY_CODE: Readonly<Record<string, ApiErrorClass>> = {
  invalid_parameter_error: BadRequestError,
  model_not_found: BadRequestError,
  Arrearage: InsufficientCreditsError,
  PrepaidBillOverdue: InsufficientCreditsError,
  PostpaidBillOverdue: InsufficientCreditsError,
  'AllocationQuota.FreeTierOnly': InsufficientCreditsError,
  data_inspection_failed: ContentFilterError,
  DataInspectionFailed: ContentFilterError,
  invalid_api_key: AuthenticationError,
  limit_requests: RateLimitError,
  limit_burst_rate: RateLimitError,
  insufficient_quota: RateLimitError,
  internal_error: ServerError,
  RequestTimeOut: ServerError,
  ModelServingError: ServerError,
  ModelUnavailable: ServerError,
};

/** What failed, by class, for the start of a message. */
const WHAT_FAILED = new Map<ApiErrorClass, string>([
  [BadRequestError, 'Bad request'],
  [InsufficientCreditsError, 'Insufficient credits'],
  [ContentFilterError, 'Content filtered'],
  [AuthenticationError, 'Authentication failed'],
  [RateLimitError, 'Rate limited'],
  [ServerError, 'Server error'],
]);

/**
 * The class of an API error: the provider code first (DashScope's table), then the status. 401/403 →
 * {@link AuthenticationError}; 402 and Segmind's 406 → {@link InsufficientCreditsError}; 429 →
 * {@link RateLimitError}; 5xx → {@link ServerError}; 408/409 → plain {@link ApiError} (retryable); other 4xx →
 * {@link BadRequestError}. An error inside a stream (no status) with an unknown code is a {@link ServerError}.
 * @internal
 */
export function classifyApiError(
  status: number | undefined,
  code: string | undefined,
  provider: Provider,
): ApiErrorClass {
  const byCode = code === undefined ? undefined : CLASS_BY_CODE[code];
  if (byCode !== undefined) return byCode;
  if (status === undefined || status >= 500) return ServerError;
  if (status === 401 || status === 403) return AuthenticationError;
  if (status === 402 || (status === 406 && provider === 'segmind')) return InsufficientCreditsError;
  if (status === 429) return RateLimitError;
  if (status === 408 || status === 409) return ApiError;
  if (status >= 400) return BadRequestError;
  return ApiError;
}

/** Everything known about a failed reply. @internal */
export interface ApiErrorContext {
  /** HTTP status; `undefined` for an error event inside a stream. */
  status: number | undefined;
  fields: ErrorBodyFields;
  provider: Provider;
  url: string;
  /** The request's HTTP method, named in the message. @defaultValue 'POST' */
  method?: string | undefined;
  /** Request id from the reply headers, used when the body has none. */
  headerRequestId?: string | undefined;
  retryAfterMs?: number | undefined;
}

/**
 * Builds the typed error of a failed reply, with a message like
 * `Rate limited (429 limit_requests): Requests rate limit exceeded — POST https://…/chat/completions`.
 * Everything taken from the server is redacted.
 * @internal
 */
export function mapApiError(context: ApiErrorContext): ApiError {
  const { status, fields, provider } = context;
  const errorClass = classifyApiError(status, fields.code, provider);
  const what = WHAT_FAILED.get(errorClass) ?? 'Request failed';
  const where = [status, fields.code].filter((part) => part !== undefined).join(' ');
  const label = status === undefined ? `${where === '' ? '' : `${where}, `}in stream` : where;
  const providerMessage =
    fields.message ?? (status === undefined ? 'error event' : (STATUS_CODES[status] ?? 'no message'));
  const requestId = fields.requestId ?? context.headerRequestId;
  return new errorClass(`${what} (${label}): ${providerMessage} — ${context.method ?? 'POST'} ${context.url}`, {
    ...(status === undefined ? {} : { status }),
    ...(fields.code === undefined ? {} : { code: redact(fields.code) }),
    ...(requestId === undefined ? {} : { requestId: redact(requestId) }),
    provider,
    ...(context.retryAfterMs === undefined ? {} : { retryAfterMs: context.retryAfterMs }),
  });
}
