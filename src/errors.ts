/**
 * Every error qwen-tasks throws, in one file: the base class, one subclass per failure a caller handles
 * differently, and the redaction of API keys from every message. See `docs/errors.md`.
 * @module
 */
/**
 * Base class of every error qwen-tasks throws. Messages never contain an API key: registered keys are
 * redacted when the error is built, and again from any `cause` that is attached.
 */
export class QwenTasksError extends Error {
  override name = 'QwenTasksError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(redact(message), options?.cause === undefined ? undefined : { cause: sanitizeCause(options.cause) });
  }

  /** A plain, key-free view of the error for logs and result files. */
  toJSON(): Record<string, unknown> {
    const json: Record<string, unknown> = { name: this.name, message: this.message };
    for (const [key, value] of Object.entries(this)) {
      if (key !== 'cause' && value !== undefined) json[key] = value;
    }
    if (this.cause !== undefined) {
      json.cause = this.cause instanceof Error ? { name: this.cause.name, message: this.cause.message } : this.cause;
    }
    return json;
  }
}

/** Copies a foreign error so that its message and stack cannot carry a secret. */
function sanitizeCause(cause: unknown): unknown {
  if (cause instanceof QwenTasksError) return cause;
  if (cause instanceof Error) {
    const copy = new Error(redact(cause.message));
    copy.name = cause.name;
    if (cause.stack !== undefined) copy.stack = redact(cause.stack);
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string') Object.assign(copy, { code });
    return copy;
  }
  if (typeof cause === 'string') return redact(cause);
  return cause;
}

/**
 * Secrets registered here are replaced by `[redacted]` in every error message and field the library builds.
 * Clients register their API key when they are created; nothing else ever needs to.
 */
const secrets = new Set<string>();

/**
 * Keys at least this long are redacted wherever they appear, even inside a longer word. A shorter key would mangle
 * ordinary text that way (a key `ab` inside "about"), so it is redacted only where it stands as a token of its own:
 * not preceded or followed by a letter, a digit, `_` or `-`.
 */
const MIN_SUBSTRING_SECRET_LENGTH = 6;
const shortSecrets = new Set<string>();
let shortSecretPattern: RegExp | undefined;

/** Registers a secret (an API key) for redaction; every non-empty key is redacted, see above for short ones. */
export function registerSecret(secret: string | undefined): void {
  if (secret === undefined || secret === '') return;
  if (secret.length >= MIN_SUBSTRING_SECRET_LENGTH) {
    secrets.add(secret);
    return;
  }
  if (shortSecrets.has(secret)) return;
  shortSecrets.add(secret);
  const alternatives = [...shortSecrets].map((value) => value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
  shortSecretPattern = new RegExp(`(?<![A-Za-z0-9_-])(?:${alternatives})(?![A-Za-z0-9_-])`, 'g');
}

/** Replaces every registered secret (and any `Bearer …` token) in a string. */
export function redact(text: string): string {
  let result = text;
  for (const secret of secrets) {
    if (result.includes(secret)) result = result.split(secret).join('[redacted]');
  }
  if (shortSecretPattern !== undefined) result = result.replace(shortSecretPattern, '[redacted]');
  // Most texts name no bearer token: a substring check spares them the regular expression.
  return result.includes('Bearer') ? result.replace(BEARER_TOKEN, '$1[redacted]') : result;
}

const BEARER_TOKEN = /(Bearer\s+)[A-Za-z0-9._~+/=-]{6,}/g;

/** Deep-redacts a JSON-like value (strings inside objects and arrays), returning a copy. */
function redactValue<T>(value: T): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map((item) => redactValue(item)) as T;
  if (value !== null && typeof value === 'object') {
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) copy[key] = redactValue(item);
    return copy as T;
  }
  return value;
}

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

/** One problem found in a task definition: where it is and what is wrong. */
export interface TaskDefinitionProblem {
  /** JSON path inside the definition, e.g. `/labels/2` (empty string for the whole file). */
  path: string;
  /** What is wrong there. */
  message: string;
}

/**
 * A task definition (a task file or a `defineTask` call) is invalid. Lists every problem at once, each with its
 * JSON path, and the file it came from when there is one.
 */
export class TaskDefinitionError extends QwenTasksError {
  override name = 'TaskDefinitionError';
  /** The task file, when the definition came from one. */
  readonly file: string | undefined;
  /** Every problem found. */
  readonly problems: readonly TaskDefinitionProblem[];

  constructor(problems: readonly TaskDefinitionProblem[], options?: { file?: string; cause?: unknown }) {
    const where = options?.file ?? 'task definition';
    const lines = problems.map((problem) => `${where}${problem.path ? `: ${problem.path}` : ''}: ${problem.message}`);
    super(problems.length === 1 ? lines[0]! : `${problems.length} problems:\n${lines.join('\n')}`, options);
    this.file = options?.file;
    this.problems = problems;
  }
}

/** One reason a reply is not a valid value: where in the value, and what is wrong. */
export interface OutputIssue {
  /** Path inside the value (empty for the whole value). */
  path: readonly (string | number)[];
  /** What is wrong there. */
  message: string;
}

/**
 * No valid value after local repair and `maxRepairs` repair turns. Carries every attempt's raw text, the last
 * validation issues and the last finish reason (with any registered API key redacted, should a hostile server
 * have put it in a reply).
 */
export class OutputError extends QwenTasksError {
  override name = 'OutputError';
  /** Raw reply text of every attempt, in order. */
  readonly attempts: readonly string[];
  /** Validation issues of the last attempt. */
  readonly issues: readonly OutputIssue[];
  /** `finish_reason` of the last attempt (`length` means the reply was cut off). */
  readonly finishReason: string | undefined;
  /** `LOW_CONFIDENCE` when a valid label was refused for its confidence (`minConfidence` with `escalate: 'reject'`). */
  readonly code: string | undefined;
  /** The refused label, with `LOW_CONFIDENCE`. */
  readonly label: string | undefined;
  /** Every label's probability, with `LOW_CONFIDENCE`. */
  readonly scores: Readonly<Record<string, number>> | undefined;

  constructor(
    message: string,
    details: {
      attempts: readonly string[];
      issues: readonly OutputIssue[];
      finishReason?: string;
      code?: string;
      label?: string;
      scores?: Record<string, number>;
      cause?: unknown;
    },
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.attempts = redactValue(details.attempts);
    this.issues = redactValue(details.issues);
    this.finishReason = details.finishReason;
    this.code = details.code;
    this.label = details.label;
    this.scores = details.scores;
  }
}

/** The {@link OutputError} code of a label refused for its low confidence. */
export const LOW_CONFIDENCE = 'LOW_CONFIDENCE';

/** What an {@link ApiError} knows about the failed call. */
export interface ApiErrorDetails {
  /** HTTP status, when the server answered. */
  status?: number;
  /** The provider's error code, e.g. `invalid_api_key` or `limit_requests`. */
  code?: string;
  /** The provider's request id (the `x-request-id` header, else the body's `request_id`), for support tickets. */
  requestId?: string;
  /** The id of the completion (`chatcmpl-…`) the error belongs to, when the server gave one. */
  completionId?: string;
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
  /** The provider's request id (the `x-request-id` header, else the body's `request_id`), for support tickets. */
  readonly requestId: string | undefined;
  /** The id of the completion (`chatcmpl-…`) the error belongs to, e.g. of a stream cut by an error event. */
  readonly completionId: string | undefined;
  /** Which provider answered: `dashscope`, `segmind` or `openai-compatible`. */
  readonly provider: string | undefined;
  /** Milliseconds the server asked us to wait (`retry-after-ms`, else `Retry-After`), when given. */
  readonly retryAfterMs: number | undefined;

  constructor(message: string, details: ApiErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.status = details.status;
    this.code = details.code;
    this.requestId = details.requestId;
    this.completionId = details.completionId;
    this.provider = details.provider;
    this.retryAfterMs = details.retryAfterMs;
  }
}

/**
 * The API key was refused (401, `invalid_api_key`, a key of another region) or lacks access to the model (403).
 * Not retried.
 */
export class AuthenticationError extends ApiError {
  override name = 'AuthenticationError';
}

/** Rate limited (429 with a rate code, or an unknown 429 code). Retryable: the client backs off and retries. */
export class RateLimitError extends ApiError {
  override name = 'RateLimitError';
}

/**
 * No money left: Segmind 406, 402, DashScope `Arrearage`, overdue-bill 429s, 403 `AllocationQuota.FreeTierOnly`.
 * Not retried; fatal for a batch.
 */
export class InsufficientCreditsError extends ApiError {
  override name = 'InsufficientCreditsError';
}

/** Content moderation refused the input or cut the output (`data_inspection_failed`). Not retried. */
export class ContentFilterError extends ApiError {
  override name = 'ContentFilterError';
}

/**
 * The request was refused as invalid (400 `invalid_parameter_error`, other 4xx), or the model does not exist
 * (404 `model_not_found`). Not retried.
 */
export class BadRequestError extends ApiError {
  override name = 'BadRequestError';
}

/**
 * The provider failed: 5xx, an error event inside a stream with an unknown code, or a reply without choices.
 * Retried; `RequestTimeOut` at most once per call.
 */
export class ServerError extends ApiError {
  override name = 'ServerError';
}

/**
 * The connection failed or was cut before a complete reply arrived: reset, refused, a truncated or invalid body
 * (`INVALID_JSON`), a stream cut before its end (`STREAM_CUT`). Retried, except a reply over `maxResponseBytes`
 * (`RESPONSE_TOO_LARGE`) and a reply in a content encoding nobody asked for (`UNEXPECTED_ENCODING`).
 */
export class ConnectionError extends QwenTasksError {
  override name = 'ConnectionError';
  /** Which provider the call went to. */
  readonly provider: string | undefined;
  /**
   * The low-level error code, e.g. `ECONNRESET`, or the library's own `INVALID_JSON`, `STREAM_CUT`,
   * `RESPONSE_TOO_LARGE` or `UNEXPECTED_ENCODING`.
   */
  readonly code: string | undefined;

  constructor(message: string, options?: { provider?: string; code?: string; cause?: unknown }) {
    super(message, options);
    this.provider = options?.provider;
    this.code = options?.code;
  }
}

/** An attempt took longer than `timeoutMs`. Retryable. */
export class TimeoutError extends QwenTasksError {
  override name = 'TimeoutError';
  /** The per-attempt limit that was passed. */
  readonly timeoutMs: number;
  /** Which provider the call went to. */
  readonly provider: string | undefined;

  constructor(message: string, options: { timeoutMs: number; provider?: string; cause?: unknown }) {
    super(message, options);
    this.timeoutMs = options.timeoutMs;
    this.provider = options.provider;
  }
}
