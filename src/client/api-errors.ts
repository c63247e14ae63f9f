/**
 * Error replies: bodies of every known shape (JSON, SSE-framed, HTML, text) read into their fields, and the typed
 * error of a failed reply, with the provider's request id first. See `docs/errors.md`.
 * @module
 */
import { STATUS_CODES } from 'node:http';
import {
  type ApiError,
  AuthenticationError,
  BadRequestError,
  ContentFilterError,
  InsufficientCreditsError,
  RateLimitError,
  redact,
  ServerError,
} from '../errors.js';
import { isRecord } from '../json.js';
import { readSseText } from './stream.js';
import type { Provider } from './types.js';
import { type ApiErrorClass, classifyApiError, nonEmptyString } from './wire.js';

/** What an error body says, whatever its shape. */
export interface ErrorBodyFields {
  code?: string;
  message?: string;
  requestId?: string;
  /** The completion id (`id`, `chatcmpl-…`) of an error body or of the stream an error event cut. */
  completionId?: string;
  /** Usage, when the failed reply still reports it (the attempt was billed). */
  usage?: unknown;
}

const MAX_TEXT_LENGTH = 300;

/**
 * Reads an error body of any known shape: `{error:{code,message,type}}`, `{error:"string"}`, the flat
 * `{code,message,request_id}`, any of these framed as server-sent events (`data: {"error":…}`, as DashScope refuses
 * a streamed request), an HTML page (its title or text), plain text, or nothing.
 */
export function parseErrorBody(text: string): ErrorBodyFields {
  const trimmed = text.trim();
  if (trimmed === '') return {};
  const parsed = parseJson(trimmed) ?? parseSseErrorFrame(trimmed);
  if (parsed === undefined) return { message: describeText(trimmed) };
  return parseErrorObject(parsed);
}

/** An SSE field line (`data:`, `event:`, `id:`, `retry:`) or comment (`:…`) opening a body. */
const SSE_FIELD = /^(?:data|event|id|retry):|^:/;

/** The first JSON object among the events of a body framed as server-sent events. */
function parseSseErrorFrame(text: string): Record<string, unknown> | undefined {
  if (!SSE_FIELD.test(text)) return undefined;
  for (const data of readSseText(text)) {
    const parsed = parseJson(data.trim());
    if (parsed !== undefined) return parsed;
  }
  return undefined;
}

/** Reads an already parsed error object (an error body, or an `{"error":…}` event of a stream). */
export function parseErrorObject(value: Record<string, unknown>): ErrorBodyFields {
  const fields: ErrorBodyFields = {};
  const nested = value.error;
  const source = isRecord(nested) ? nested : value;
  const code =
    nonEmptyString(source.code) ??
    nonEmptyString(source.type) ??
    (source === value ? undefined : nonEmptyString(value.code));
  const message =
    typeof nested === 'string'
      ? nested
      : (nonEmptyString(source.message) ?? nonEmptyString(source.msg) ?? nonEmptyString(value.detail));
  const requestId = nonEmptyString(value.request_id) ?? nonEmptyString(source.request_id);
  const completionId = nonEmptyString(value.id);
  if (code !== undefined) fields.code = code;
  if (message !== undefined) fields.message = message;
  if (requestId !== undefined) fields.requestId = requestId;
  if (completionId !== undefined) fields.completionId = completionId;
  if (value.usage !== undefined && value.usage !== null) fields.usage = value.usage;
  return fields;
}

function parseJson(text: string): Record<string, unknown> | undefined {
  if (!text.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** A short description of a non-JSON body: an HTML page's title (or text), or the start of the text. */
function describeText(text: string): string {
  const isHtml = /^<(!doctype|html|head|body)/i.test(text);
  const title = isHtml ? /<title[^>]*>([^<]*)<\/title>/i.exec(text)?.[1]?.trim() : undefined;
  const plain = (title !== undefined && title !== '' ? title : isHtml ? text.replace(/<[^>]*>/g, ' ') : text)
    .replace(/\s+/g, ' ')
    .trim();
  const short = plain.length > MAX_TEXT_LENGTH ? `${plain.slice(0, MAX_TEXT_LENGTH)}…` : plain;
  return isHtml ? `HTML page: ${short}` : short;
}

/** What failed, by class, for the start of a message. */
const WHAT_FAILED = new Map<ApiErrorClass, string>([
  [BadRequestError, 'Bad request'],
  [InsufficientCreditsError, 'Insufficient credits'],
  [ContentFilterError, 'Content filtered'],
  [AuthenticationError, 'Authentication failed'],
  [RateLimitError, 'Rate limited'],
  [ServerError, 'Server error'],
]);

/** Everything known about a failed reply. */
export interface ApiErrorContext {
  /** HTTP status; `undefined` for an error event inside a stream. */
  status: number | undefined;
  fields: ErrorBodyFields;
  provider: Provider;
  url: string;
  /** The request's HTTP method, named in the message. @defaultValue 'POST' */
  method?: string | undefined;
  /** Request id from the reply headers (`x-request-id`), which wins over the body's. */
  headerRequestId?: string | undefined;
  retryAfterMs?: number | undefined;
}

/**
 * Builds the typed error of a failed reply, with a message like
 * `Rate limited (429 limit_requests): Requests rate limit exceeded — POST https://…/chat/completions`.
 * Everything taken from the server is redacted.
 */
export function mapApiError(context: ApiErrorContext): ApiError {
  const { status, fields, provider } = context;
  const errorClass = classifyApiError(status, fields.code, provider);
  const what = WHAT_FAILED.get(errorClass) ?? 'Request failed';
  const where = [status, fields.code].filter((part) => part !== undefined).join(' ');
  const label = status === undefined ? `${where === '' ? '' : `${where}, `}in stream` : where;
  const providerMessage =
    fields.message ?? (status === undefined ? 'error event' : (STATUS_CODES[status] ?? 'no message'));
  const requestId = context.headerRequestId ?? fields.requestId;
  return new errorClass(`${what} (${label}): ${providerMessage} — ${context.method ?? 'POST'} ${context.url}`, {
    ...(status === undefined ? {} : { status }),
    ...(fields.code === undefined ? {} : { code: redact(fields.code) }),
    ...(requestId === undefined ? {} : { requestId: redact(requestId) }),
    ...(fields.completionId === undefined ? {} : { completionId: redact(fields.completionId) }),
    provider,
    ...(context.retryAfterMs === undefined ? {} : { retryAfterMs: context.retryAfterMs }),
  });
}
