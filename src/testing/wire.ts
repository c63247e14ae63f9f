/**
 * The mock's answers on the wire: completion bodies, their SSE events as DashScope streams them, and error bodies
 * in each provider's shape.
 * @module
 */
import { STATUS_CODES } from 'node:http';
import { isRecord } from '../json.js';
import type { MockCompletionReply, MockErrorShape, MockRawReply, MockRequest, MockStreamPacing } from './types.js';

/** An answer ready to send: a whole body, or SSE events sent one by one. */
export interface MockAnswer {
  status: number;
  headers: Record<string, string>;
  body: string | readonly string[];
  /** How the events are spaced and sliced on the wire (events only). @defaultValue one write per event, no delay */
  pacing?: MockStreamPacing | undefined;
}

/** A JSON answer (strings are sent as they are). */
export function jsonAnswer(status: number, body: unknown, headers: Record<string, string> = {}): MockAnswer {
  return {
    status,
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  };
}

/** A scripted raw answer: the body JSON-encoded unless it is a string, none when absent. */
export function rawAnswer(reply: MockRawReply, requestId: string): MockAnswer {
  const headers = { 'x-request-id': requestId, ...reply.headers };
  if (reply.body === undefined) return { status: reply.status, headers, body: '' };
  return jsonAnswer(reply.status, reply.body, headers);
}

/** What an error answer says. */
export interface ErrorDescription {
  status: number;
  shape: MockErrorShape;
  requestId: string;
  /** @defaultValue a code that fits the status */
  code?: string | undefined;
  /** @defaultValue a message that fits the status */
  message?: string | undefined;
  headers?: Record<string, string> | undefined;
}

/** The message of a Segmind 401. */
export const SEGMIND_UNAUTHORIZED = 'Unauthorized: invalid or missing x-api-key';

const defaults: Record<number, { code: string; message: string }> = {
  400: { code: 'invalid_parameter_error', message: 'The request is invalid.' },
  401: { code: 'invalid_api_key', message: 'Incorrect API key provided.' },
  403: { code: 'AccessDenied', message: 'Access denied.' },
  404: { code: 'model_not_found', message: 'The model does not exist or you do not have access to it.' },
  406: { code: 'insufficient_credits', message: 'Insufficient credits' },
  429: { code: 'limit_requests', message: 'Requests rate limit exceeded, please try again later.' },
  500: { code: 'internal_error', message: 'An internal error has occurred, please try again later.' },
  503: { code: 'ModelUnavailable', message: 'The model is overloaded, please try again later.' },
};

/** An error answer in one of the providers' body shapes. */
export function buildErrorAnswer(description: ErrorDescription): MockAnswer {
  const { status, shape, requestId } = description;
  const fallback = defaults[status] ?? { code: 'error', message: STATUS_CODES[status] ?? 'Error' };
  const code = description.code ?? fallback.code;
  const message = description.message ?? fallback.message;
  const headers = { 'x-request-id': requestId, ...description.headers };
  const nested = {
    error: { code, param: null, message, type: errorType(status) },
    id: `chatcmpl-${requestId}`,
    request_id: requestId,
  };
  switch (shape) {
    case 'dashscope':
      return jsonAnswer(status, nested, headers);
    case 'sse':
      return {
        status,
        headers: { 'content-type': 'text/event-stream;charset=UTF-8', ...headers },
        body: event(nested),
      };
    case 'flat':
      return jsonAnswer(status, { code, message, request_id: requestId }, headers);
    case 'segmind':
      return jsonAnswer(status, { error: message }, headers);
    case 'empty':
      return { status, headers, body: '' };
    case 'html':
      return { status, headers: { 'content-type': 'text/html', ...headers }, body: htmlPage(status) };
  }
}

function errorType(status: number): string {
  if (status === 429) return 'rate_limit_error';
  return status >= 500 ? 'server_error' : 'invalid_request_error';
}

function htmlPage(status: number): string {
  const title = `${status} ${STATUS_CODES[status] ?? 'Error'}`;
  return `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
}

/** A tool call in OpenAI's wire form. */
interface WireToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** A `chat.completion` body as DashScope sends it. */
interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: [
    {
      index: 0;
      message: { role: 'assistant'; content: string; reasoning_content?: string; tool_calls?: WireToolCall[] };
      finish_reason: string;
      logprobs: null;
    },
  ];
  usage: {
    prompt_tokens: number;
    completion_tokens: number;
    total_tokens: number;
    prompt_tokens_details: { cached_tokens: number };
  };
  system_fingerprint: null;
  request_id?: string;
}

/** Identity of one answer. */
interface CompletionIdentity {
  requestId: string;
  /** Seconds since the epoch. */
  created: number;
  /** Adds `request_id` to the body, as DashScope does. */
  withRequestId: boolean;
}

/** Turns a scripted reply into a `chat.completion` body; token counts are estimated when not given. */
export function buildCompletion(
  reply: MockCompletionReply,
  request: MockRequest,
  identity: CompletionIdentity,
): ChatCompletion {
  const content = reply.content ?? '';
  const toolCalls = reply.toolCalls?.map(
    (call, position): WireToolCall => ({
      id: call.id ?? `call_${position}`,
      type: 'function',
      function: { name: call.name, arguments: call.arguments },
    }),
  );
  const message: ChatCompletion['choices'][0]['message'] = { role: 'assistant', content };
  if (reply.reasoning !== undefined) message.reasoning_content = reply.reasoning;
  if (toolCalls !== undefined && toolCalls.length > 0) message.tool_calls = toolCalls;
  const generated = [content, reply.reasoning ?? '', ...(toolCalls ?? []).map((call) => call.function.arguments)];
  const promptTokens = reply.usage?.promptTokens ?? estimateUsageTokens(request.messages.map((item) => item.content));
  const completionTokens = reply.usage?.completionTokens ?? estimateUsageTokens(generated);
  const model = isRecord(request.body) ? request.body.model : undefined;
  const completion: ChatCompletion = {
    id: `chatcmpl-${identity.requestId}`,
    object: 'chat.completion',
    created: identity.created,
    model: typeof model === 'string' ? model : 'qwen-flash',
    choices: [
      {
        index: 0,
        message,
        finish_reason: reply.finishReason ?? (message.tool_calls === undefined ? 'stop' : 'tool_calls'),
        logprobs: null,
      },
    ],
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
      prompt_tokens_details: { cached_tokens: reply.usage?.cachedTokens ?? 0 },
    },
    system_fingerprint: null,
  };
  if (identity.withRequestId) completion.request_id = identity.requestId;
  return completion;
}

/**
 * The usage the mock reports when the reply gives none: about one token per four characters, at least one (a
 * documented, predictable figure for tests, not the library's estimate in `src/tokens.ts`).
 */
function estimateUsageTokens(texts: readonly string[]): number {
  const characters = texts.reduce((total, text) => total + text.length, 0);
  return Math.max(1, Math.ceil(characters / 4));
}

/** Pieces a streamed text is cut into (at most) when no `pieceChars` is given. */
const PIECES = 3;

/**
 * The SSE events (`data: …\n\n`) of a streamed completion, as DashScope sends them: a role chunk, the
 * reasoning in pieces, the content in pieces, each tool call's arguments in pieces (index-based, as OpenAI), a finish
 * chunk, a usage chunk with `choices: []` when asked for, then `data: [DONE]`. `pieceChars` sets the size of a piece
 * in code points (default: each text in up to 3 pieces).
 */
export function buildSseEvents(completion: ChatCompletion, includeUsage: boolean, pieceChars?: number): string[] {
  const splitText = (text: string) => splitCodePoints(text, pieceChars);
  const choice = completion.choices[0];
  const chunk = (delta: Record<string, unknown>, finishReason: string | null = null) =>
    event({
      id: completion.id,
      object: 'chat.completion.chunk',
      created: completion.created,
      model: completion.model,
      choices: [{ index: 0, delta, finish_reason: finishReason, logprobs: null }],
      usage: null,
      system_fingerprint: null,
    });
  const events = [chunk({ role: 'assistant', content: '' })];
  for (const piece of splitText(choice.message.reasoning_content ?? '')) {
    events.push(chunk({ content: null, reasoning_content: piece }));
  }
  for (const piece of splitText(choice.message.content)) events.push(chunk({ content: piece }));
  choice.message.tool_calls?.forEach((call, index) => {
    events.push(
      chunk({
        tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } }],
      }),
    );
    for (const piece of splitText(call.function.arguments)) {
      events.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
    }
  });
  events.push(chunk({}, choice.finish_reason));
  if (includeUsage) {
    events.push(
      event({
        id: completion.id,
        object: 'chat.completion.chunk',
        created: completion.created,
        model: completion.model,
        choices: [],
        usage: completion.usage,
        system_fingerprint: null,
      }),
    );
  }
  events.push('data: [DONE]\n\n');
  return events;
}

/** One SSE event carrying a JSON payload. */
export function event(payload: unknown): string {
  return `data: ${JSON.stringify(payload)}\n\n`;
}

/** Cuts a text into pieces of `pieceChars` code points (default: up to PIECES pieces), never inside a character. */
function splitCodePoints(text: string, pieceChars: number | undefined): string[] {
  const characters = Array.from(text);
  const size = pieceChars ?? Math.ceil(characters.length / PIECES);
  const pieces: string[] = [];
  for (let start = 0; start < characters.length; start += size)
    pieces.push(characters.slice(start, start + size).join(''));
  return pieces;
}

/**
 * Refuses a pacing the server could not follow (a size that is not a positive integer, a negative delay, a pause
 * without `resume`), naming where it was given.
 */
export function checkStreamPacing(pacing: MockStreamPacing | undefined, where: string): void {
  if (pacing === undefined) return;
  const integer = (name: 'pieceChars' | 'byteChunk' | 'pauseAfterEvents', minimum: number) => {
    const value = pacing[name];
    if (value !== undefined && !(Number.isInteger(value) && value >= minimum)) {
      throw new RangeError(`${where}.${name} must be an integer of at least ${minimum}, not ${String(value)}`);
    }
  };
  integer('pieceChars', 1);
  integer('byteChunk', 1);
  integer('pauseAfterEvents', 0);
  const { intervalMs, resume } = pacing;
  if (intervalMs !== undefined && !(Number.isFinite(intervalMs) && intervalMs >= 0)) {
    throw new RangeError(`${where}.intervalMs must be a finite number of at least 0, not ${String(intervalMs)}`);
  }
  if (pacing.pauseAfterEvents !== undefined && typeof resume?.then !== 'function') {
    throw new TypeError(`${where}.resume must be a promise when pauseAfterEvents is set`);
  }
}
