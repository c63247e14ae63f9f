import { classifyApiError } from '../../client/map-api-error.js';
import { nonEmptyString } from '../../client/non-empty-string.js';
import { ZERO_USAGE } from '../../client/normalize-usage.js';
import { parseChatResponse } from '../../client/parse-chat-response.js';
import type { ChatResponse, Provider, Usage } from '../../client/types.js';
import { type ApiError, redact, ServerError } from '../../errors.js';

/** A line of an output or error file: the reply of one request, or why it failed. @internal */
export type BatchResultLine =
  | { customId: string; ok: true; response: ChatResponse }
  | { customId: string; ok: false; error: ApiError };

/** What reading a result line needs to know. @internal */
export interface ResultLineContext {
  provider: Provider;
  batchId: string;
  /** Cost of one batch request (half the online price). */
  estimateCostUsd: (usage: Usage) => number;
}

/**
 * Reads a result line `{id, custom_id, response: {status_code, request_id, body}, error}`. A 2xx body with a choice
 * becomes a {@link ChatResponse} priced as a batch request; an `error`, an error status, or a body without a choice
 * becomes the typed error a chat call would have thrown (`RateLimitError` for 429, `BadRequestError` for 400, …).
 * `undefined` for a line that is not JSON or names no `custom_id`.
 * @internal
 */
export function readBatchResultLine(line: string, context: ResultLineContext): BatchResultLine | undefined {
  const parsed = parseObject(line);
  const customId = parsed === undefined ? undefined : nonEmptyString(parsed.custom_id);
  if (parsed === undefined || customId === undefined) return undefined;
  const response = asObject(parsed.response) ?? {};
  const status = typeof response.status_code === 'number' ? response.status_code : undefined;
  const body = response.body;
  const requestId = nonEmptyString(response.request_id);
  const failure = asObject(parsed.error) ?? asObject(asObject(body)?.error);
  if (failure !== undefined || (status !== undefined && status >= 300)) {
    return { customId, ok: false, error: lineError(status, failure ?? {}, requestId, context) };
  }
  const reply = parseChatResponse(body);
  if (reply === undefined) {
    const error = new ServerError(`Batch request failed: the reply has no choices — batch ${context.batchId}`, {
      ...(status === undefined ? {} : { status }),
      ...(requestId === undefined ? {} : { requestId: redact(requestId) }),
      provider: context.provider,
    });
    return { customId, ok: false, error };
  }
  const usage = reply.usage ?? { ...ZERO_USAGE };
  const chatResponse: ChatResponse = {
    content: reply.content,
    finishReason: reply.finishReason,
    usage,
    costUsd: context.estimateCostUsd(usage),
    durationMs: 0,
    attempts: 1,
    rateLimitedAttempts: 0,
    raw: body,
  };
  if (reply.reasoning !== undefined) chatResponse.reasoning = reply.reasoning;
  if (reply.toolCalls !== undefined) chatResponse.toolCalls = reply.toolCalls;
  const replyRequestId = reply.requestId ?? requestId;
  if (replyRequestId !== undefined) chatResponse.requestId = replyRequestId;
  return { customId, ok: true, response: chatResponse };
}

function lineError(
  status: number | undefined,
  failure: Record<string, unknown>,
  requestId: string | undefined,
  context: ResultLineContext,
): ApiError {
  const code = nonEmptyString(failure.code) ?? nonEmptyString(failure.type);
  const message = nonEmptyString(failure.message) ?? 'no message';
  const ErrorClass = classifyApiError(status ?? 500, code, context.provider);
  const label = [status, code].filter((part) => part !== undefined).join(' ');
  return new ErrorClass(
    `Batch request failed${label === '' ? '' : ` (${label})`}: ${message} — batch ${context.batchId}`,
    {
      ...(status === undefined ? {} : { status }),
      ...(code === undefined ? {} : { code: redact(code) }),
      ...(requestId === undefined ? {} : { requestId: redact(requestId) }),
      provider: context.provider,
    },
  );
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    return asObject(JSON.parse(text));
  } catch {
    return undefined;
  }
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
