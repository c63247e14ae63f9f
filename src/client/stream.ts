/**
 * Streamed replies: server-sent events split into their data, and the chunks assembled into one reply.
 * @module
 */
import { ConnectionError } from '../errors.js';
import { isRecord } from '../json.js';
import { type ErrorBodyFields, parseErrorObject } from './api-errors.js';
import type { ChatDelta, TokenLogprob, Usage } from './types.js';
import type { ParsedReply } from './wire.js';
import { nonEmptyString, normalizeUsage, readLogprobs, textOf } from './wire.js';

/**
 * Splits a server-sent-events byte stream into the `data` of each event (multi-line data joined with `\n`).
 * Comments, `event:`/`id:` fields and empty events are skipped; LF, CRLF and CR line ends are accepted.
 */
export async function* readSse(chunks: AsyncIterable<Uint8Array | string>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  const splitter = createSseSplitter();
  for await (const chunk of chunks) {
    yield* splitter.push(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
  }
  yield* splitter.end(decoder.decode());
}

/** The `data` of each event of a whole server-sent-events text, as {@link readSse} reads them. */
export function readSseText(text: string): string[] {
  const splitter = createSseSplitter();
  return [...splitter.push(text), ...splitter.end('')];
}

/** The SSE reader's state: text goes in piece by piece, the data of each complete event comes out. */
function createSseSplitter(): { push(text: string): string[]; end(rest: string): string[] } {
  let buffer = '';
  let dataLines: string[] = [];
  return {
    push(text) {
      const events: string[] = [];
      buffer += text;
      let lineEnd = findLineEnd(buffer);
      while (lineEnd !== -1) {
        const line = buffer.slice(0, lineEnd);
        // A CR at the very end of the buffer may be the first half of a CRLF: wait for the next piece.
        if (buffer[lineEnd] === '\r' && lineEnd === buffer.length - 1) break;
        buffer = buffer.slice(buffer[lineEnd] === '\r' && buffer[lineEnd + 1] === '\n' ? lineEnd + 2 : lineEnd + 1);
        if (line === '') {
          if (dataLines.length > 0) events.push(dataLines.join('\n'));
          dataLines = [];
        } else if (line.startsWith('data:')) {
          dataLines.push(line.slice(line.startsWith('data: ') ? 6 : 5));
        }
        lineEnd = findLineEnd(buffer);
      }
      return events;
    },
    end(rest) {
      buffer += rest;
      if (buffer.startsWith('data:')) {
        dataLines.push(buffer.slice(buffer.startsWith('data: ') ? 6 : 5).replace(/\r$/, ''));
      }
      return dataLines.length > 0 ? [dataLines.join('\n')] : [];
    },
  };
}

/**
 * Where the first line of `text` ends (its first `\n` or `\r`), or -1. The common case, LF line ends, looks back
 * from the LF over that line only: a CR is searched for ahead only when there is one, so reading a long buffer line
 * by line stays linear.
 */
function findLineEnd(text: string): number {
  const newline = text.indexOf('\n');
  if (newline === -1) return text.indexOf('\r');
  if (newline === 0 || text.lastIndexOf('\r', newline - 1) === -1) return newline;
  return text.indexOf('\r');
}

/** Error code of a stream that ended before `[DONE]` and before a finish reason: retryable. */
export const STREAM_CUT = 'STREAM_CUT';

/** Collects the chunks of a streamed reply into one reply. */
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
 * An error event is mapped with the stream's ids (`request_id`, and the chunks' `id` as the completion id) when it
 * carries none of its own; text beyond `maxTextBytes` (content, reasoning and tool-call arguments, in UTF-8) throws
 * `tooLarge()`.
 */
export function createStreamAssembler(options: {
  provider: string;
  mapError: (fields: ErrorBodyFields) => Error;
  maxTextBytes?: number;
  tooLarge?: () => Error;
  /** Receives each non-empty piece of text as it is assembled (exceptions it throws are ignored). */
  onDelta?: ((delta: ChatDelta) => void) | undefined;
  /** The attempt the pieces are tagged with. */
  attempt?: number;
}): StreamAssembler {
  const { onDelta } = options;
  const attempt = options.attempt ?? 1;
  const tell = (delta: ChatDelta): void => {
    try {
      onDelta?.(delta);
    } catch {
      // an observer's failure never changes the call
    }
  };
  const maxTextBytes = options.maxTextBytes ?? Number.POSITIVE_INFINITY;
  let textBytes = 0;
  let content = '';
  let reasoning = '';
  let finishReason: string | undefined;
  let usage: Usage | undefined;
  let rawUsage: unknown;
  let requestId: string | undefined;
  let completionId: string | undefined;
  let model: unknown;
  let done = false;
  const toolCalls: ToolCallParts[] = [];
  const logprobs: TokenLogprob[] = [];

  function pushChunk(chunk: Record<string, unknown>): void {
    if (chunk.error !== undefined && chunk.error !== null) {
      const fields = parseErrorObject(chunk);
      if (fields.usage !== undefined) recordUsage(fields.usage);
      if (fields.requestId === undefined && requestId !== undefined) fields.requestId = requestId;
      if (fields.completionId === undefined && completionId !== undefined) fields.completionId = completionId;
      throw options.mapError(fields);
    }
    requestId ??= nonEmptyString(chunk.request_id);
    completionId ??= nonEmptyString(chunk.id);
    model ??= chunk.model;
    recordUsage(chunk.usage);
    for (const choice of Array.isArray(chunk.choices) ? chunk.choices : []) {
      if (!isRecord(choice) || (choice.index !== undefined && choice.index !== 0)) continue;
      if (typeof choice.finish_reason === 'string') finishReason = choice.finish_reason;
      const delta = isRecord(choice.delta) ? choice.delta : isRecord(choice.message) ? choice.message : {};
      const contentPart = textOf(delta.content);
      const reasoningPart = textOf(delta.reasoning_content ?? delta.reasoning);
      count(contentPart);
      count(reasoningPart);
      content += contentPart;
      reasoning += reasoningPart;
      if (onDelta !== undefined) {
        if (reasoningPart !== '') tell({ type: 'reasoning', text: reasoningPart, attempt });
        if (contentPart !== '') tell({ type: 'content', text: contentPart, attempt });
      }
      if (Array.isArray(delta.tool_calls)) delta.tool_calls.forEach(pushToolCallFragment);
      const chunkLogprobs = readLogprobs(choice.logprobs);
      if (chunkLogprobs !== undefined) logprobs.push(...chunkLogprobs);
    }
  }

  function count(text: string): void {
    if (text === '') return;
    textBytes += Buffer.byteLength(text);
    if (textBytes > maxTextBytes) throw options.tooLarge?.() ?? new Error('The streamed reply is too large');
  }

  function pushToolCallFragment(fragment: unknown, position: number): void {
    if (!isRecord(fragment)) return;
    const index = typeof fragment.index === 'number' ? fragment.index : position;
    const call = toolCalls[index] ?? { id: '', name: '', arguments: '' };
    toolCalls[index] = call;
    const fragmentFunction = isRecord(fragment.function) ? fragment.function : {};
    if (call.id === '') call.id = nonEmptyString(fragment.id) ?? '';
    if (call.name === '') call.name = nonEmptyString(fragmentFunction.name) ?? '';
    if (typeof fragmentFunction.arguments === 'string') {
      count(fragmentFunction.arguments);
      call.arguments += fragmentFunction.arguments;
      if (onDelta !== undefined && fragmentFunction.arguments !== '') {
        tell({ type: 'tool-arguments', text: fragmentFunction.arguments, attempt, toolIndex: index });
      }
    }
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
      if (completionId !== undefined) reply.completionId = completionId;
      if (logprobs.length > 0) reply.logprobs = logprobs;
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
        id: completionId,
        object: 'chat.completion',
        model,
        choices: [{ index: 0, message, finish_reason: finishReason ?? null }],
        usage: rawUsage ?? null,
      };
      return { reply, raw };
    },
  };
}
