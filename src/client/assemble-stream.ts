import { ConnectionError } from '../errors.js';
import { isRecord } from '../json.js';
import { nonEmptyString } from './non-empty-string.js';
import { normalizeUsage } from './normalize-usage.js';
import type { ParsedReply } from './parse-chat-response.js';
import { textOf } from './parse-chat-response.js';
import { type ErrorBodyFields, parseErrorObject } from './parse-error-body.js';
import type { Usage } from './types.js';

/** Error code of a stream that ended before `[DONE]` and before a finish reason: retryable. @internal */
export const STREAM_CUT = 'STREAM_CUT';

/** Collects the chunks of a streamed reply into one reply. @internal */
export interface StreamAssembler {
  /** Takes the `data` of one event; throws the mapped error of an `{"error":…}` event. */
  push(data: string): void;
  /** The usage reported so far (the last chunk's), to count billed attempts that fail afterwards. */
  readonly usage: Usage | undefined;
  /** The assembled reply and a `chat.completion`-like raw object; throws when the stream was cut. */
  finish(): { reply: ParsedReply; raw: Record<string, unknown> };
}

interface ToolCallParts {
  id: string;
  name: string;
  arguments: string;
}

/**
 * Assembles `content`, `reasoning_content`, tool-call fragments (by index), the finish reason and the usage of
 * the last chunk. A stream that ends without `[DONE]` and without a finish reason is a {@link ConnectionError}.
 * @internal
 */
export function createStreamAssembler(options: {
  provider: string;
  mapError: (fields: ErrorBodyFields) => Error;
}): StreamAssembler {
  let content = '';
  let reasoning = '';
  let finishReason: string | undefined;
  let usage: Usage | undefined;
  let rawUsage: unknown;
  let requestId: string | undefined;
  let model: unknown;
  let done = false;
  const toolCalls: ToolCallParts[] = [];

  function pushChunk(chunk: Record<string, unknown>): void {
    if (chunk.error !== undefined && chunk.error !== null) {
      const fields = parseErrorObject(chunk);
      if (fields.usage !== undefined) recordUsage(fields.usage);
      throw options.mapError(fields);
    }
    requestId ??= nonEmptyString(chunk.request_id) ?? nonEmptyString(chunk.id);
    model ??= chunk.model;
    recordUsage(chunk.usage);
    for (const choice of Array.isArray(chunk.choices) ? chunk.choices : []) {
      if (!isRecord(choice) || (choice.index !== undefined && choice.index !== 0)) continue;
      if (typeof choice.finish_reason === 'string') finishReason = choice.finish_reason;
      const delta = isRecord(choice.delta) ? choice.delta : isRecord(choice.message) ? choice.message : {};
      content += textOf(delta.content);
      reasoning += textOf(delta.reasoning_content ?? delta.reasoning);
      if (Array.isArray(delta.tool_calls)) delta.tool_calls.forEach(pushToolCallFragment);
    }
  }

  function pushToolCallFragment(fragment: unknown, position: number): void {
    if (!isRecord(fragment)) return;
    const index = typeof fragment.index === 'number' ? fragment.index : position;
    const call = toolCalls[index] ?? { id: '', name: '', arguments: '' };
    toolCalls[index] = call;
    const fragmentFunction = isRecord(fragment.function) ? fragment.function : {};
    if (call.id === '') call.id = nonEmptyString(fragment.id) ?? '';
    if (call.name === '') call.name = nonEmptyString(fragmentFunction.name) ?? '';
    if (typeof fragmentFunction.arguments === 'string') call.arguments += fragmentFunction.arguments;
  }

  function recordUsage(value: unknown): void {
    const normalized = normalizeUsage(value);
    if (normalized === undefined) return;
    usage = normalized;
    rawUsage = value;
  }

  return {
    push(data) {
      if (done) return;
      if (data.trim() === '[DONE]') {
        done = true;
        return;
      }
      let chunk: unknown;
      try {
        chunk = JSON.parse(data);
      } catch (error) {
        throw new ConnectionError(`Invalid JSON in a stream event (${data.length} characters)`, {
          provider: options.provider,
          code: STREAM_CUT,
          cause: error,
        });
      }
      if (isRecord(chunk)) pushChunk(chunk);
    },
    get usage() {
      return usage;
    },
    finish() {
      if (!done && finishReason === undefined) {
        throw new ConnectionError('The stream ended before [DONE] and before a finish reason', {
          provider: options.provider,
          code: STREAM_CUT,
        });
      }
      const calls = toolCalls
        .filter((call) => call !== undefined)
        .map((call, index) => ({ ...call, id: call.id === '' ? `call_${index}` : call.id }));
      const reply: ParsedReply = { content, finishReason: finishReason ?? 'unknown', usage };
      if (reasoning !== '') reply.reasoning = reasoning;
      if (calls.length > 0) reply.toolCalls = calls;
      if (requestId !== undefined) reply.requestId = requestId;
      const message: Record<string, unknown> = { role: 'assistant', content };
      if (reasoning !== '') message.reasoning_content = reasoning;
      if (calls.length > 0) {
        message.tool_calls = calls.map((call) => ({
          id: call.id,
          type: 'function',
          function: { name: call.name, arguments: call.arguments },
        }));
      }
      const raw = {
        id: requestId,
        object: 'chat.completion',
        model,
        choices: [{ index: 0, message, finish_reason: finishReason ?? null }],
        usage: rawUsage ?? null,
      };
      return { reply, raw };
    },
  };
}
